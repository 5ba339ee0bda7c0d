# A sibling module that modpkg's __main__ and cli import relatively (works only with __package__ set as runpy does).


def double(value):
    doubled = value * 2  # @double
    return doubled
