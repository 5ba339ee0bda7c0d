# DAP fixture: recursion, for stack depth, step out, reverse step out, restartFrame and goto targets.
# Tests refer to lines only through the "# @name" markers; keep markers unique.


def factorial(n):  # @fact_def
    if n <= 1:  # @fact_check
        return 1  # @fact_base
    smaller = factorial(n - 1)  # @fact_recurse
    return n * smaller  # @fact_multiply


answer = factorial(4)  # @call_factorial
print("answer", answer)  # @print_answer
