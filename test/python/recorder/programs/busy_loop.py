# Runs until killed or stopped: prints a line once it has started, then loops.
import sys
import time

print("started", flush=True)
i = 0
deadline = time.time() + float(sys.argv[1] if len(sys.argv) > 1 else 60)
while time.time() < deadline:
    i += 1
