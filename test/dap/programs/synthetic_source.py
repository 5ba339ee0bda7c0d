# DAP fixture source of the recording that tools/make_synthetic_recording.py writes by hand from the format
# documentation; tests open that recording with `replay` and never run this file.


def square(n):  # @sq_def
    result = n * n  # @sq_body
    return result  # @sq_return


value = 3  # @set_value
answer = square(value)  # @call_square
items = [answer, value]  # @make_items
