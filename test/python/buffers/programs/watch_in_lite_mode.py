"""watch() of an array in lite mode: only call/return steps exist, so writes land at the next of those."""
import numpy as np

import watercodeflow


def bump(values):
    values += 1


def main():
    a = np.zeros(8)
    watercodeflow.watch(a, "a")
    a[0] = 5
    bump(a)
    bump(a)
    return a


main()
