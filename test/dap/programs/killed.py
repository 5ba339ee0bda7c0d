# DAP fixture: the program kills itself with SIGKILL half-way, so the recorder cannot close the recording.
# Tests refer to lines only through the "# @name" markers; keep markers unique.
import os
import signal
import time

count = 0
for i in range(5):
    count += i  # @count_add
print("before kill", count, flush=True)  # @before_kill
time.sleep(1.5)  # @sleep_before_kill
os.kill(os.getpid(), signal.SIGKILL)  # @kill
print("never printed")  # @never_printed
