# `python -m modpkg [ok|raise|exit N]`: prints what a module run as __main__ can see of how it was started, uses a
# relative import, then ends as its first argument says (test_module_launch.py compares it with plain python -m).
import os
import sys

from .helper import double

print([name for name in globals() if name.startswith("__")])
print(repr(__name__))
print(sys.argv)
print(sys.path[0])
print(os.getcwd())
print(__file__)
print(__spec__.name, __spec__.parent, __package__, __spec__.origin == __file__)
print(type(__builtins__).__name__, sys.modules["__main__"] is sys.modules[__name__])
total = double(21)  # @total
print("total", total)
how = sys.argv[1] if len(sys.argv) > 1 else "ok"
if how == "raise":
    raise ValueError("modpkg failed on purpose")  # @raise
if how == "exit":
    sys.exit(int(sys.argv[2]))
sys.stderr.write("modpkg done\n")
