# Fidelity program: two names on one object, mutation through an alias, mutation in callees, rebinding.
def add_to(target, value):
    target.append(value)
    target[0] += 1


def replace(target):
    target = [99]
    return target


first = [0]
second = first
add_to(first, "x")
add_to(second, "y")
holder = {"list": first}
holder["list"].append("z")
copy_of = list(first)
copy_of.append("only in copy")
other = replace(first)
second = other
second.append(100)
