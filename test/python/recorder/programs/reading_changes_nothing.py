"""Reading a value must not change it: functools.partial flattens a nested partial only while the inner one has
no __dict__, which reading its namespace carelessly would create."""
import functools


def add(a, b, c):
    return a + b + c


def main():
    inner = functools.partial(add, 1)
    print("inner read")
    outer = functools.partial(inner, 2)
    print(outer.func is add, outer.args, outer(3))  # @printed


main()
