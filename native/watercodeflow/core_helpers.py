# What the C recorder core (native/wcfcore) asks Python for: the rare, intricate cases it shares with the
# Python recorder (type names, kinds, opaque displays, numpy, torch, exception texts), so both write the same rows.
# Called from inside trace callbacks: each function must be cheap, run no user code and raise nothing.
import threading

from .bytecode import instructions
from .line_effects import line_effects, offset_lines  # noqa: F401 (line_effects: used by the core's mutation clock)
from .recorder import safe_exception_message, traceback_text  # noqa: F401 (used by the core)
from .values import _slot_names, classify, cut_text, opaque_display, safe_display, type_name  # noqa: F401
from .values import tensor_display, tensor_state  # noqa: F401 (used by the core: kind "tensor")


def slot_names(cls):
    """(name, member descriptor) pairs of a class's __slots__ (values.py's rule)."""
    return _slot_names(cls)


def exception_message(exc):
    return safe_exception_message(exc)


def ndarray_display(array, max_repr):
    return cut_text("array(shape=%s, dtype=%s)" % (tuple(array.shape), array.dtype), max_repr)


def ndarray_state(array, max_items):
    """(signature, size, items or None): items (a list) only for arrays of at most max_items elements."""
    size = int(array.size)
    small = size <= max_items
    try:
        signature = (tuple(array.shape), str(array.dtype), array.tobytes() if small else None)
        items = array.ravel().tolist() if small else None
    except Exception:  # e.g. object arrays of unusual items: shape and dtype only
        signature, items = (tuple(array.shape), str(array.dtype), None), None
    return signature, size, items


def thread_name(ident):
    known = threading._active.get(ident)  # no current_thread(): it would create a _DummyThread
    return known.name if known is not None else "Thread-%d" % ident


_FAST_STORES = ("STORE_FAST", "DELETE_FAST", "LOAD_FAST_AND_CLEAR")  # and 3.13's STORE_FAST_* superinstructions


def line_stores(code):
    """({line: fast-slot indices the line's instructions can store or delete}, slots stored by instructions
    that have no line). Between two line events of a frame only the first event's line ran (plus line-less
    instructions), so only these slots (and cells, and mutable values) can have changed in between."""
    varnames = code.co_varnames
    lines = offset_lines(code)
    by_line, lineless = {}, set()
    for name, _, argval, _, offset, _ in instructions(code):
        if not (name in _FAST_STORES or name.startswith("STORE_FAST_")):
            continue
        stored = argval if isinstance(argval, tuple) else (argval,)
        if name == "STORE_FAST_LOAD_FAST":
            stored = stored[:1]
        slots = [varnames.index(n) for n in stored if n in varnames]
        line = lines.get(offset)
        (lineless if line is None else by_line.setdefault(line, set())).update(slots)
    return {line: tuple(sorted(slots)) for line, slots in by_line.items()}, tuple(sorted(lineless))


def opcode_table():
    """256 bytes for the core's settrace leave kind: bit 1 a return opcode, bit 2 a yield-like one; and the
    YIELD_FROM opcode (-1 where the interpreter has none). Mirrors tracer_settrace.py."""
    from opcode import opmap  # lighter than dis

    table = bytearray(256)
    for name in ("RETURN_VALUE", "RETURN_CONST"):
        if name in opmap:
            table[opmap[name]] |= 1
    for name in ("YIELD_VALUE", "YIELD_FROM", "SEND", "RESUME"):
        if name in opmap:
            table[opmap[name]] |= 2
    return bytes(table), opmap.get("YIELD_FROM", -1)
