# The package `-m modpkg` runs (test_module_launch.py): python -m imports it while it looks for the module,
# with sys.argv[0] == "-m"; that happens before the module's own code, so it is not recorded.
import sys

print("modpkg imported with argv", sys.argv)
