# A deliberately naive reference tracer for fidelity tests: runs a program under sys.settrace and, at every event
# of user code, deep-copies the locals of every user frame on the stack, then dumps them as repr text to JSON.
# It shares no code with the recorder (no watercodeflow imports) and favours obviousness over speed.
from __future__ import annotations

import argparse
import builtins
import copy
import dis
import importlib.machinery
import json
import os
import sys
import threading
import traceback
import types

CUT_MARKER = "\u2026"
SCALAR_TYPES = (int, float, complex, str, bytes, bool, type(None))


class Unsnapshottable:
    """Stands in for a value copy.deepcopy refused: its rendering and type name at the time of the event."""

    def __init__(self, text, type_name):
        self.text = text
        self.type_name = type_name


class InstanceSnapshot:
    """A copy of an instance's attributes. copy.deepcopy would rebuild some objects by calling user code
    (an exception is rebuilt as `cls(*args)`, which re-runs its __init__), so instances are copied field by
    field instead."""

    def __init__(self, type_name, short_name):
        self.type_name = type_name
        self.short_name = short_name
        self.attributes = {}


def snapshot(value, memo):
    """A deep copy of `value` taken now: builtin containers and instances copied by hand (keeping aliasing and
    cycles through `memo`), everything else by copy.deepcopy, or rendered now when deepcopy refuses."""
    cls = type(value)
    if cls in SCALAR_TYPES:
        return value
    if id(value) in memo:
        return memo[id(value)]
    if cls is list:
        copied = memo[id(value)] = []
        copied.extend(snapshot(item, memo) for item in list(value))
    elif cls is dict:
        copied = memo[id(value)] = {}
        for key, item in list(value.items()):
            copied[snapshot(key, memo)] = snapshot(item, memo)
    elif cls is tuple:
        copied = memo[id(value)] = tuple(snapshot(item, memo) for item in value)
    elif cls is set:
        copied = memo[id(value)] = set()
        for item in list(value):  # insertion order of the original iteration: same display order for the
            copied.add(snapshot(item, memo))  # small sets these programs use
    elif cls is frozenset:
        copied = memo[id(value)] = frozenset(snapshot(item, memo) for item in value)
    elif is_plain_instance(value):
        copied = memo[id(value)] = InstanceSnapshot(qualified_type_name(value), cls.__name__)
        for name, item in list(vars(value).items()):
            copied.attributes[name] = snapshot(item, memo)
    else:
        try:
            copied = copy.deepcopy(value, {})
        except Exception:  # generators, locks, modules...: render them now instead
            copied = None
        if copied is None or type(copied) is not cls:
            copied = Unsnapshottable(_render_live(value), qualified_type_name(value))
        memo[id(value)] = copied
    return copied


def _render_live(value) -> str:
    try:
        return repr(value)
    except Exception as error:
        return "<repr failed: %s>" % type(error).__name__


class Limits:
    """The recording format's documented cuts (docs/recording-format.md, "Limits and cut markers")."""

    def __init__(self, max_repr=None, max_items=None, max_depth=None):
        self.max_repr = max_repr
        self.max_items = max_items
        self.max_depth = max_depth


def is_plain_instance(value) -> bool:
    """An object of a class defined outside builtins that keeps its attributes in a __dict__."""
    cls = type(value)
    return (cls.__module__ != "builtins" and not isinstance(value, (type, types.ModuleType))
            and isinstance(getattr(value, "__dict__", None), dict))


def qualified_type_name(value) -> str:
    if isinstance(value, (Unsnapshottable, InstanceSnapshot)):
        return value.type_name
    cls = type(value)
    module = getattr(cls, "__module__", None)
    return cls.__qualname__ if module in (None, "builtins") else "%s.%s" % (module, cls.__qualname__)


def render(value, limits: Limits, level: int = 1, on_path=None) -> str:
    """repr() text of a snapshot; with limits, the same text cut the way the format documents.

    Instances of non-builtin classes with a __dict__ show as `Type(attr=value, ...)` whatever their __repr__:
    a default repr holds a memory address no two processes share, and a recorder must not run user __repr__
    code. `level` is the nesting level (1 = bound to a name).
    """
    if on_path is None:
        on_path = set()
    if isinstance(value, Unsnapshottable):
        return value.text
    if type(value) in SCALAR_TYPES:
        try:
            text = repr(value)
        except ValueError:  # an int past sys.get_int_max_str_digits(): the format's documented display
            text = "<int with %d bits>" % value.bit_length()
        if limits.max_repr is not None and len(text) > limits.max_repr:
            text = text[: limits.max_repr] + CUT_MARKER
        return text
    kind = type(value)
    if kind is list:
        opener, closer, items = "[", "]", [render_pair(None, v) for v in value]
    elif kind is tuple:
        opener, closer, items = "(", ")", [render_pair(None, v) for v in value]
    elif kind is dict:
        opener, closer, items = "{", "}", [render_pair(k, v, keyed=True) for k, v in value.items()]
    elif kind is set:
        opener, closer, items = "{", "}", [render_pair(None, v) for v in value]
    elif kind is frozenset:
        opener, closer, items = "frozenset({", "})", [render_pair(None, v) for v in value]
    elif isinstance(value, InstanceSnapshot):
        opener, closer = value.short_name + "(", ")"
        items = [render_pair(name, v, attribute=True) for name, v in value.attributes.items()]
    elif is_plain_instance(value):
        raise TypeError("render() takes snapshots: %s was not snapshotted" % type(value).__name__)
    else:
        return repr(value)
    if id(value) in on_path or (limits.max_depth is not None and level > limits.max_depth):
        return opener + "..." + closer
    if not items:
        return {"{": "set()" if kind is set else "{}", "frozenset({": "frozenset()"}.get(opener, opener + closer)
    on_path.add(id(value))
    parts = []
    shown = items if limits.max_items is None else items[: limits.max_items]
    for pair in shown:
        child = render(pair.value, limits, level + 1, on_path)
        if pair.attribute:
            parts.append("%s=%s" % (pair.key, child))
        elif pair.has_key:
            parts.append("%s: %s" % (render(pair.key, Limits(max_repr=limits.max_repr)), child))
        else:
            parts.append(child)
    on_path.discard(id(value))
    if len(shown) < len(items):
        parts.append(CUT_MARKER)
    inner = ", ".join(parts)
    if kind is tuple and len(items) == 1:
        inner += ","
    return opener + inner + closer


class render_pair:  # noqa: N801 - a tiny record, named for how it reads at the call sites
    def __init__(self, key, value, attribute=False, keyed=False):
        self.key, self.value, self.attribute = key, value, attribute
        self.has_key = keyed or attribute  # a dict's key may be None itself


# settrace reports a frame left by an exception as a "return" with arg None. It is an unwind when the frame's
# previous event was that exception (e.g. one thrown into a generator at its `yield`), or when the instruction
# the frame stopped at is not a return or a yield (a re-raise, an exception leaving a finally block; 3.13
# reports yields at RESUME).
_LEAVING_OPCODES = frozenset(dis.opmap[name] for name in (
    "RETURN_VALUE", "RETURN_CONST", "YIELD_VALUE", "YIELD_FROM", "SEND", "RESUME") if name in dis.opmap)


def is_unwinding(frame) -> bool:
    lasti = frame.f_lasti
    return lasti >= 0 and frame.f_code.co_code[lasti] not in _LEAVING_OPCODES


_CO_OPTIMIZED = 0x1


def frame_namespace(frame) -> dict:
    """The names a frame shows: a function's locals, a module's (or class body's) own namespace.

    Module-level code reads its namespace directly: on 3.12 reading a module frame's f_locals while an inlined
    comprehension (PEP 709) runs writes the comprehension's variable into the module's globals (and warns),
    and on 3.13 it shows only the comprehension's variables; a reference must not change the program."""
    if frame.f_code.co_flags & _CO_OPTIMIZED:
        return frame.f_locals
    if frame.f_code.co_name == "<module>":
        return frame.f_globals
    return frame.f_locals  # class bodies keep their own namespace dict


class NaiveTracer:
    def __init__(self, user_dir: str, limits: Limits):
        self.limits = limits
        self.user_dir = os.path.realpath(user_dir) + os.sep
        self.events = []  # (index, kind, thread ident, exception type, [(file, line, function, snapshot)])
        self.lock = threading.Lock()
        self.last_kind = {}  # id(frame) -> kind of its latest event, while the frame runs
        self._is_user = {}

    def is_user(self, filename: str) -> bool:
        decision = self._is_user.get(filename)
        if decision is None:
            decision = (not filename.startswith("<")
                        and os.path.realpath(os.path.abspath(filename)).startswith(self.user_dir))
            self._is_user[filename] = decision
        return decision

    def snapshot_stack(self, frame):
        """Every user frame from `frame` outwards, each with a deep copy of its locals (one memo: aliasing
        between frames survives the copy)."""
        memo = {}
        stack = []
        while frame is not None:
            if self.is_user(frame.f_code.co_filename):
                copied = {name: snapshot(value, memo) for name, value in list(frame_namespace(frame).items())}
                stack.append((os.path.abspath(frame.f_code.co_filename), frame.f_lineno, frame.f_code.co_name,
                              frame.f_code.co_firstlineno, copied))
            frame = frame.f_back
        return stack

    def record(self, frame, kind, arg):
        exception_type = arg[0].__name__ if kind == "exception" else None
        previous_kind = self.last_kind.get(id(frame))
        if kind == "return" and arg is None and (previous_kind == "exception" or is_unwinding(frame)):
            kind = "unwind"
        if kind in ("return", "unwind"):
            self.last_kind.pop(id(frame), None)
        else:
            self.last_kind[id(frame)] = kind
        stack = self.snapshot_stack(frame)
        with self.lock:
            self.events.append((len(self.events), kind, threading.get_ident(), exception_type, stack))

    def global_trace(self, frame, kind, arg):
        if kind != "call" or not self.is_user(frame.f_code.co_filename):
            return None
        self.record(frame, kind, arg)
        return self.local_trace

    def local_trace(self, frame, kind, arg):
        self.record(frame, kind, arg)
        return self.local_trace


def run_program(tracer: NaiveTracer, program: str, args) -> int:
    """Runs `program` as `python program args` would: a fresh __main__, sys.argv, sys.path[0]."""
    path = os.path.abspath(program)
    with open(path, "rb") as handle:
        code = compile(handle.read(), path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = builtins
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
    sys.modules["__main__"] = main
    sys.argv = [program, *args]
    sys.path[0] = os.path.dirname(path)
    exit_code = 0
    threading.settrace(tracer.global_trace)
    sys.settrace(tracer.global_trace)
    try:
        exec(code, main.__dict__)
    except SystemExit as leave:
        exit_code = leave.code if isinstance(leave.code, int) else (0 if leave.code is None else 1)
        if leave.code is not None and not isinstance(leave.code, int):
            sys.stderr.write("%s\n" % (leave.code,))
    except BaseException:  # the program's uncaught exception: report it like the interpreter does
        sys.settrace(None)
        traceback.print_exc()
        exit_code = 1
    finally:
        sys.settrace(None)
        threading.settrace(None)
    return exit_code


def dump(tracer: NaiveTracer, limits: Limits, out_path: str, program: str, exit_code: int) -> None:
    threads = {}
    events = []
    for index, kind, ident, exception_type, stack in tracer.events:
        thread = threads.setdefault(ident, len(threads) + 1)
        events.append({
            "index": index, "kind": kind, "thread": thread, "exception": exception_type,
            "stack": [{"file": file, "line": line, "function": function, "first_line": first_line,
                       "locals": {name: render(value, limits) for name, value in snapshot.items()},
                       "types": {name: qualified_type_name(value) for name, value in snapshot.items()}}
                      for file, line, function, first_line, snapshot in stack],
        })
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump({"program": os.path.abspath(program), "python": sys.version, "exit_code": exit_code,
                   "limits": vars(limits), "events": events}, handle, ensure_ascii=False)


def main(argv) -> int:
    parser = argparse.ArgumentParser(description="Naive reference tracer (tests only). Event kinds: call, line, "
                                     "return, exception, and unwind (a frame left by an exception).")
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--max-repr", type=int, help="cut scalar reprs like the recording format does")
    parser.add_argument("--max-items", type=int, help="cut containers after this many children")
    parser.add_argument("--max-depth", type=int, help="containers nested deeper show as [...]")
    parser.add_argument("program")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    limits = Limits(options.max_repr, options.max_items, options.max_depth)
    tracer = NaiveTracer(os.path.dirname(os.path.abspath(options.program)), limits)
    exit_code = run_program(tracer, options.program, options.args)
    dump(tracer, limits, options.out, options.program, exit_code)
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
