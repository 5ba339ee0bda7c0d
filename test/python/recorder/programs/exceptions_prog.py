# Raised, caught and uncaught exceptions.
def inner(value):
    if value < 0:
        raise ValueError("negative: %d" % value)  # @raise
    return value


def outer():
    try:
        inner(-1)
    except ValueError as error:
        caught = str(error)  # @handler
    return caught


class Custom(Exception):
    def __str__(self):
        raise RuntimeError("user __str__ must not be called by the recorder")


result = outer()
try:
    raise Custom("quiet")
except Custom:
    pass
inner(-2)  # @uncaught
