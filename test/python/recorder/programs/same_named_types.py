"""Distinct classes that share a module and a qualified name: a class made twice by one factory, a class
statement run again, and a module imported fresh a second time (as test suites do with import_fresh_module).
Each instance keeps its own class; the recording names both by the same type name."""
import importlib
import sys


def make_point():
    class Point:
        def __init__(self, x):
            self.x = x
    return Point


First, Second = make_point(), make_point()
a = First(1)
b = Second(2)
for round_ in range(2):
    class Again:
        pass
    again = Again()

import same_named_types_helper
first_helper = same_named_types_helper
sys.modules.pop("same_named_types_helper")
second_helper = importlib.import_module("same_named_types_helper")
pair = (first_helper.Helper(), second_helper.Helper())
print(type(a) is type(b), type(pair[0]) is type(pair[1]), a.x + b.x)  # @printed
