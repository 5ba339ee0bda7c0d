# Exits with the status given on the command line (or raises when asked to).
import sys

mode = sys.argv[1]
if mode == "raise":
    raise RuntimeError("asked to raise")
if mode == "exit-none":
    sys.exit()
if mode == "exit-false":
    sys.exit(False)  # what unittest.main() does after a passing run
if mode == "exit-true":
    sys.exit(True)
if mode == "exit-text":
    sys.exit("fatal: text exit")
sys.exit(int(mode))
