# WaterCodeFlow example: a longer run (a few seconds under the recorder) to watch the recording progress
# notification; cancel it to stop recording there and debug what was recorded so far. Optional arg: the limit
# (the launch configuration passes 300000: ~4 s and ~10M steps with the C recorder core).
import sys


def is_prime(n):
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1
    return True


def main(limit=6000):
    found = []
    for n in range(limit):
        if is_prime(n):
            found.append(n)
    print(f"{len(found)} primes below {limit}, the last is {found[-1]}")  # @report
    return found


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6000)
