# The function module_launch.test.ts breaks in: a loop whose locals change at every line.


def sum_of_squares(limit):
    total = 0  # @init
    for n in range(limit):  # @for
        total += n * n  # @add
    return total  # @return
