"""Buffers for the DAP buffer tests (numpy: run with Debian's /usr/bin/python3). Writes by a line, by a callee
through a view, by np.add(..., out=a), a 2-D float32 array scaled through a reversed view, a 2.4 MB array, a
bytearray that grows. At each `snap` line the program saves its own values (numpy's str() of every element)
to the JSON file named by argv[1]: the tests compare the recording with them."""
import json
import sys

import numpy as np

SNAPS = {}


def snap(label, values):
    count = len(values)  # @snap_body
    SNAPS[label] = [str(x) for x in values][:count]


def fill(view, value):
    view[:] = value  # @fill


def scale(matrix):
    matrix *= 2  # @scale


def main():
    a = np.zeros(16, dtype=np.int32)
    b = np.arange(16, dtype=np.int32)  # @bind_b
    a[3] = 7  # @set
    snap("after_set", a)  # @after_set
    fill(a[4:8], 5)  # @call_fill
    snap("after_fill", a)  # @after_fill
    np.add(a, b, out=a)  # @add
    snap("after_add", a)  # @after_add
    m = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    m[1, 2] = 0.1  # @set_m
    snap("m_after_set", m.ravel())  # @m_after_set
    scale(m[::-1])  # @call_scale
    snap("m_after_scale", m.ravel())  # @m_after_scale
    big = np.zeros(600_000, dtype=np.float32)
    big[123_456] = 1.5  # @set_big
    big[599_999] = -2.25  # @set_big2
    snap("big_page", big[123_450:123_460])  # @big_page
    data = bytearray(b"hello")
    data[0] = 72  # @set_data
    snap("data_after_set", data)  # @data_after_set
    data.extend(b"!!")  # @grow_data
    snap("data_after_grow", data)  # @data_after_grow
    return a, m, big, data  # @end


main()
with open(sys.argv[1], "w") as out:
    json.dump(SNAPS, out)
