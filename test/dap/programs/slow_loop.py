# DAP fixture: a loop of N ticks of 50 ms (N = argv[1], default 1200, about a minute) printing each tick, for
# progress events, output streamed while recording, and pausing while recording.
import sys
import time

ticks = 0
limit = int(sys.argv[1]) if len(sys.argv) > 1 else 1200  # @limit
for i in range(limit):
    ticks += 1  # @tick
    print("tick", ticks, flush=True)  # @print_tick
    time.sleep(0.05)  # @sleep
print("finished", ticks)  # @finished
