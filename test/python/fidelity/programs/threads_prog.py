# Fidelity program: a worker thread with its own frames; the main thread waits, so each thread's events are
# deterministic (the worker touches shared state only after `go` is set on the same line as join()). `go` is a
# global: an Event's repr shows a lock, which is not what this program is about.
import threading


def work(out):
    local_total = 0
    for n in range(3):
        local_total += n
    go.wait()
    out.append(local_total)
    return local_total


results = []
go = threading.Event()
worker = threading.Thread(target=work, args=(results,), name="worker")
worker.start()
go.set(); worker.join()  # noqa: E702 - one line on purpose (see above)
results.append("joined")
