# Fidelity program: module globals changed by functions (global statement) and mutated through a global list.
COUNTER = 0
EVENTS = []


def bump(step):
    global COUNTER
    COUNTER += step
    EVENTS.append(COUNTER)


def reset():
    global COUNTER, LATE
    COUNTER = 0
    LATE = "created in reset"


bump(2)
bump(3)
reset()
EVENTS.append("after reset")
