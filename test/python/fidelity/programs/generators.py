# Fidelity program: a generator resumed by next(), send(), a for loop and yield from; a generator expression.
def counter(limit):
    seen = []
    n = 0
    while n < limit:
        received = yield n
        seen.append(received)
        n += 1
    return seen


def chained():
    yield "start"
    result = yield from counter(2)
    yield result


gen = counter(3)
first = next(gen)
second = gen.send("hello")
rest = [value for value in gen]
collected = list(chained())
squares = sum(x * x for x in range(3))
