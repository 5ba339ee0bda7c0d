# Makes the naive reference tracer's tests importable as a package for `unittest discover`; no code.
