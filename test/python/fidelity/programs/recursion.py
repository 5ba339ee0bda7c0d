# Fidelity program: plain recursion, recursion over a shared memo dict, mutual recursion.
def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)


def fib(n, memo):
    if n in memo:
        return memo[n]
    value = n if n < 2 else fib(n - 1, memo) + fib(n - 2, memo)
    memo[n] = value
    return value


def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


total = factorial(5)
cache = {}
fib_value = fib(6, cache)
parity = is_even(5)
