# Fidelity program: a frame left by an exception after its finally block ran (settrace reports a "return"
# with arg None there; it is an unwind, not a return of None), caught two frames up.
def check(value):
    if value < 0:
        raise ValueError(value)
    return value


def cleanup_then_propagate():
    state = "open"
    try:
        check(-2)
    finally:
        state = "closed"


def outer():
    try:
        cleanup_then_propagate()
    except ValueError as error:
        return error.args


field = outer()
