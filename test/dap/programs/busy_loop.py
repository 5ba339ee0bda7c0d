# DAP fixture: a fast loop of N iterations (N = argv[1], default 20000) growing a list, so a small
# maxRecordingSize is reached quickly.
import sys

total = 0
values = []
limit = int(sys.argv[1]) if len(sys.argv) > 1 else 20000  # @limit
for i in range(limit):
    total += i  # @add
    values.append(total % 7)  # @append
print("done", total, len(values))  # @done
