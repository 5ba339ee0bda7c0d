# DAP fixture: calls into helper_math.py so frames and loaded sources span two files.
# Tests refer to lines only through the "# @name" markers; keep markers unique.
import helper_math

base = [1, 2, 3]  # @base
doubled = helper_math.scale(base, 2)  # @call_scale
print("doubled", doubled)  # @print_doubled
