"""Turns tracing off around a call and restores the saved trace function, as test.support.no_tracing does,
then the same inside a thread, then hands the saved function to threading.settrace for a new thread."""
import sys
import threading


def quiet(n):
    total = 0
    for i in range(n):
        total += i  # @quiet
    return total


def no_tracing(func):
    def wrapper(*args):
        original = sys.gettrace()
        try:
            sys.settrace(None)
            return func(*args)
        finally:
            sys.settrace(original)
    return wrapper


def after(x):
    doubled = x * 2  # @after
    return doubled


hidden = no_tracing(quiet)
first = hidden(10)
second = after(first)
worker = threading.Thread(target=lambda: print("thread", hidden(4), after(1)))
worker.start()
worker.join()
threading.settrace(sys.gettrace())
late = threading.Thread(target=lambda: print("late", after(2)))
late.start()
late.join()
threading.settrace(None)
print(first, second)  # @end
