# Recursion until RecursionError, caught; the program must still finish and be recorded to its end.


def down(n):
    return down(n + 1)


try:
    down(0)
except RecursionError:
    outcome = "caught"
finished = True  # @end
print(outcome, finished)
