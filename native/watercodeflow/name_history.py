# Per-name history: every value a name showed, in step order, answered by point queries on the recording.
# A mixin of reader.Recording (uses its stack and scope-value queries); the export stream lives in change_stream.
from __future__ import annotations

import sqlite3
from typing import Dict, Iterator, List, Optional, Tuple

from .reader_records import HistoryEntry
from .value_render import RenderLimits, decode_children


class NameHistoryQueries:
    _db: sqlite3.Connection
    code: Dict[int, Tuple[str, str, str, int]]
    name_ids: Dict[str, int]
    step_count: int
    _value_cache: Dict[int, Tuple[str, Optional[str], Optional[int]]]

    def _reachable_objects(self, object_id: int, first: int, end: int) -> List[int]:
        """Objects reachable from `object_id` through any of their states in steps [first, end)."""
        seen = {object_id}
        todo = [object_id]
        while todo:
            current = todo.pop()
            rows = self._db.execute(
                "SELECT children FROM object_states WHERE object_id = ? AND step < ? AND step >= "
                "COALESCE((SELECT MAX(step) FROM object_states WHERE object_id = ? AND step <= ?), 0)",
                (current, end, current, first)).fetchall()
            for (children,) in rows:
                for _key, child_id in decode_children(children):
                    _type, _display, child_object = self._value_row(child_id)
                    if child_object is not None and child_object not in seen:
                        seen.add(child_object)
                        todo.append(child_object)
        return sorted(seen)

    def history(self, name: str, function: Optional[str] = None,
                limits: Optional[RenderLimits] = None) -> List[HistoryEntry]:
        """Every value `name` showed, in step order, in every scope that bound it (locals of functions named
        `function` only, when given; globals too when no function is given)."""
        name_id = self.name_ids.get(name)
        if name_id is None:
            return []
        entries: List[Tuple[int, int, HistoryEntry]] = []
        scope_rows = self._db.execute("SELECT DISTINCT scope_id FROM bindings WHERE name_id = ?",
                                      (name_id,)).fetchall()
        scope_ends = self._locals_scope_ends([scope_id for (scope_id,) in scope_rows
                                              if self.scope(scope_id)[0] == "locals"])
        for (scope_id,) in scope_rows:
            kind, frame_id, _module = self.scope(scope_id)
            if function is not None:
                if kind != "locals" or frame_id is None:
                    continue
                code_id = self.frame_row(frame_id)[2]
                _file, code_name, qualname, _first = self.code.get(code_id, ("", "", "", 0))
                if function not in (code_name, qualname):
                    continue
            for entry in self._scope_history(scope_id, name_id, limits, scope_ends.get(scope_id)):
                entries.append((entry.step, scope_id, entry))
        entries.sort(key=lambda item: (item[0], item[1]))
        return [entry for _step, _scope, entry in entries]

    def _locals_scope_ends(self, scope_ids: List[int]) -> Dict[int, int]:
        """scope -> first step after its last frame row ended, for scopes whose frames have all ended. A generator's
        locals scope is shared by the frame rows of all its resumptions, so it ends with the last of them."""
        ends: Dict[int, int] = {}
        for start in range(0, len(scope_ids), 500):
            chunk = scope_ids[start:start + 500]
            for scope_id, last, running in self._db.execute(
                    "SELECT locals_scope, MAX(end_step), COUNT(*) - COUNT(end_step) FROM frames WHERE locals_scope "
                    "IN (%s) GROUP BY locals_scope" % ",".join("?" * len(chunk)), chunk):
                if running == 0 and last is not None:
                    ends[scope_id] = last + 1
        return ends

    def _scope_history(self, scope_id: int, name_id: int, limits: Optional[RenderLimits],
                       scope_end: Optional[int]) -> Iterator[HistoryEntry]:
        """`scope_end`: the first step after the scope's last frame ended (None: it lives to the end)."""
        kind, frame_id, _module = self.scope(scope_id)
        bindings = []
        for step, value_id, type_name, display, object_id in self._db.execute(
                "SELECT b.step, b.value_id, v.type, v.repr, v.object_id FROM bindings b LEFT JOIN vals v "
                "ON v.value_id = b.value_id WHERE b.scope_id = ? AND b.name_id = ? ORDER BY b.step, b.rowid",
                (scope_id, name_id)):
            if value_id is not None and type_name is not None and value_id not in self._value_cache:
                self._cache_value(value_id, (type_name, display, object_id))
            bindings.append((step, value_id))
        # later rows at one step replace earlier ones
        collapsed: List[Tuple[int, Optional[int]]] = []
        for step, value_id in bindings:
            if collapsed and collapsed[-1][0] == step:
                collapsed[-1] = (step, value_id)
            else:
                collapsed.append((step, value_id))
        end_of_scope = scope_end if scope_end is not None else self.step_count
        previous_text: Optional[str] = None
        scope_label = "global" if kind == "globals" else "local"
        for index, (start, value_id) in enumerate(collapsed):
            end = collapsed[index + 1][0] if index + 1 < len(collapsed) else end_of_scope
            candidate_steps = [start]
            if value_id is not None:
                object_id = self._value_row(value_id)[2]
                if object_id is not None:
                    reachable = self._reachable_objects(object_id, start, end)
                    changes = set()
                    for chunk_start in range(0, len(reachable), 500):
                        chunk = reachable[chunk_start:chunk_start + 500]
                        marks = ",".join("?" * len(chunk))
                        changes.update(step for (step,) in self._db.execute(
                            "SELECT DISTINCT step FROM object_states WHERE object_id IN (%s) AND step > ? "
                            "AND step < ?" % marks, (*chunk, start, end)))
                    candidate_steps.extend(sorted(changes))
            for step in candidate_steps:
                text = "<unbound>" if value_id is None else self.renderer_at(step, limits).render(value_id)
                if text == previous_text and step != start:
                    continue
                if text == previous_text and step == start and value_id is not None and index > 0:
                    continue  # rebound to an equal-looking value: not a visible change
                previous_text = text
                _cause, file, line, qualname, _thread = self._cause_location(step)
                type_name = None if value_id is None else self._value_row(value_id)[0]
                yield HistoryEntry(step, line, file, qualname, text, type_name, scope_label,
                                   frame_id if kind == "locals" else None)
