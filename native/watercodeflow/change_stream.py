# The export stream: every change of the value a name shows, in step order, replayed in memory (iter_events),
# with byte-level deltas of buffers from buffer_writes. ChangeStreamQueries is a mixin of reader.Recording; the
# stream must not query per event nor write anything.
from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Tuple

from .buffer_history import BufferDeltaStream
from .reader_records import VariableChange
from .value_render import DEPTH_CUT, ObjectState, RenderLimits, ValueRenderer, decode_children

if TYPE_CHECKING:
    from .reader import Recording


class ChangeStreamQueries:
    _db: sqlite3.Connection
    render_limits: RenderLimits
    step_count: int
    _duration_ns: Optional[int]

    def timestamp_ns(self, step: int) -> int:
        """Nanoseconds since the start of the run. The format has no per-step clock, so this is an estimate:
        the run's duration (meta start_ns/end_ns) spread evenly over the steps; 0..step_count without them."""
        duration = self._duration_ns
        if duration is None or self.step_count <= 1:
            return step
        return duration * step // (self.step_count - 1)

    def iter_events(self, limits: Optional[RenderLimits] = None) -> Iterator[VariableChange]:
        """Every change of the value a name shows, in step order: rebinding, and mutation of the bound object or
        of anything reachable from it (in-place changes show through every name bound to the object)."""
        return ChangeStream(self, limits or self.render_limits).run()

    def _ordered_rows(self, sql: str) -> Iterator[tuple]:
        return iter(self._db.execute(sql))


class ChangeStream:
    """Replays steps, frames, bindings and object states in step order, in memory, and yields what each name
    shows. Per-event database queries are avoided (they would cost ~20 µs each); what a finished frame held
    is dropped when the frame ends, so memory follows the live program, not the length of the run."""

    def __init__(self, recording: Recording, limits: RenderLimits):
        self.rec = recording
        self.max_chars = 0 if limits.max_chars >= 10 ** 12 else limits.max_chars  # hex of buffer deltas is cut too
        self.buffers = BufferDeltaStream(())
        self.binding: Dict[Tuple[int, int], Optional[int]] = {}  # (scope, name) -> value_id
        self.scope_names: Dict[int, set] = {}  # scope -> name ids bound in it
        self.states: Dict[int, ObjectState] = {}
        self.object_meta: Dict[int, Tuple[str, str]] = {}
        self.parents: Dict[int, Dict[int, int]] = {}  # child object -> {parent object: reference count}
        self.holders: Dict[int, set] = {}  # object -> {(scope, name)} bound directly to it
        self.shown: Dict[Tuple[int, int], Tuple[Optional[str], Optional[Dict[object, str]]]] = {}
        self.renderer = ValueRenderer(recording._value_row, self.states.get, limits)
        # object -> its rendering (from depth 0 with an empty path, so it depends only on the states reachable
        # from it): dropped when the object or anything it reaches changes
        self.render_cache: Dict[int, str] = {}
        self.frame_info: Dict[int, Tuple[int, int, int]] = {}  # frame -> (code_id, thread_id, locals_scope)
        self.scope_frame: Dict[int, int] = {}  # locals scope -> its frame
        self.last_in_frame: Dict[int, Tuple[int, int]] = {}  # frame -> (its latest step before now, line)

    def _object_children(self, state: ObjectState) -> List[int]:
        result = []
        for _key, child_id in state.children:
            object_id = self.rec._value_row(child_id)[2]
            if object_id is not None:
                result.append(object_id)
        return result

    def _kind_of(self, object_id: int) -> Tuple[str, str]:
        found = self.object_meta.get(object_id)
        if found is None:
            row = self.rec._db.execute("SELECT type, kind FROM objects WHERE object_id = ?",
                                       (object_id,)).fetchone()
            found = (row[0], row[1]) if row else ("object", "opaque")
            self.object_meta[object_id] = found
        return found

    def _set_state(self, object_id: int, length: int, children_json: str, cut: int) -> None:
        old = self.states.get(object_id)
        if old is not None:
            for child in self._object_children(old):
                counts = self.parents.get(child, {})
                counts[object_id] = counts.get(object_id, 1) - 1
                if counts[object_id] <= 0:
                    del counts[object_id]
        type_name, kind = self._kind_of(object_id)
        state = ObjectState(kind, type_name, length, decode_children(children_json), cut)
        self.states[object_id] = state
        for child in self._object_children(state):
            counts = self.parents.setdefault(child, {})
            counts[object_id] = counts.get(object_id, 0) + 1

    def _render(self, value_id: int) -> str:
        object_id = self.rec._value_row(value_id)[2]
        if object_id is None:
            return self.renderer.render(value_id)
        text = self.render_cache.get(object_id)
        if text is None:
            text = self.renderer.render(value_id)
            if len(self.render_cache) > 100_000:
                self.render_cache.clear()
            self.render_cache[object_id] = text
        return text

    def _holders_reaching(self, object_id: int) -> set:
        """Names bound to `object_id` or to anything that reaches it; drops their cached renderings."""
        seen = {object_id}
        todo = [object_id]
        found = set()
        while todo:
            current = todo.pop()
            self.render_cache.pop(current, None)
            found.update(self.holders.get(current, ()))
            for parent in self.parents.get(current, {}):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return found

    def _element_texts(self, value_id: Optional[int]) -> Optional[Dict[object, str]]:
        if value_id is None:
            return None
        object_id = self.rec._value_row(value_id)[2]
        state = self.states.get(object_id) if object_id is not None else None
        if state is None or state.cut == DEPTH_CUT or state.kind == "opaque":
            return None
        return {key: self._render(child) for key, child in state.children}

    def _bind(self, key: Tuple[int, int], value_id: Optional[int]) -> None:
        rec = self.rec
        old = self.binding.get(key)
        if old is not None:
            old_object = rec._value_row(old)[2]
            if old_object is not None and old_object in self.holders:
                self.holders[old_object].discard(key)
        self.binding[key] = value_id
        self.scope_names.setdefault(key[0], set()).add(key[1])
        if value_id is not None:
            new_object = rec._value_row(value_id)[2]
            if new_object is not None:
                self.holders.setdefault(new_object, set()).add(key)

    def _drop_frame(self, frame_id: int) -> None:
        """The frame row has ended (a generator's scope may live on in the frame of its next resumption)."""
        self.last_in_frame.pop(frame_id, None)
        self.frame_info.pop(frame_id, None)

    def _drop_scope(self, scope_id: int) -> None:
        """Every frame using this locals scope has ended: its names can no longer change what anyone sees."""
        self.scope_frame.pop(scope_id, None)
        for name_id in self.scope_names.pop(scope_id, ()):
            key = (scope_id, name_id)
            value_id = self.binding.pop(key, None)
            object_id = None if value_id is None else self.rec._value_row(value_id)[2]
            if object_id is not None and object_id in self.holders:
                self.holders[object_id].discard(key)
            self.shown.pop(key, None)

    def _frame(self, frame_id: int) -> Tuple[int, int, int]:
        info = self.frame_info.get(frame_id)
        if info is None:  # frames not in call order: ask the database
            row = self.rec.frame_row(frame_id)
            info = (row[2], row[3], row[5])
        return info

    def run(self) -> Iterator[VariableChange]:
        rec = self.rec
        steps = rec._ordered_rows("SELECT step, frame_id, line FROM steps ORDER BY step")
        frames = rec._ordered_rows("SELECT frame_id, code_id, thread_id, locals_scope, globals_scope, call_step "
                                   "FROM frames ORDER BY frame_id")
        ends = rec._ordered_rows("SELECT end_step, frame_id FROM frames WHERE end_step IS NOT NULL "
                                 "ORDER BY end_step")
        # a locals scope ends with the last of its frame rows (a generator gets a row per resumption)
        scope_ends = rec._ordered_rows(
            "SELECT MAX(end_step) AS last, locals_scope FROM frames WHERE locals_scope != globals_scope "
            "GROUP BY locals_scope HAVING COUNT(*) = COUNT(end_step) ORDER BY last")
        bindings = rec._ordered_rows("SELECT b.step, b.scope_id, b.name_id, b.value_id, v.type, v.repr, v.object_id "
                                     "FROM bindings b LEFT JOIN vals v ON v.value_id = b.value_id "
                                     "ORDER BY b.step, b.rowid")
        states = rec._ordered_rows("SELECT step, object_id, length, children, cut FROM object_states "
                                   "ORDER BY step, rowid")
        self.buffers = buffers = BufferDeltaStream(rec._ordered_rows(
            "SELECT step, object_id, kind, offset, length, after FROM buffer_writes ORDER BY step, rowid")
            if rec._has_table("buffer_writes") else (), max_chars=self.max_chars)
        next_step, next_frame, next_end = next(steps, None), next(frames, None), next(ends, None)
        next_scope_end = next(scope_ends, None)
        next_binding, next_state = next(bindings, None), next(states, None)
        while next_binding is not None or next_state is not None or buffers.next_step() is not None:
            step = min(candidate for candidate in (next_binding and next_binding[0], next_state and next_state[0],
                                                   buffers.next_step()) if candidate is not None)
            while next_end is not None and next_end[0] < step:
                self._drop_frame(next_end[1])
                next_end = next(ends, None)
            while next_scope_end is not None and next_scope_end[0] < step:
                self._drop_scope(next_scope_end[1])
                next_scope_end = next(scope_ends, None)
            while next_frame is not None and next_frame[5] <= step:
                frame_id, code_id, thread_id, locals_scope, globals_scope, _call = next_frame
                self.frame_info[frame_id] = (code_id, thread_id, locals_scope)
                if locals_scope != globals_scope:
                    self.scope_frame[locals_scope] = frame_id
                next_frame = next(frames, None)
            while next_step is not None and next_step[0] < step:
                self.last_in_frame[next_step[1]] = (next_step[0], next_step[2])
                next_step = next(steps, None)
            at_step = next_step if next_step is not None and next_step[0] == step else None
            touched: set = set()
            changed_objects = []
            while next_state is not None and next_state[0] == step:
                _s, object_id, length, children, cut = next_state
                self._set_state(object_id, length, children, cut)
                changed_objects.append(object_id)
                next_state = next(states, None)
            written = buffers.take(step)  # object -> byte deltas of the writes shown from this step on
            rebound = set()
            while next_binding is not None and next_binding[0] == step:
                _s, scope_id, name_id, value_id, type_name, display, value_object = next_binding
                if type_name is not None and value_id not in rec._value_cache:
                    rec._cache_value(value_id, (type_name, display, value_object))
                key = (scope_id, name_id)
                self._bind(key, value_id)
                touched.add(key)
                rebound.add(key)
                next_binding = next(bindings, None)
            for object_id in changed_objects:
                touched.update(self._holders_reaching(object_id))
            for object_id in written:
                touched.update(self.holders.get(object_id, ()))
            cause = self._cause(step, at_step)
            for key in sorted(touched):
                change = self._change(step, key, cause, None if key in rebound else written)
                if change is not None:
                    yield change

    def _cause(self, step: int, at_step: Optional[tuple]) -> Tuple[int, str, int, str, int]:
        """Like Recording._cause_location, from the replayed steps instead of a query."""
        if at_step is None:
            return self.rec._cause_location(step)
        frame_id = at_step[1]
        cause_step, line = self.last_in_frame.get(frame_id, (step, at_step[2]))
        code_id, thread_id, _scope = self._frame(frame_id)
        file, _name, qualname, _first = self.rec.code.get(code_id, ("<unknown>", "", "<unknown>", 0))
        return cause_step, file, line, qualname, thread_id

    def _change(self, step: int, key: Tuple[int, int], cause: Tuple[int, str, int, str, int],
                written: Optional[Dict[int, List[dict]]] = None) -> Optional[VariableChange]:
        rec = self.rec
        scope_id, name_id = key
        value_id = self.binding.get(key)
        text = None if value_id is None else self._render(value_id)
        previous = self.shown.get(key)
        object_id = None if value_id is None else rec._value_row(value_id)[2]
        # A tracked buffer's writes come from buffer_writes, exactly and at the step they show; its object
        # states (small arrays' elements, noticed at the next step of a frame that sees it) would repeat them.
        elements = None if self.buffers.is_tracked(object_id) else self._element_texts(value_id)
        # A write into a buffer is a change of every name bound to it, its deltas the bytes (not element texts).
        byte_deltas = written.get(object_id) if written and object_id is not None else None
        if byte_deltas is None and previous is not None and previous[0] == text and \
                (previous[1] == elements or elements is None):
            return None
        if previous is None and value_id is None:
            return None  # deleted before it was ever shown (e.g. dropped with its frame)
        self.shown[key] = (text, elements)
        deltas: List[dict] = []
        if byte_deltas is not None:
            deltas = byte_deltas
        elif previous is not None and previous[1] is not None and elements is not None:
            old_elements = previous[1]
            for element_key in list(old_elements) + [k for k in elements if k not in old_elements]:
                before, after = old_elements.get(element_key), elements.get(element_key)
                if before != after:
                    deltas.append({"key": element_key, "before": before, "after": after})
        cause_step, file, line, qualname, thread_id = cause
        frame_id = self.scope_frame.get(scope_id)
        function = qualname
        if frame_id is not None:
            code_id = self._frame(frame_id)[0]
            function = rec.code.get(code_id, ("", "", qualname, 0))[2]
            scope = "local"
        else:
            scope = rec.scope_label(scope_id)
        return VariableChange(
            step=step, cause_step=cause_step, variable_name=rec.names.get(name_id, "<name %d>" % name_id),
            scope=scope, scope_id=scope_id, frame_id=frame_id, function=function, file=file, line=line,
            thread_id=thread_id, type=None if value_id is None else rec._value_row(value_id)[0], value=text,
            previous=previous[0] if previous is not None else None, deltas=deltas)
