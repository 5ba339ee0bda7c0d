# DAP fixture: plain functions, a loop, a class, containers and a long string.
# Tests refer to lines only through the "# @name" markers; keep markers unique.


def add(a, b):  # @add_def
    total = a + b  # @add_body
    return total  # @add_return


def accumulate(values):  # @acc_def
    acc = 0  # @acc_init
    for v in values:  # @acc_for
        acc = add(acc, v)  # @acc_call
    return acc  # @acc_return


class Point:
    def __init__(self, x, y):
        self.x = x  # @point_init_x
        self.y = y  # @point_init_y


def never_called():
    return "this line never runs"  # @never_runs


def describe():
    pt = Point(3, 4)  # @describe_point
    pt.y = pt.x * 2  # @describe_move
    table = {"a": 1, "b": [10, 20]}  # @describe_table
    many = list(range(60))  # @describe_many
    text = "x" * 300  # @describe_text
    return len(many) + pt.x  # @describe_return


numbers = [1, 5, 2, 7]  # @numbers
result = accumulate(numbers)  # @call_accumulate
summary = describe()  # @call_describe
print("result", result, summary)  # @print
