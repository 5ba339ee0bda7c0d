# WaterCodeFlow example: press F5 ("WaterCodeFlow: basics.py"), then step backwards with Step Back.
# Lines marked "# @name" are found by the end-to-end tests by name, not by number.


def accumulate(values):
    total = 0  # @total-init
    for v in values:
        total = total + v  # @total-update
    return total


def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1  # @collatz-next
        steps += 1
    return steps


def main():
    x = 1  # @x-first
    x = 3
    x = 7  # @x-last
    numbers = [x, 2 * x, 3 * x]
    result = accumulate(numbers)  # @call-accumulate
    print(f"sum of {numbers} is {result}")  # @after-accumulate
    longest = max(range(1, 30), key=collatz_steps)
    print(f"longest Collatz run below 30 starts at {longest}")  # @breakpoint
    return result


if __name__ == "__main__":
    main()
