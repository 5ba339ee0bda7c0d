# Fidelity program: raised and caught in a callee, finally blocks, re-raise, a custom exception, an uncaught end.
class ValidationError(Exception):
    def __init__(self, field):
        super().__init__("bad " + field)
        self.field = field


def check(value):
    if value < 0:
        raise ValidationError("value")
    return value


def guarded(value):
    log = []
    try:
        log.append("try")
        check(value)
        log.append("ok")
    except ValidationError as error:
        log.append(error.field)
    finally:
        log.append("finally")
    return log


def reraise():
    try:
        {}["missing"]
    except KeyError:
        note = "seen"
        raise


good = guarded(1)
bad = guarded(-1)
try:
    reraise()
except KeyError as caught:
    message = str(caught)
check(-5)
