# Fidelity program: while/break/continue, a with block, try/else, a chained comparison and conditional
# expression, and names rebound inside loops.
class Resource:
    def __init__(self):
        self.open = False

    def __enter__(self):
        self.open = True
        return self

    def __exit__(self, *exc):
        self.open = False
        return False


found = None
n = 0
while True:
    n += 1
    if n % 2:
        continue
    if 4 < n <= 6:
        found = n
        break
with Resource() as handle:
    state = "inside" if handle.open else "closed"
try:
    value = int("42")
except ValueError:
    value = -1
else:
    value += 1
