"""Objects die when the program lets go of them, as under plain python: __del__ and weakref callbacks run then,
and a file left open in a function is closed (and flushed) when the function returns."""
import os
import tempfile
import weakref


class Thing:
    def __init__(self, n):
        self.n = n

    def __del__(self):
        print("del", self.n)


class Marker:
    """Made without a Python __init__: the recorder first meets it inside the exception."""

    def __del__(self):
        print("del marker")


def make(n):
    t = Thing(n)
    return t.n


def write_unclosed(path):
    out = open(path, "w")
    out.write("written")


def main():
    make(1)
    print("after make")
    for i in range(2, 4):
        x = Thing(i)
        print("bound", i)
    del x
    print("after del")
    items = [Thing(10), Thing(11)]
    items.pop()
    print("popped")
    items = None
    print("cleared")
    nested = {"inner": Thing(30)}
    nested = None
    print("nested cleared")
    ref = weakref.ref(Thing(20))
    print("ref dead:", ref() is None)
    path = os.path.join(tempfile.mkdtemp(), "out.txt")
    write_unclosed(path)
    with open(path) as back:
        print("read back:", back.read())  # @read-back
    os.remove(path)
    os.rmdir(os.path.dirname(path))
    try:
        raise ValueError(Marker())  # the exception holds the Marker; it goes when the handler ends
    except ValueError:
        print("handled")
    print("after handler")
    keep = Thing(40)
    return keep


kept = main()
print("end", kept.n)
del kept  # not left to interpreter exit: what runs then under the recorder is a known difference
print("exit")
