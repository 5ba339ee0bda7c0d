"""Writes into buffers bound to names, for the JSONL export's byte deltas: a line, a callee through a view,
np.add(..., out=a), a strided view bound to a name, a bytearray (written, then grown) and an array.array. After
every write the program saves the C-order bytes of the names it wrote (argv[1], JSON): the test's ground truth.
Without numpy only the bytearray and the array.array are used."""
import array
import json
import sys

try:
    import numpy as np
except ImportError:
    np = None

DUMPS = {}


def dump(**objects):
    for name, obj in objects.items():
        raw = obj.tobytes() if hasattr(obj, "tobytes") else bytes(obj)
        DUMPS.setdefault(name, []).append(raw.hex())


def fill(view, value):
    view[:] = value  # @fill


def with_numpy():
    a = np.zeros(16, dtype=np.int32)
    b = np.arange(16, dtype=np.int32)
    v = a[4:8]
    m = np.arange(12, dtype=np.float32).reshape(3, 4)
    r = m[::-1, ::2]
    dump(a=a, v=v, m=m, r=r)
    a[3] = 7  # @set
    dump(a=a)
    fill(v, 5)  # @call_fill
    dump(a=a, v=v)
    np.add(a, b, out=a)  # @add
    dump(a=a, v=v)
    m[2, 0] = -1.5  # @set_m
    dump(m=m, r=r)
    m[1, 1] = 9.0  # @set_m_unseen
    dump(m=m)
    return a, v, m, r


def builtins():
    data = bytearray(b"hello")
    numbers = array.array("d", [1.0, 2.0])
    dump(data=data, numbers=numbers)
    data[1] = 69  # @set_data
    dump(data=data)
    numbers[1] = 0.5  # @set_numbers
    dump(numbers=numbers)
    data.extend(b"!!")  # @grow
    dump(data=data)
    return data, numbers


if np is not None:
    with_numpy()
builtins()
with open(sys.argv[1], "w") as out:
    json.dump(DUMPS, out)
