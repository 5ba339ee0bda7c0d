# `python -m modpkg.cli`: a submodule (not a package) run as __main__; its relative import needs __package__.
import sys

from . import helper

print(__name__, __spec__.name, __package__, sys.argv[0] == __file__, sys.argv[1:])
print(helper.double(4))  # @cli-print
