# `python -m dapmod N`: sums the squares below N through a relative import (module_launch.test.ts stops in
# squares.py, then steps back).
import sys

from .squares import sum_of_squares

limit = int(sys.argv[1]) if len(sys.argv) > 1 else 4  # @limit
total = sum_of_squares(limit)  # @call
print("sum of squares below", limit, "is", total)  # @print
