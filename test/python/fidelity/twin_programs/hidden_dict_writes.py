# Twin program (C core against Python core): a read that writes. `counts[word]` on a defaultdict inserts the key
# from C code, on a line the C core's mutation clock must not take for read-only; the naive reference cannot
# judge it (it shows the defaultdict by repr). Then an exact dict read the same way, which cannot write.
from collections import defaultdict


def main():
    counts = defaultdict(list)
    word = "a"
    got = counts[word]
    got.append(1)
    plain = {"a": 1}
    one = plain[word]
    again = counts[word]
    other = counts["b"]
    return counts, one, again, other


if __name__ == "__main__":
    print(main())
