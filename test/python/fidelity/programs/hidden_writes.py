# Fidelity program: writes to containers that no Python-level event reveals, next to lines that cannot write.
# The C core's mutation clock skips re-reading containers after code that cannot have written; every case here
# must still be seen at the next step: a callable iterator that pops, an alias extended in place by +=, a C
# call before a Python call on one line, a stdlib function (not recorded) that shuffles, a user __eq__ and a
# sort key that write, a generator that appends, a write deep in a tree that read-only recursion walks before
# and after, a write followed by an exception, item writes into a row a caller's grid holds, a slice assignment
# that drains a popping iterator, and loops over builtin containers next to one over a popping iterator,
# builtin methods that write (append, pop, setdefault, discard) or do not (get, copy) on locals a caller also
# holds, one-line loops and comprehensions that write through a C call, and a standard library descriptor
# (cached_property) that stores into the instance. (A defaultdict filled by a read is in
# twin_programs/hidden_dict_writes.py: the reference shows it by repr.)
import functools
import random
from collections import UserList

seen = []


def walk(node, acc):
    if node is None:
        return acc
    left, value, right = node
    acc = walk(left, acc)
    acc += value
    return walk(right, acc)


def build(depth):
    if depth == 0:
        return None
    return [build(depth - 1), depth, build(depth - 1)]


def poke(tree):
    tree[0][0][1] = 100


def helper(value):
    total = 0
    total += 1
    return total


class Noisy:
    def __eq__(self, other):
        seen.append("eq")
        return False

    __hash__ = object.__hash__


def key_of(item):
    seen.append(item)
    return -item


def filler(target):
    for n in range(3):
        target.append(n)
        yield n


def fill_row(grid, value):
    row = grid[0]
    row[1] = value
    key = "k"
    table = {}
    table[key] = row
    return table


def drain(row, other):
    cut = slice(0, 2)
    popper = iter(other.pop, None)
    row[cut] = popper
    return row


def loops(values):
    total = 0
    for v in values:
        total += v
    for k in {"a": 1, "b": 2}:
        total += len(k)
    stack = [0, 5, 6]
    for v in iter(stack.pop, 0):
        total += v
    return total


def methods(holder):
    items, index, tags = holder["items"], holder["index"], holder["tags"]
    items.append(4)
    last = items.pop()
    items.append(last + 1)
    seen_before = index.get("a", 0)
    index.setdefault("b", 2)
    gone = index.pop("a")
    tags.discard("x")
    tags.add("y")
    snapshot = items.copy()
    return seen_before, gone, snapshot


def one_line_loops(rows, out):
    # a loop on one line jumps back within the line: under sys.monitoring a JUMP event, not a LINE event, starts
    # each pass, and the pass's C call (extend) must count; an inlined comprehension (3.12+) the same
    for r in rows: out.extend(r)
    n = 0
    while n < 2: n += 1; out.extend([n])
    done = [out.extend([k]) for k in range(2)]
    sizes = [len(r) for r in rows]
    return n, done, sizes


# functools.cached_property.__get__ (standard library, not recorded) stores the value in the instance; its
# function is a builtin, so no recorded code runs either. Made by type(): a class body would show the
# descriptor, whose lock displays differently from run to run on 3.11.
Lazy = type("Lazy", (), {"value": functools.cached_property(bool)})


def lazies():
    # twice: the second time, the interpreter no longer reports the lines of __get__ (they are not recorded),
    # only that it starts
    states = []
    for _ in range(2):
        lazy = Lazy()
        got = lazy.value
        states.append((vars(lazy), got))
    return states


def main():
    tree = build(3)
    before = walk(tree, 0)
    poke(tree)
    after = walk(tree, 0)
    got = []
    stack = [1, 2, 3, 0, 4]
    for item in iter(stack.pop, 0):
        got.append(item)
    pairs = [5, 6, 7]
    popper = iter(pairs.pop, None)
    first, second = popper, popper
    data = [1]
    alias = data
    alias += [2]
    n = 0
    n += helper(data.extend((3,)))  # a C call (not a known method) before a Python call
    n += helper(n)
    random.Random(7).shuffle(data)
    wrapped = UserList([1, 2])
    wrapped += [3]
    same = Noisy() == Noisy()
    order = sorted([3, 1, 2], key=key_of)
    target = []
    gen = filler(target)
    head = next(gen)
    rest = [v for v in gen]
    try:
        data.append(4)
        data[99]
    except IndexError:
        caught = True
    grid = [[0, 0], [1, 1]]
    table = fill_row(grid, 7)
    other = [None, 8, 9]
    drained = drain([1, 2, 3], other)
    looped = loops([1, 2, 3])
    holder = {"items": [1], "index": {"a": 1}, "tags": {"x"}}
    method_results = methods(holder)
    out = [0]
    loop_results = one_line_loops([[1], [2, 3]], out)
    lazy_states = lazies()
    return (before, after, got, first is second, alias, n, wrapped, same, order, target, head, rest, caught, seen,
            grid, table, other, drained, looped, holder, method_results, out, loop_results, lazy_states)


if __name__ == "__main__":
    print(main())
