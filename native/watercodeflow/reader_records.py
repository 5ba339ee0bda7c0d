# The plain records the recording reader hands out (frames, values, history entries, variable changes) and the
# step-kind vocabulary. Data only: nothing here queries a recording or renders values.
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, NamedTuple, Optional

STEP_KIND_NAMES = {0: "line", 1: "call", 2: "return", 3: "exception"}


@dataclass(frozen=True)
class Frame:
    frame_id: int
    file: str
    line: int
    function: str
    qualname: str
    thread_id: int
    depth: int
    locals_scope: int
    globals_scope: int


@dataclass(frozen=True)
class Value:
    value_id: int
    type: str
    text: str
    object_id: Optional[int]
    kind: Optional[str]  # objects.kind for objects, None for scalars


class HistoryEntry(NamedTuple):
    """One value a name showed; unpacks as (step, line, file, function, text, ...)."""
    step: int  # first step at which the name shows this value
    line: int  # line whose execution produced the change (see cause_step)
    file: str
    function: str
    text: str
    type: Optional[str]  # None when the name became unbound
    scope: str  # "local" or "global"
    frame_id: Optional[int]  # the frame owning a local; None for globals


@dataclass(frozen=True)
class VariableChange:
    """One change of the value a name shows, in step order (the unit of `export`)."""
    step: int
    cause_step: int
    variable_name: str
    scope: str  # "local" or "global"
    scope_id: int
    frame_id: Optional[int]
    function: str
    file: str
    line: int
    thread_id: int
    type: Optional[str]
    value: Optional[str]
    previous: Optional[str]
    deltas: List[dict] = field(default_factory=list)


# Values of these types are noise in a globals listing (`inspect --at` hides them unless --all).
DEFINITION_TYPES = frozenset({
    "module", "function", "type", "builtin_function_or_method", "method", "classmethod", "staticmethod",
    "abc.ABCMeta", "enum.EnumMeta", "enum.EnumType", "typing._SpecialForm", "functools.partial",
    "wrapper_descriptor", "method_descriptor",
})


def is_definition(value: "Value") -> bool:
    """A module, function or class (classes with a custom metaclass are recognised by their display)."""
    return value.type in DEFINITION_TYPES or (value.kind == "opaque" and value.text.startswith("<class '"))
