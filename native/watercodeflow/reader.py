# Reads a WaterCodeFlow recording (docs/recording-format.md) strictly read-only: summary, stacks, scope values
# rendered as Python repr text, per-name history and the stream of variable changes for export.
# It never writes to the recording and never imports the recorder; user-facing failures raise RecordingError.
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

SUPPORTED_SCHEMA_VERSION = 1
RECORDING_FORMAT_NAME = "watercodeflow-recording"
SQLITE_MAGIC = b"SQLite format 3\x00"
STEP_KIND_NAMES = {0: "line", 1: "call", 2: "return", 3: "exception"}
CUT_MARKER = "\u2026"  # the recorder's and the reader's mark for a cut string or container
DEPTH_CUT = -1  # object_states.cut value: the object lay beyond the depth limit, no children recorded
# A killed run has no indexes (they are built at close). The reader copies such a file into memory and indexes
# the copy when it fits comfortably (a third of the available memory, at least this much); above that,
# queries stay correct but scan tables.
IN_MEMORY_INDEX_MIN_LIMIT_BYTES = 256 * 1024 * 1024
_SCHEMA_INDEXES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema_indexes.sql")
_CORE_TABLES = ("meta", "files", "code", "frames", "steps", "scopes", "names", "vals", "bindings", "objects",
                "object_states")


class RecordingError(Exception):
    """A recording cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class RenderLimits:
    """Bounds of the reader's own rendering (the recorder's limits are already applied in the file)."""
    max_depth: int = 8
    max_chars: int = 2000


UNBOUNDED = RenderLimits(max_depth=10 ** 6, max_chars=10 ** 12)


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


@dataclass
class _ObjectState:
    kind: str
    type: str
    length: int
    children: List[list]  # [[key, value_id], ...]
    cut: int


# Values of these types are noise in a globals listing (`inspect --at` hides them unless --all).
DEFINITION_TYPES = frozenset({
    "module", "function", "type", "builtin_function_or_method", "method", "classmethod", "staticmethod",
    "abc.ABCMeta", "enum.EnumMeta", "enum.EnumType", "typing._SpecialForm", "functools.partial",
    "wrapper_descriptor", "method_descriptor",
})


def is_definition(value: "Value") -> bool:
    """A module, function or class (classes with a custom metaclass are recognised by their display)."""
    return value.type in DEFINITION_TYPES or (value.kind == "opaque" and value.text.startswith("<class '"))


class ValueRenderer:
    """Renders a value_id as Python repr text from interned values and object states.

    Lookups are injected so the same rules serve point queries (database) and the export stream (memory).
    """

    def __init__(self, lookup_value: Callable[[int], Tuple[str, Optional[str], Optional[int]]],
                 lookup_state: Callable[[int], Optional[_ObjectState]], limits: RenderLimits):
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


    def _render_bytearray(self, state: _ObjectState, type_name: str) -> str:
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


def _brackets(state: _ObjectState, type_name: str) -> Tuple[str, str]:
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


def _empty_display(state: _ObjectState, type_name: str, opener: str, closer: str) -> str:
    if state.kind == "set":
        return "set()"
    if state.kind == "frozenset":
        return "frozenset()"
    if state.kind in ("list", "tuple", "dict", "instance"):
        return opener + closer
    return short_type_name(type_name) + "()"


def _decode_children(text: str) -> List[list]:
    children = json.loads(text) if text else []
    if not isinstance(children, list):
        raise RecordingError("object_states.children is not a JSON array: %r" % (text[:80],))
    return children


class Recording:
    """A recording opened read-only. Use as a context manager or call close()."""

    def __init__(self, path: str, render_limits: RenderLimits = RenderLimits()):
        self.path = path
        self.render_limits = render_limits
        self._check_file(path)
        self._db = self._connect(path)
        try:
            self.meta = self._read_meta()
            self._check_version()
            self._check_tables()
            self._db = self._with_indexes(self._db)
            self._load_small_tables()
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise damaged_recording_error(path, error) from error
        except RecordingError:
            self._db.close()
            raise
        self._value_cache: Dict[int, Tuple[str, Optional[str], Optional[int]]] = {}

    # --- opening -------------------------------------------------------------------------------------------
    @staticmethod
    def _check_file(path: str) -> None:
        if not os.path.exists(path):
            raise RecordingError("no recording at %s: check the path (record one with "
                                 "`watercodeflow record --out FILE -- program.py`)" % path)
        if os.path.isdir(path):
            raise RecordingError("%s is a directory, not a recording file" % path)
        try:
            with open(path, "rb") as handle:
                header = handle.read(100)
        except OSError as error:
            raise RecordingError("cannot read %s: %s" % (path, error.strerror or error)) from error
        if len(header) == 0:
            raise RecordingError("%s is empty: the recorder was stopped before it wrote anything" % path)
        if not header.startswith(SQLITE_MAGIC):
            raise RecordingError("%s is not a WaterCodeFlow recording (not an SQLite file)" % path)
        if len(header) < 100:
            raise RecordingError("%s is truncated (%d bytes, shorter than an SQLite header)" % (path, len(header)))
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        page_count = int.from_bytes(header[28:32], "big")
        header_count_valid = header[24:28] == header[92:96]
        # With a WAL file beside it the main file may legitimately lag; only judge a file without one.
        if header_count_valid and page_count and not os.path.exists(path + "-wal"):
            expected = page_size * page_count
            actual = os.path.getsize(path)
            if actual < expected:
                raise RecordingError("%s is truncated: %d bytes of %d (the file was cut short, e.g. by a "
                                     "copy or disk full); re-record or restore the full file"
                                     % (path, actual, expected))

    @staticmethod
    def _connect(path: str) -> sqlite3.Connection:
        uri = "file:%s?mode=ro" % _uri_path(path)
        try:
            db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            db.execute("PRAGMA query_only = 1")
            return db
        except sqlite3.DatabaseError as error:
            raise damaged_recording_error(path, error) from error

    def _read_meta(self) -> Dict[str, str]:
        try:
            rows = self._db.execute("SELECT key, value FROM meta").fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                raise RecordingError("%s is an SQLite file but not a WaterCodeFlow recording (it has no meta "
                                     "table)" % self.path) from error
            raise
        meta = {str(key): str(value) for key, value in rows}
        if meta.get("format", RECORDING_FORMAT_NAME) != RECORDING_FORMAT_NAME:
            raise RecordingError("%s is not a WaterCodeFlow recording (meta.format is %r)"
                                 % (self.path, meta.get("format")))
        return meta

    def _check_version(self) -> None:
        raw = self.meta.get("schema_version")
        if raw is None:
            raise RecordingError("%s has no meta.schema_version: not a WaterCodeFlow recording, or it was "
                                 "killed before its header was written" % self.path)
        try:
            version = int(raw)
        except ValueError as error:
            raise RecordingError("%s has an unreadable schema_version %r" % (self.path, raw)) from error
        if version > SUPPORTED_SCHEMA_VERSION:
            raise RecordingError("this recording has format version %d; this WaterCodeFlow reads up to version "
                                 "%d \u2014 update WaterCodeFlow" % (version, SUPPORTED_SCHEMA_VERSION))
        if version < 1:
            raise RecordingError("%s has schema_version %d, which no WaterCodeFlow ever wrote"
                                 % (self.path, version))
        self.schema_version = version

    def _check_tables(self) -> None:
        present = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [name for name in _CORE_TABLES if name not in present]
        if missing:
            raise RecordingError("%s lacks the tables %s: it is damaged or was not written by WaterCodeFlow"
                                 % (self.path, ", ".join(missing)))

    def _with_indexes(self, db: sqlite3.Connection) -> sqlite3.Connection:
        indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        self.indexed_in_memory = False
        if "bindings_by_scope" in indexes or not os.path.exists(_SCHEMA_INDEXES_FILE):
            return db
        size = os.path.getsize(self.path)
        if os.path.exists(self.path + "-wal"):
            size += os.path.getsize(self.path + "-wal")
        if size > _in_memory_index_limit():
            return db  # correct but slower: lookups scan tables
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        db.backup(memory)
        db.close()
        with open(_SCHEMA_INDEXES_FILE, encoding="utf-8") as handle:
            memory.executescript(handle.read())
        self.indexed_in_memory = True
        return memory

    def _load_small_tables(self) -> None:
        self.files: Dict[int, str] = dict(self._db.execute("SELECT file_id, path FROM files"))
        self.code: Dict[int, Tuple[str, str, str, int]] = {}
        for code_id, file_id, name, qualname, first_line in self._db.execute(
                "SELECT code_id, file_id, name, qualname, first_line FROM code"):
            self.code[code_id] = (self.files.get(file_id, "<unknown file %s>" % file_id), name, qualname,
                                  first_line)
        self.names: Dict[int, str] = dict(self._db.execute("SELECT name_id, name FROM names"))
        self.name_ids: Dict[str, int] = {name: name_id for name_id, name in self.names.items()}
        # scopes are read on demand: a deep recursion has one per frame, too many to load up front
        self._scope_cache: Dict[int, Tuple[str, Optional[int], Optional[str]]] = {}
        self.threads: Dict[int, Tuple[int, str, int]] = {}
        if self._has_table("threads"):
            for thread_id, ident, name, first_step in self._db.execute(
                    "SELECT thread_id, ident, name, first_step FROM threads"):
                self.threads[thread_id] = (ident, name, first_step)
        row = self._db.execute("SELECT MAX(step) FROM steps").fetchone()
        self.step_count = 0 if row[0] is None else int(row[0]) + 1
        start_ns, end_ns = _int_or_none(self.meta.get("start_ns")), _int_or_none(self.meta.get("end_ns"))
        self._duration_ns = end_ns - start_ns if start_ns is not None and end_ns is not None and end_ns > start_ns \
            else None

    def _has_table(self, name: str) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                (name,)).fetchone() is not None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- steps and frames ----------------------------------------------------------------------------------
    def check_step(self, step: int) -> None:
        if not 0 <= step < self.step_count:
            raise RecordingError("step %d is outside this recording: it has steps 0..%d"
                                 % (step, self.step_count - 1))

    def step_info(self, step: int) -> Tuple[str, int, int]:
        """(kind name, frame_id, line) of a step."""
        self.check_step(step)
        row = self._db.execute("SELECT kind, frame_id, line FROM steps WHERE step = ?", (step,)).fetchone()
        if row is None:
            raise RecordingError("step %d is missing from %s (the recording has a gap: damaged file)"
                                 % (step, self.path))
        return STEP_KIND_NAMES.get(row[0], "kind%d" % row[0]), row[1], row[2]

    def frame_row(self, frame_id: int) -> Tuple:
        row = self._db.execute(
            "SELECT frame_id, parent_id, code_id, thread_id, depth, locals_scope, globals_scope, call_step, "
            "end_step FROM frames WHERE frame_id = ?", (frame_id,)).fetchone()
        if row is None:
            raise RecordingError("frame %d is missing from %s (damaged file)" % (frame_id, self.path))
        return row

    def _frame_at(self, frame_id: int, step: int, line: Optional[int] = None) -> Tuple[Frame, Optional[int]]:
        (frame_id, parent_id, code_id, thread_id, depth, locals_scope, globals_scope, _call,
         _end) = self.frame_row(frame_id)
        if line is None:
            found = self._db.execute("SELECT line FROM steps WHERE frame_id = ? AND step <= ? "
                                     "ORDER BY step DESC LIMIT 1", (frame_id, step)).fetchone()
            line = found[0] if found else 0
        file, name, qualname, _first = self.code.get(code_id, ("<unknown>", "<unknown>", "<unknown>", 0))
        return Frame(frame_id, file, line, name, qualname, thread_id, depth, locals_scope,
                     globals_scope), parent_id

    def stack_at(self, step: int) -> List[Frame]:
        """The stack of the thread that executes `step`, innermost frame first."""
        _kind, frame_id, line = self.step_info(step)
        frames: List[Frame] = []
        current: Optional[int] = frame_id
        first = True
        seen = set()
        while current is not None and current not in seen:
            seen.add(current)
            frame, parent = self._frame_at(current, step, line if first else None)
            frames.append(frame)
            current, first = parent, False
        return frames

    def thread_name(self, thread_id: int) -> str:
        entry = self.threads.get(thread_id)
        return entry[1] if entry else "thread %d" % thread_id

    # --- values --------------------------------------------------------------------------------------------
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

    def object_state(self, object_id: int, step: int) -> Optional[_ObjectState]:
        obj = self._db.execute("SELECT type, kind FROM objects WHERE object_id = ?", (object_id,)).fetchone()
        row = self._db.execute("SELECT length, children, cut FROM object_states WHERE object_id = ? AND step <= ? "
                               "ORDER BY step DESC, rowid DESC LIMIT 1", (object_id, step)).fetchone()
        if obj is None or row is None:
            return None
        return _ObjectState(obj[1], obj[0], row[0], _decode_children(row[1]), row[2])

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

    # --- history -------------------------------------------------------------------------------------------
    def cause_step(self, step: int) -> int:
        """The step whose execution produced a change first visible at `step`.

        The recorder notices a change at the next event of the frame that made it (after a call returns, the
        caller's next line shows the binding; the line that made it is the caller's previous one). So: the
        previous step of the frame executing `step`, or `step` itself when that frame has none (a call step
        binds its own arguments).
        """
        return self._cause_location(step)[0]

    def _cause_location(self, step: int) -> Tuple[int, str, int, str, int]:
        """(cause step, file, line, function qualname, thread_id) of a change first visible at `step`."""
        row = self._db.execute(
            "SELECT c.step, c.line, f.code_id, f.thread_id FROM steps s JOIN frames f ON f.frame_id = s.frame_id "
            "JOIN steps c ON c.step = COALESCE((SELECT MAX(p.step) FROM steps p WHERE p.frame_id = s.frame_id "
            "AND p.step < s.step), s.step) WHERE s.step = ?", (step,)).fetchone()
        if row is None:
            return step, "<unknown>", 0, "<unknown>", 0
        file, _name, qualname, _first = self.code.get(row[2], ("<unknown>", "", "<unknown>", 0))
        return row[0], file, row[1], qualname, row[3]

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
                for _key, child_id in _decode_children(children):
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

    # --- summary -------------------------------------------------------------------------------------------
    def summary(self) -> dict:
        meta = self.meta
        kinds = {STEP_KIND_NAMES.get(kind, str(kind)): count
                 for kind, count in self._db.execute("SELECT kind, COUNT(*) FROM steps GROUP BY kind")}
        steps_by_code = dict(self._db.execute(
            "SELECT f.code_id, COUNT(*) FROM steps s JOIN frames f ON f.frame_id = s.frame_id GROUP BY f.code_id"))
        functions = []
        for code_id, (file, name, qualname, first_line) in self.code.items():
            functions.append({"function": qualname, "file": file, "first_line": first_line,
                              "steps": steps_by_code.get(code_id, 0)})
        functions.sort(key=lambda item: (-item["steps"], item["function"]))
        files: Dict[str, int] = {path: 0 for path in self.files.values()}
        for item in functions:
            files[item["file"]] = files.get(item["file"], 0) + item["steps"]
        exceptions = []
        if self._has_table("exceptions"):
            for step, ex_type, message, kind in self._db.execute(
                    "SELECT step, type, message, kind FROM exceptions ORDER BY step"):
                exceptions.append({"step": step, "type": ex_type, "message": message, "kind": kind})
        output = {"stdout": {"bytes": 0, "chunks": 0}, "stderr": {"bytes": 0, "chunks": 0}}
        if self._has_table("output"):
            for stream, text_bytes, chunks in self._db.execute(
                    "SELECT stream, SUM(LENGTH(CAST(text AS BLOB))), COUNT(*) FROM output GROUP BY stream"):
                output[stream] = {"bytes": int(text_bytes or 0), "chunks": chunks}
        notices = []
        if self._has_table("notices"):
            notices = [{"step": step, "kind": kind, "message": message}
                       for step, kind, message in self._db.execute(
                           "SELECT step, kind, message FROM notices ORDER BY rowid")]
        start_ns, end_ns = _int_or_none(meta.get("start_ns")), _int_or_none(meta.get("end_ns"))
        size = os.path.getsize(self.path)
        if os.path.exists(self.path + "-wal"):
            size += os.path.getsize(self.path + "-wal")
        threads = [{"thread_id": tid, "ident": ident, "name": name, "first_step": first}
                   for tid, (ident, name, first) in sorted(self.threads.items())]
        return {
            "path": os.path.abspath(self.path),
            "schema_version": self.schema_version,
            "status": meta.get("status", "unknown"),
            "program": meta.get("program"),
            "argv": _json_or_raw(meta.get("argv")),
            "mode": meta.get("mode"),
            "recorder": meta.get("recorder"),
            "tracer": meta.get("tracer"),
            "python_version": meta.get("python_version"),
            "created_at": meta.get("created_at"),
            "exit_code": _int_or_none(meta.get("exit_code")),
            "exit_signal": meta.get("exit_signal"),
            "steps": self.step_count,
            "steps_by_kind": {name: kinds.get(name, 0) for name in STEP_KIND_NAMES.values()},
            "duration_ns": (end_ns - start_ns) if start_ns is not None and end_ns is not None else None,
            "files": [{"path": path, "steps": count} for path, count in sorted(files.items())],
            "functions": functions,
            "threads": threads,
            "exceptions": exceptions,
            "output": output,
            "notices": notices,
            "file_bytes": size,
            "indexed_in_memory": self.indexed_in_memory,
        }

    # --- export stream -------------------------------------------------------------------------------------
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
        return _ChangeStream(self, limits or self.render_limits).run()

    def _ordered_rows(self, sql: str) -> Iterator[tuple]:
        return iter(self._db.execute(sql))


def _in_memory_index_limit() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return max(IN_MEMORY_INDEX_MIN_LIMIT_BYTES, int(line.split()[1]) * 1024 // 3)
    except (OSError, ValueError, IndexError):
        pass
    return IN_MEMORY_INDEX_MIN_LIMIT_BYTES


def _int_or_none(text: Optional[str]) -> Optional[int]:
    try:
        return None if text is None or text == "" else int(text)
    except ValueError:
        return None


def _json_or_raw(text: Optional[str]):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _uri_path(path: str) -> str:
    from urllib.parse import quote
    return quote(os.path.abspath(path))


def damaged_recording_error(path: str, error: Exception) -> RecordingError:
    return RecordingError("%s is damaged or not a WaterCodeFlow recording (SQLite says: %s); re-record, or "
                          "restore the complete file" % (path, error))


class _ChangeStream:
    """Replays steps, frames, bindings and object states in step order, in memory, and yields what each name
    shows. Per-event database queries are avoided (they would cost ~20 µs each); what a finished frame held
    is dropped when the frame ends, so memory follows the live program, not the length of the run."""

    def __init__(self, recording: Recording, limits: RenderLimits):
        self.rec = recording
        self.binding: Dict[Tuple[int, int], Optional[int]] = {}  # (scope, name) -> value_id
        self.scope_names: Dict[int, set] = {}  # scope -> name ids bound in it
        self.states: Dict[int, _ObjectState] = {}
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

    def _object_children(self, state: _ObjectState) -> List[int]:
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
        state = _ObjectState(kind, type_name, length, _decode_children(children_json), cut)
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
        next_step, next_frame, next_end = next(steps, None), next(frames, None), next(ends, None)
        next_scope_end = next(scope_ends, None)
        next_binding, next_state = next(bindings, None), next(states, None)
        while next_binding is not None or next_state is not None:
            step = min(row[0] for row in (next_binding, next_state) if row is not None)
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
            cause = self._cause(step, at_step)
            for key in sorted(touched):
                change = self._change(step, key, cause)
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

    def _change(self, step: int, key: Tuple[int, int], cause: Tuple[int, str, int, str, int]
                ) -> Optional[VariableChange]:
        rec = self.rec
        scope_id, name_id = key
        value_id = self.binding.get(key)
        text = None if value_id is None else self._render(value_id)
        elements = self._element_texts(value_id)
        previous = self.shown.get(key)
        if previous is not None and previous[0] == text and (previous[1] == elements or elements is None):
            return None
        if previous is None and value_id is None:
            return None  # deleted before it was ever shown (e.g. dropped with its frame)
        self.shown[key] = (text, elements)
        deltas: List[dict] = []
        if previous is not None and previous[1] is not None and elements is not None:
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


def open_recording(path: str, render_limits: RenderLimits = RenderLimits()) -> Recording:
    return Recording(path, render_limits)


__all__: Sequence[str] = ("Recording", "RecordingError", "RenderLimits", "UNBOUNDED", "Frame", "Value",
                          "HistoryEntry", "VariableChange", "ValueRenderer", "open_recording",
                          "SUPPORTED_SCHEMA_VERSION", "is_definition", "short_type_name",
                          "damaged_recording_error")
