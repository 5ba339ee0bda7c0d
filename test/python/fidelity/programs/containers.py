# Fidelity program: lists, tuples, dicts, sets, frozensets, nesting and in-place changes of each.
def build():
    items = []
    for n in range(4):
        items.append(n * n)
    items[1] = "one"
    items.insert(0, None)
    del items[2]
    pairs = (1, "a", 2.5)
    single = (items,)
    table = {"a": 1}
    table["b"] = [1, 2]
    table["b"].append(3)
    del table["a"]
    tags = set()
    tags.add(3)
    tags.add(1)
    tags.discard(3)
    frozen = frozenset({4, 5})
    nested = {"grid": [[0, 0], [0, 0]], "meta": {"size": 2}}
    nested["grid"][1][0] = 9
    empty = [[], {}, (), set()]
    items.clear()
    return nested


result = build()
result["meta"]["size"] += 1
