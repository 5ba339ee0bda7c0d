# DAP fixture: a raised-and-caught ValueError, then an uncaught ZeroDivisionError that ends the program.
# Tests refer to lines only through the "# @name" markers; keep markers unique.


def parse(text):
    return int(text)  # @parse_int


def safe_parse(text):
    try:
        return parse(text)  # @safe_call
    except ValueError:
        return -1  # @safe_fallback


def divide(a, b):
    return a / b  # @divide


values = [safe_parse("12"), safe_parse("oops"), safe_parse("7")]  # @values
print("values", values)  # @print_values
ratio = divide(values[0], 0)  # @call_divide
print("unreachable", ratio)  # @unreachable
