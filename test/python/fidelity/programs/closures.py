# Fidelity program: closures over cell variables (nonlocal rebinding seen by both frames), a lambda, `del` of a
# local, and calls binding *args/**kwargs, defaults and keyword-only arguments.
def make_counter(start):
    count = start

    def bump(step=1):
        nonlocal count
        count += step
        return count

    return bump


def collect(first, *rest, scale=2, **options):
    total = first + sum(rest)
    scaled = total * scale
    temporary = sorted(options)
    del temporary
    return scaled, options


counter = make_counter(10)
counter()
counter(5)
pick = lambda pair: pair[1]  # noqa: E731 - a lambda frame on purpose
second = pick((1, "b"))
result = collect(1, 2, 3, scale=3, flag=True)
