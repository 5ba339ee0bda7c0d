# A generator resumed from two places, and asyncio coroutines.
import asyncio


def counter(limit):
    total = 0
    for i in range(limit):
        total += i
        yield total  # @yield


async def double(x):
    await asyncio.sleep(0)
    doubled = x * 2  # @after-await
    return doubled


async def main():
    results = await asyncio.gather(double(1), double(2))
    return results


gen = counter(3)
a = next(gen)
b = next(gen)
rest = list(gen)
values = asyncio.run(main())
print(a, b, rest, values)
