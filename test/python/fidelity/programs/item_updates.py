# Fidelity program: containers whose items are replaced in place (same length, same keys): the C core reads
# only the replaced items there. Equal values in new objects, a scalar replaced by a container and back, a
# nested change after such a swap, aliases, a dict past max_items (default 100) changed inside and beyond the
# cut, a key deleted and re-added (order changes), a dict with keys that are not all str (CPython's general
# entry table, with a hole where a key was deleted), and a callee doing the writes.
def bump(counts, key):
    counts[key] = counts.get(key, 0) + 1


def main():
    row = [0, 1, 2, 3]
    alias = row
    for j in range(3):
        row[j], row[j + 1] = row[j + 1], row[j]
    row[0] = int("3")  # an equal value in a new int object
    row[2] = [7, 8]
    row[2][1] = 9
    alias[2] = "back"
    counts = {}
    for i in range(12):
        bump(counts, "k%d" % (i % 4))
    wide = {"f%d" % n: n for n in range(130)}
    wide["f1"] = -1
    wide["f129"] = -129  # past the cut
    del wide["f2"]
    wide["f2"] = 2  # now last
    box = {"inner": {"n": 0}, "list": [1]}
    box["inner"] = {"n": 1}
    box["inner"]["n"] += 1
    box["list"] = box["list"] + [2]
    keyed = {(0, 0): "a", 1: "b", 2.5: "c", None: "d"}
    keyed[1] = "B"
    del keyed[(0, 0)]
    for k in (1, 2.5, None):
        keyed[k] += "!"
    keyed[(0, 0)] = "A"
    return row, counts, wide, box, keyed


result = main()
