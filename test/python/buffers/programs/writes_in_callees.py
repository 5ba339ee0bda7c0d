"""Buffers written by a line, by a callee through a view, and by C code (np.add out=); the test checks which
step each write is recorded at."""
import numpy as np


def fill(view, value):
    view[:] = value  # @fill


def main():
    a = np.zeros(64, dtype=np.int32)
    b = np.ones(64, dtype=np.int32)
    a[3] = 7  # @set
    fill(a[10:20], 5)  # @call-fill
    np.add(a, b, out=a)  # @add
    data = bytearray(16)
    data[0] = 9  # @bytes
    return a, data  # @end


main()
