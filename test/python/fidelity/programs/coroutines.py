# Fidelity program: `async def` coroutines awaiting each other, driven by hand with send() (no event loop,
# so every traced frame is user code), and a coroutine that is closed half-way.
import types


@types.coroutine
def pause(label):
    received = yield label
    return received


async def child(n):
    got = await pause("child %d" % n)
    return [n, got]


async def parent():
    results = []
    for n in range(2):
        results.append(await child(n))
    return results


coro = parent()
first = coro.send(None)
second = coro.send("a")
try:
    coro.send("b")
except StopIteration as stop:
    final = stop.value
left_open = parent()
left_open.send(None)
left_open.close()
