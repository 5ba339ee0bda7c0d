# Expands a version-2 recording into a private SQLite copy with the v1 row layout (schema.sql's plain tables,
# expanded_schema.sql) that the Python reader queries: decodes and checks the chunks, resolves delta object
# states, indexes the copy.
# It never writes the recording; what it cannot decode becomes a RecordingError saying the file is damaged.
from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

from .chunk_codec import CHUNKED_TABLES, SCOPE_KIND_NAMES, ChunkError, decode_chunk
from .recording_error import damaged_chunk_error, damaged_recording_error
from .recording_file import check_tables, check_version, open_recording_file, read_meta

_HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(_HERE, "schema.sql")
EXPANDED_SCHEMA_PATH = os.path.join(_HERE, "expanded_schema.sql")
EXPANDED_INDEXES_PATH = os.path.join(_HERE, "expanded_indexes.sql")
# The copy lives in memory when its estimate fits in a third of the available memory (at least this much);
# above that it is a private temporary file SQLite deletes on close. The estimate: bytes per row, indexes included
# (measured 33 on tight_loop's steps, bindings and vals; object states with long children lists take more).
IN_MEMORY_MIN_LIMIT_BYTES = 256 * 1024 * 1024
EXPANDED_BYTES_PER_ROW = 60
_COMPACT = (",", ":")

# Plain tables copied as they are: (table, columns); the copy keeps their row order (rowid).
_PLAIN_TABLES = (
    ("meta", "key, value"),
    ("files", "file_id, path"),
    ("code", "code_id, file_id, name, qualname, first_line"),
    ("threads", "thread_id, ident, name, first_step"),
    ("names", "name_id, name"),
    ("types", "type_id, name"),
    ("exceptions", "step, frame_id, type, message, traceback, kind"),
    ("output", "step, stream, text"),
    ("watches", "step, name, value_id"),
    ("notices", "step, kind, message"),
    ("buffer_writes", "step, object_id, offset, length, before, after, kind"),
)
# Plain tables with a step, whose rows past the last step a killed run may hold.
_STEPPED_PLAIN_TABLES = frozenset(("exceptions", "output", "watches", "notices", "buffer_writes"))
# Chunked tables in load order (frames before frame_ends, which fills frames.end_step), and the stored column
# whose value is a step: rows past the recording's last step are dropped.
_LOAD_ORDER = ("steps", "frames", "frame_ends", "scopes", "vals", "objects", "bindings", "object_states", "returns")
_STEP_COLUMN = {"frames": 7, "frame_ends": 1, "objects": 3, "bindings": 0, "object_states": 1, "returns": 0}
_INSERTS = {
    "steps": "INSERT INTO steps (step, kind, frame_id, line) VALUES (?, ?, ?, ?)",
    "frames": "INSERT INTO frames (frame_id, parent_id, code_id, thread_id, depth, locals_scope, globals_scope,"
              " call_step) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "frame_ends": "UPDATE frames SET end_step = ? WHERE frame_id = ?",
    "scopes": "INSERT INTO scopes (scope_id, kind, frame_id, module) VALUES (?, ?, ?, ?)",
    "vals": "INSERT INTO vals (value_id, type, repr, object_id) VALUES (?, ?, ?, ?)",
    "objects": "INSERT INTO objects (object_id, type, kind, first_step) VALUES (?, ?, ?, ?)",
    "bindings": "INSERT INTO bindings (step, scope_id, name_id, value_id) VALUES (?, ?, ?, ?)",
    "object_states": "INSERT INTO object_states (object_id, step, length, children, cut) VALUES (?, ?, ?, ?, ?)",
    "returns": "INSERT INTO returns (step, frame_id, value_id) VALUES (?, ?, ?)",
}


# The chunked tables a summary copy decodes (open_expanded(summary_only=True)): steps are counted, frames copied.
_SUMMARY_TABLES = ("steps", "frames")


@dataclass
class StepCounts:
    """The steps of a recording counted while decoding them, for a summary copy that holds no steps rows."""
    total: int
    by_kind: Counter  # step kind code -> steps
    by_frame: Counter  # frame_id -> steps


@dataclass
class ExpandedRecording:
    """A checked recording's expanded copy: `db` has the v1 row layout; the file itself is closed. A summary copy
    (`step_counts` set) holds the plain tables and frames only: its other chunked tables are empty."""
    db: sqlite3.Connection
    meta: Dict[str, str]
    schema_version: int
    in_memory: bool
    step_counts: Optional[StepCounts] = None


def expand(source: Union[str, os.PathLike, sqlite3.Connection]) -> sqlite3.Connection:
    """The expanded copy of a recording, given its path (checked like the reader checks it) or an open
    connection to it (left open). Raises RecordingError when it cannot be read."""
    if isinstance(source, sqlite3.Connection):
        path = _database_path(source)
        try:
            meta = read_meta(source, path)
            check_version(meta, path)
            check_tables(source, path)
        except sqlite3.DatabaseError as error:
            raise damaged_recording_error(path, error) from error
        return expand_connection(source, path, meta)[0]
    return open_expanded(os.fspath(source)).db


def open_expanded(path: str, summary_only: bool = False) -> ExpandedRecording:
    """Checks `path` (recording_file.py), expands it and closes the file. `summary_only`: a summary copy, which
    decodes only the steps and frames chunks and counts the steps instead of copying them (a 3.5M-step recording's
    summary in ~1 s instead of ~15 s); chunk damage in the other tables goes unnoticed there."""
    opened = open_recording_file(path)
    counts = StepCounts(0, Counter(), Counter()) if summary_only else None
    try:
        db, in_memory = expand_connection(opened.db, path, opened.meta, counts)
    finally:
        opened.db.close()
    return ExpandedRecording(db, opened.meta, opened.schema_version, in_memory, counts)


def expand_connection(source: sqlite3.Connection, path: str, meta: Dict[str, str],
                      counts: Optional[StepCounts] = None) -> Tuple[sqlite3.Connection, bool]:
    """(the expanded copy of the checked recording `source`, whether it is in memory); a summary copy that
    fills `counts` when it is given (open_expanded)."""
    try:
        directory = chunk_directory(source, path)
        copied = [chunks for table, chunks in directory.items() if counts is None or table == "frames"]
        row_total = sum(count for chunks in copied for _seq, _first, count in chunks)
        in_memory = row_total * EXPANDED_BYTES_PER_ROW <= in_memory_limit()
        target = sqlite3.connect(":memory:" if in_memory else "", check_same_thread=False)
    except sqlite3.DatabaseError as error:
        raise damaged_recording_error(path, error) from error
    try:
        _Expansion(source, target, path, directory, meta.get("status") == "recording", counts).run()
    except BaseException as error:
        target.close()
        if isinstance(error, sqlite3.DatabaseError):
            raise damaged_recording_error(path, error) from error
        raise
    return target, in_memory


def chunk_directory(source: sqlite3.Connection, path: str) -> Dict[str, List[Tuple[int, int, int]]]:
    """Chunked table -> its chunks' (seq, first_row, row_count), checked to be contiguous. Chunks of tables this
    reader does not know are left out (a newer writer may add tables without a version bump)."""
    directory: Dict[str, List[Tuple[int, int, int]]] = {table: [] for table in CHUNKED_TABLES}
    for table, seq, first_row, row_count in source.execute(
            "SELECT tbl, seq, first_row, row_count FROM chunks ORDER BY tbl, seq"):
        chunks = directory.get(table)
        if chunks is None:
            continue
        expected_seq = len(chunks)
        expected_first = chunks[-1][1] + chunks[-1][2] if chunks else 0
        if seq != expected_seq:
            raise damaged_chunk_error(path, table, expected_seq, "is missing (the next one stored is %s)" % (seq,))
        if first_row != expected_first:
            raise damaged_chunk_error(path, table, seq, "starts at row %s, but the chunks before it end at row %d"
                                      % (first_row, expected_first))
        if not isinstance(row_count, int) or row_count < 0:
            raise damaged_chunk_error(path, table, seq, "has an invalid row_count %r" % (row_count,))
        chunks.append((seq, first_row, row_count))
    return directory


class _Expansion:
    """One copy being built: plain tables, then the chunked tables in _LOAD_ORDER, then the indexes."""

    def __init__(self, source, target, path, directory, killed, counts=None):
        self.source, self.target, self.path, self.directory = source, target, path, directory
        self.counts: Optional[StepCounts] = counts
        steps = directory["steps"]
        self.last_step = steps[-1][1] + steps[-1][2] - 1 if steps else -1
        self.killed = killed
        self.types: Dict[int, str] = {}
        # object -> (its latest resolved children: JSON text or list, its cut), for resolving delta states
        self.latest_states: Dict[int, Tuple[object, int]] = {}

    def run(self) -> None:
        target = self.target
        target.execute("PRAGMA journal_mode = OFF")
        target.execute("PRAGMA synchronous = OFF")
        target.execute("PRAGMA cache_size = -65536")  # KiB; matters only for a copy in a temporary file
        for script in (SCHEMA_PATH, EXPANDED_SCHEMA_PATH):
            with open(script, encoding="utf-8") as schema:
                target.executescript(schema.read())
        target.execute("DROP TABLE chunks")
        present = {row[0] for row in self.source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table, columns in _PLAIN_TABLES:
            if table in present:
                self._copy_plain(table, columns)
        self.types = dict(target.execute("SELECT type_id, name FROM types"))
        for table in _LOAD_ORDER:
            if self.counts is not None and table not in _SUMMARY_TABLES:
                continue
            chunks = self.source.execute("SELECT seq, first_row, row_count, data FROM chunks WHERE tbl = ? "
                                         "ORDER BY seq", (table,))
            for seq, first_row, row_count, data in chunks:
                try:
                    columns = decode_chunk(table, data, row_count)
                    if self.counts is not None and table == "steps":
                        self._count_steps(columns)
                        continue
                    rows = self._rows(table, first_row, columns)
                except ChunkError as error:
                    raise damaged_chunk_error(self.path, table, seq, "does not decode: %s" % error) from None
                target.executemany(_INSERTS[table], rows)
        with open(EXPANDED_INDEXES_PATH, encoding="utf-8") as indexes:
            target.executescript(indexes.read())
        target.commit()

    def _count_steps(self, columns: List[list]) -> None:
        counts = self.counts
        counts.total += len(columns[0])
        counts.by_kind.update(columns[0])
        counts.by_frame.update(columns[1])

    def _copy_plain(self, table: str, columns: str) -> None:
        sql = "SELECT %s FROM %s" % (columns, table)
        args: tuple = ()
        if self.killed and table in _STEPPED_PLAIN_TABLES:
            sql += " WHERE step IS NULL OR step <= ?"
            args = (self.last_step,)
        marks = ", ".join("?" * (columns.count(",") + 1))
        self.target.executemany("INSERT INTO %s (%s) VALUES (%s)" % (table, columns, marks),
                                self.source.execute(sql + " ORDER BY rowid", args))

    def _rows(self, table: str, first_row: int, columns: List[list]):
        """The v1-layout rows of one decoded chunk (an iterable for executemany)."""
        if table == "steps":
            return zip(range(first_row, first_row + len(columns[0])), *columns)
        step_column = _STEP_COLUMN.get(table)
        if step_column is not None and columns[step_column] and max(columns[step_column]) > self.last_step:
            keep = [index for index, step in enumerate(columns[step_column]) if step <= self.last_step]
            columns = [[column[index] for index in keep] for column in columns]
        if table == "frame_ends":
            return zip(columns[1], columns[0])
        if table == "scopes":
            columns[1] = self._names_of(columns[1], SCOPE_KIND_NAMES, "scope kind")
        elif table in ("vals", "objects"):
            columns[1] = self._names_of(columns[1], self.types, "type_id (not in the types table)")
        elif table == "object_states":
            return self._states(*columns)
        return zip(*columns)

    @staticmethod
    def _names_of(codes: list, names: dict, what: str) -> list:
        try:
            return list(map(names.__getitem__, codes))
        except KeyError as error:
            raise ChunkError("unknown %s %s" % (what, error)) from None

    def _states(self, object_ids, steps, lengths, cuts, deltas, children) -> list:
        """object_states rows in the v1 column order, with delta rows resolved to whole children lists."""
        latest = self.latest_states
        children = ["[]" if text is None else text for text in children]
        if not any(deltas):
            latest.update(zip(object_ids, zip(children, cuts)))
            return list(zip(object_ids, steps, lengths, children, cuts))
        rows = []
        for object_id, step, length, cut, delta, text in zip(object_ids, steps, lengths, cuts, deltas, children):
            if delta:
                resolved = _resolve_delta(latest.get(object_id), object_id, step, length, cut, text)
                latest[object_id] = (resolved, cut)
                text = json.dumps(resolved, separators=_COMPACT)
            else:
                latest[object_id] = (text, cut)
            rows.append((object_id, step, length, text, cut))
        return rows


def _resolve_delta(previous: Optional[Tuple[object, int]], object_id: int, step: int, length: int, cut: int,
                   text: str) -> list:
    """The children of a delta state (docs/recording-format.md, object_states): the previous state's children cut
    to `length - cut` entries, with the listed [position, key, value_id] triples replaced or appended."""
    where = "object %d's delta state at step %d" % (object_id, step)
    if previous is None or previous[1] < 0:
        raise ChunkError("%s has no earlier state with children to apply to" % where)
    if cut < 0:
        raise ChunkError("%s has cut %d (a delta needs recorded children)" % (where, cut))
    base = previous[0] if isinstance(previous[0], list) else json.loads(previous[0])
    try:
        changes = json.loads(text)
    except ValueError:
        raise ChunkError("%s is not JSON: %r" % (where, text[:80])) from None
    wanted = length - cut
    children = base[:wanted]
    if not isinstance(changes, list):
        raise ChunkError("%s is not a JSON array: %r" % (where, text[:80]))
    for change in changes:
        if not (isinstance(change, list) and len(change) == 3 and isinstance(change[0], int)):
            raise ChunkError("%s has a change that is not [position, key, value_id]: %r" % (where, change))
        position, key, value_id = change
        if position < len(children):
            children[position] = [key, value_id]
        elif position == len(children):
            children.append([key, value_id])
        else:
            raise ChunkError("%s changes position %d of a list of %d" % (where, position, len(children)))
    if len(children) != wanted:
        raise ChunkError("%s resolves to %d children, its length and cut say %d" % (where, len(children), wanted))
    return children


def in_memory_limit() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return max(IN_MEMORY_MIN_LIMIT_BYTES, int(line.split()[1]) * 1024 // 3)
    except (OSError, ValueError, IndexError):
        pass
    return IN_MEMORY_MIN_LIMIT_BYTES


def _database_path(db: sqlite3.Connection) -> str:
    for _seq, name, filename in db.execute("PRAGMA database_list"):
        if name == "main":
            return filename or "<in-memory recording>"
    return "<recording>"
