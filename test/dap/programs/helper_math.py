# DAP fixture module imported by two_files.py: a function in a second file, for real paths in stack frames.
# Tests refer to lines only through the "# @name" markers; keep markers unique.


def scale(values, factor):
    scaled = [v * factor for v in values]  # @scale_body
    return scaled  # @scale_return
