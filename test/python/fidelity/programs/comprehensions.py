# Fidelity program: list, dict and set comprehensions, a nested comprehension and one reading an outer name.
def scale(values, factor):
    return [v * factor for v in values]


base = [1, 2, 3]
doubled = scale(base, 2)
by_name = {str(v): v for v in base}
evens = {v for v in range(6) if v % 2 == 0}
matrix = [[row * col for col in range(3)] for row in range(2)]
offset = 10
shifted = [v + offset for v in doubled]
