# Values and scopes of an opened recording at a step: interned values, object states, rendered scope listings.
# A mixin of reader.Recording (uses its _db, path, names, render_limits and caches); no history, no stacks.
from __future__ import annotations

import sqlite3
from typing import Dict, List, Optional, Tuple

from .reader_records import Value
from .recording_error import RecordingError
from .value_render import DEPTH_CUT, ObjectState, RenderLimits, ValueRenderer, decode_children


class ScopeValueQueries:
    _db: sqlite3.Connection
    path: str
    names: Dict[int, str]
    render_limits: RenderLimits
    _value_cache: Dict[int, Tuple[str, Optional[str], Optional[int]]]
    _scope_cache: Dict[int, Tuple[str, Optional[int], Optional[str]]]

    def _value_row(self, value_id: int) -> Tuple[str, Optional[str], Optional[int]]:
        cached = self._value_cache.get(value_id)
        if cached is None:
            row = self._db.execute("SELECT type, repr, object_id FROM vals WHERE value_id = ?",
                                   (value_id,)).fetchone()
            if row is None:
                raise RecordingError("value %d is missing from %s (damaged file)" % (value_id, self.path))
            cached = (row[0], row[1], row[2])
            self._cache_value(value_id, cached)
        return cached

    def _cache_value(self, value_id: int, row: Tuple[str, Optional[str], Optional[int]]) -> None:
        if len(self._value_cache) > 200_000:
            self._value_cache.clear()
        self._value_cache[value_id] = row

    def object_state(self, object_id: int, step: int) -> Optional[ObjectState]:
        obj = self._db.execute("SELECT type, kind FROM objects WHERE object_id = ?", (object_id,)).fetchone()
        row = self._db.execute("SELECT length, children, cut FROM object_states WHERE object_id = ? AND step <= ? "
                               "ORDER BY step DESC, rowid DESC LIMIT 1", (object_id, step)).fetchone()
        if obj is None or row is None:
            return None
        return ObjectState(obj[1], obj[0], row[0], decode_children(row[1]), row[2])

    def renderer_at(self, step: int, limits: Optional[RenderLimits] = None) -> ValueRenderer:
        return ValueRenderer(self._value_row, lambda oid: self.object_state(oid, step),
                             limits or self.render_limits)

    def value_at(self, value_id: int, step: int, limits: Optional[RenderLimits] = None) -> Value:
        type_name, _display, object_id = self._value_row(value_id)
        kind = None
        if object_id is not None:
            row = self._db.execute("SELECT kind FROM objects WHERE object_id = ?", (object_id,)).fetchone()
            kind = row[0] if row else None
        text = self.renderer_at(step, limits).render(value_id)
        return Value(value_id, type_name, text, object_id, kind)

    def children(self, value: Value, step: int, limits: Optional[RenderLimits] = None) -> List[Tuple[object, Value]]:
        """The recorded children of an object value at `step` (empty for scalars and depth-cut objects)."""
        if value.object_id is None:
            return []
        state = self.object_state(value.object_id, step)
        if state is None or state.cut == DEPTH_CUT:
            return []
        return [(key, self.value_at(child_id, step, limits)) for key, child_id in state.children]

    def scope_bindings(self, scope_id: int, step: int) -> Dict[str, Optional[int]]:
        """name -> value_id (None when deleted) of a scope at `step`, in order of first binding.

        Index seeks only (bindings_by_scope): one per name for the next name id, one for its latest binding
        and one for its first, so the cost does not grow with the number of rebindings before `step`."""
        found: List[Tuple[int, str, Optional[int]]] = []
        name_id = -1
        while True:
            row = self._db.execute("SELECT MIN(name_id) FROM bindings WHERE scope_id = ? AND name_id > ?",
                                   (scope_id, name_id)).fetchone()
            if row is None or row[0] is None:
                break
            name_id = row[0]
            latest = self._db.execute(
                "SELECT value_id FROM bindings WHERE scope_id = ? AND name_id = ? AND step <= ? "
                "ORDER BY step DESC, rowid DESC LIMIT 1", (scope_id, name_id, step)).fetchone()
            if latest is None:
                continue  # first bound after `step`
            first = self._db.execute("SELECT MIN(step) FROM bindings WHERE scope_id = ? AND name_id = ?",
                                     (scope_id, name_id)).fetchone()[0]
            found.append((first, self.names.get(name_id, "<name %d>" % name_id), latest[0]))
        found.sort(key=lambda item: (item[0], item[1]))
        return {name: value_id for _first, name, value_id in found}

    def scope_values(self, scope_id: int, step: int, limits: Optional[RenderLimits] = None) -> Dict[str, Value]:
        """Every name bound in a scope at `step` (deleted names left out), rendered."""
        self.check_step(step)
        return {name: self.value_at(value_id, step, limits)
                for name, value_id in self.scope_bindings(scope_id, step).items() if value_id is not None}

    def scope(self, scope_id: int) -> Tuple[str, Optional[int], Optional[str]]:
        """(kind, frame_id, module) of a scope: kind is "locals" (with its frame) or "globals" (with module)."""
        found = self._scope_cache.get(scope_id)
        if found is None:
            row = self._db.execute("SELECT kind, frame_id, module FROM scopes WHERE scope_id = ?",
                                   (scope_id,)).fetchone()
            if row is None:
                raise RecordingError("scope %d is missing from %s (damaged file)" % (scope_id, self.path))
            found = (row[0], row[1], row[2])
            if len(self._scope_cache) > 100_000:
                self._scope_cache.clear()
            self._scope_cache[scope_id] = found
        return found

    def scope_label(self, scope_id: int) -> str:
        return "global" if self.scope(scope_id)[0] == "globals" else "local"
