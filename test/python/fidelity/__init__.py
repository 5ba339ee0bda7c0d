# Makes the fidelity/CLI tests importable as a package for `unittest discover -s test/python -t .`; no code.
