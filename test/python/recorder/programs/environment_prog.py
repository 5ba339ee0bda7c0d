# Prints what a program can see of how it was started.
import os
import sys

print(repr(__name__))
print(sys.argv)
print(sys.path[0])
print(os.getcwd())
print(__file__)
print(type(__builtins__).__name__)
print(__spec__)
import pickle  # classes from __main__ must pickle like under plain python


class Thing:
    pass


print(type(pickle.loads(pickle.dumps(Thing()))).__name__)
sys.stdout.flush()
sys.stderr.write("bye\n")
