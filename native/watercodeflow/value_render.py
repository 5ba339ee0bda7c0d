# Renders recorded values and object states as Python repr text, with the format's cut markers (… and ...).
# It only sees values and states through injected lookups: it must not query a recording or know about steps.
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from .recording_error import RecordingError

CUT_MARKER = "\u2026"  # the recorder's and the reader's mark for a cut string or container
DEPTH_CUT = -1  # object_states.cut value: the object lay beyond the depth limit, no children recorded


@dataclass(frozen=True)
class RenderLimits:
    """Bounds of the reader's own rendering (the recorder's limits are already applied in the file)."""
    max_depth: int = 8
    max_chars: int = 2000


UNBOUNDED = RenderLimits(max_depth=10 ** 6, max_chars=10 ** 12)


@dataclass
class ObjectState:
    """An object as one object_states row recorded it, with the kind and type of its objects row."""
    kind: str
    type: str
    length: int
    children: List[list]  # [[key, value_id], ...]
    cut: int


class ValueRenderer:
    """Renders a value_id as Python repr text from interned values and object states.

    Lookups are injected so the same rules serve point queries (database) and the export stream (memory).
    """

    def __init__(self, lookup_value: Callable[[int], Tuple[str, Optional[str], Optional[int]]],
                 lookup_state: Callable[[int], Optional[ObjectState]], limits: RenderLimits):
        self._lookup_value = lookup_value
        self._lookup_state = lookup_state
        self._limits = limits

    def render(self, value_id: Optional[int]) -> str:
        if value_id is None:
            return "<unbound>"
        budget = [self._limits.max_chars]
        text = self._render(value_id, 0, set(), budget)
        if len(text) > self._limits.max_chars:
            text = text[: self._limits.max_chars] + CUT_MARKER
        return text

    def _render(self, value_id: int, depth: int, on_path: set, budget: List[int]) -> str:
        type_name, display, object_id = self._lookup_value(value_id)
        if object_id is None or display is not None:
            return display if display is not None else "<%s>" % type_name
        state = self._lookup_state(object_id)
        if state is None:  # object never given a state: the recorder only knows its type
            return "<%s>" % type_name
        opener, closer = _brackets(state, type_name)
        if state.cut == DEPTH_CUT or object_id in on_path or depth >= self._limits.max_depth:
            return opener + "..." + closer
        if state.kind == "opaque":
            return "<%s>" % type_name
        if state.kind == "bytearray":
            return self._render_bytearray(state, type_name)
        on_path.add(object_id)
        parts: List[str] = []
        try:
            for key, child_id in state.children:
                if budget[0] <= 0:
                    parts.append(CUT_MARKER)
                    break
                child = self._render(child_id, depth + 1, on_path, budget)
                if state.kind == "dict" or (state.kind not in _SEQUENCE_KINDS and isinstance(key, str)
                                            and state.kind != "instance"):
                    part = "%s: %s" % (key, child)
                elif state.kind == "instance":
                    part = "%s=%s" % (key, child)
                else:
                    part = child
                budget[0] -= len(part) + 2
                parts.append(part)
            else:
                if state.cut > 0:
                    parts.append(CUT_MARKER)
        finally:
            on_path.discard(object_id)
        if not parts:
            return _empty_display(state, type_name, opener, closer)
        inner = ", ".join(parts)
        if state.kind == "tuple" and len(parts) == 1 and state.cut == 0:
            inner += ","
        return opener + inner + closer

    def _render_bytearray(self, state: ObjectState, type_name: str) -> str:
        """bytearray(b'...') from its recorded byte values (children are ints)."""
        values = []
        for _key, child_id in state.children:
            _type, display, _object = self._lookup_value(child_id)
            try:
                values.append(int(display or ""))
            except ValueError:
                return "%s(<unreadable bytes>)" % short_type_name(type_name)
        text = repr(bytes(values))
        if state.cut > 0:
            text += CUT_MARKER
        return "%s(%s)" % (short_type_name(type_name), text)


_SEQUENCE_KINDS = frozenset({"list", "tuple", "set", "frozenset"})


def short_type_name(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1]


def _brackets(state: ObjectState, type_name: str) -> Tuple[str, str]:
    kind = state.kind
    if kind == "list":
        return "[", "]"
    if kind == "tuple":
        return "(", ")"
    if kind in ("dict", "set"):
        return "{", "}"
    if kind == "frozenset":
        return "frozenset({", "})"
    if kind == "instance":
        return short_type_name(type_name) + "(", ")"
    # other kinds (deque, OrderedDict, ...): a constructor-like display of the children
    if state.children and all(isinstance(k, int) for k, _ in state.children):
        return short_type_name(type_name) + "([", "])"
    return short_type_name(type_name) + "({", "})"


def _empty_display(state: ObjectState, type_name: str, opener: str, closer: str) -> str:
    if state.kind == "set":
        return "set()"
    if state.kind == "frozenset":
        return "frozenset()"
    if state.kind in ("list", "tuple", "dict", "instance"):
        return opener + closer
    return short_type_name(type_name) + "()"


def decode_children(text: str) -> List[list]:
    children = json.loads(text) if text else []
    if not isinstance(children, list):
        raise RecordingError("object_states.children is not a JSON array: %r" % (text[:80],))
    return children

