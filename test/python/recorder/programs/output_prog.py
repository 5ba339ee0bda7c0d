# Output on both streams, partial lines, binary writes and non-ASCII text.
import sys

print("first line")  # @print-1
sys.stderr.write("to stderr\n")  # @stderr
sys.stdout.write("partial ")  # @partial
sys.stdout.write("done\n")
sys.stdout.buffer.write(b"raw bytes\n")  # @binary
print("caf\u00e9 \u2603")  # @unicode
for i in range(3):
    print("loop", i)
print("through __stdout__", file=sys.__stdout__)
print("is the same stream:", sys.stdout is sys.__stdout__, sys.stderr is sys.__stderr__)
