# DAP fixture: two named worker threads, each summing a small range into a shared dict.
# Tests refer to lines only through the "# @name" markers; keep markers unique.
import threading

results = {}


def worker(name, count):
    total = 0  # @worker_start
    for i in range(count):  # @worker_loop
        total += i  # @worker_add
    results[name] = total  # @worker_store


threads = [
    threading.Thread(target=worker, args=("w%d" % n, 3 + n), name="worker-%d" % n)
    for n in range(2)
]
for t in threads:
    t.start()  # @start_thread
for t in threads:
    t.join()  # @join_thread
print("results", sorted(results.items()))  # @print_results
