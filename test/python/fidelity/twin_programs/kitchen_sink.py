# Twin program: one of everything the standard library hands a program (enums, dataclasses, slots, objects
# whose dunders must never run, generators, coroutines, cycles, huge ints, buffers, a thread): both recorder
# cores must record it identically (test_cores_agree.py).
import collections, dataclasses, enum, json, re, functools, itertools, heapq, decimal, fractions, array, weakref
# Modules bound to names are values to record too, used or not.
import threading, contextlib, io, struct, datetime, random, textwrap, string, operator, types, abc  # noqa: F401

class Color(enum.Enum):
    RED = 1
    GREEN = 2

@dataclasses.dataclass
class Point:
    x: float
    y: float = 0.0
    tags: list = dataclasses.field(default_factory=list)

class Slotted:
    __slots__ = ("a", "b")
    def __init__(self):
        self.a = 1

class Weird:
    def __repr__(self): raise RuntimeError("never call me")
    def __getattr__(self, name): raise RuntimeError("nor me")
    def __eq__(self, other): raise RuntimeError("nor me")
    __hash__ = object.__hash__

def gen(n):
    for i in range(n):
        x = yield i
        if x: break

async def coro():
    return 42

def main():
    data = {"a": [1, 2, {"b": (3, 4)}], "c": None, 5: "five", (1, 2): frozenset({1, 2})}
    text = json.dumps({str(k): v for k, v in data.items()}, default=str)
    back = json.loads(text)
    m = re.search(r"(\d+)", "abc 123 def")
    counts = collections.Counter("mississippi")
    dq = collections.deque(range(5), maxlen=3)
    od = collections.OrderedDict(a=1, b=2)
    dd = collections.defaultdict(list); dd["k"].append(1)
    nt = collections.namedtuple("NT", "p q")(1, 2)
    pts = [Point(i, i * 2) for i in range(3)]
    pts[0].tags.append("first")
    s = Slotted(); s.b = [s]
    w = Weird()
    d = {w: w}
    big = 10 ** 50; huge = 10 ** 5000
    f = 0.1 + 0.2; c = 3 + 4j; b = b"\x00\xff" * 3; ba = bytearray(b"hello")
    dec = decimal.Decimal("1.10"); fr = fractions.Fraction(3, 7)
    arr = array.array("i", [1, 2, 3]); arr[0] = 9
    g = gen(5); first = next(g); second = g.send(None)
    cor = coro()
    try:
        cor.send(None)
    except StopIteration as e:
        result = e.value
    heap = [5, 1, 4]; heapq.heapify(heap)
    part = functools.partial(max, 1)
    chain = list(itertools.chain([1], [2]))
    color = Color.RED
    now = datetime.date(2020, 1, 2)
    ref = weakref.ref(pts[0])
    lam = lambda q: q + 1
    cyc = []; cyc.append(cyc)
    nested = [[[[[1]]]]]
    def inner():
        nonlocal first
        first = 100
    inner()
    try:
        {}["missing"]
    except KeyError as err:
        caught = err
    with contextlib.suppress(ZeroDivisionError):
        1 / 0
    out = io.StringIO(); out.write("x")
    packed = struct.pack("<i", 7)
    t = threading.Thread(target=lambda: pts.append(Point(9)))
    t.start(); t.join()
    rnd = random.Random(1).random()
    wrapped = textwrap.fill("a " * 50, 20)
    ns = types.SimpleNamespace(k=1)
    gexp = (i for i in range(3)); total = sum(gexp)
    comp = {k: v for k, v in zip("ab", range(2))}
    walrus = [y for x in range(5) if (y := x * 2) > 4]
    del big
    return len(text), counts.most_common(1), total

print(main())
