# Reads a WaterCodeFlow recording (docs/recording-format.md) strictly read-only: the public face of the reader.
# Recording assembles the query modules around one opened file; it never writes to the recording and never
# imports the recorder; user-facing failures raise RecordingError.
from __future__ import annotations

import sqlite3
from typing import Dict, Optional, Sequence, Tuple

from .change_stream import ChangeStreamQueries
from .name_history import NameHistoryQueries
from .recording_error import RecordingError, damaged_recording_error
from .recording_expand import open_expanded
from .recording_file import meta_int
from .recording_summary import RecordingSummary
from .scope_values import ScopeValueQueries
from .stack_queries import StackQueries
from .value_render import RenderLimits

# Re-exported: callers (inspect_cli, export_jsonl, tests) import these from here, as before the split.
from .reader_records import (DEFINITION_TYPES, STEP_KIND_NAMES, Frame, HistoryEntry, Value,  # noqa: F401
                             VariableChange, is_definition)
from .recording_file import RECORDING_FORMAT_NAME, SQLITE_MAGIC, SUPPORTED_SCHEMA_VERSION  # noqa: F401
from .value_render import (CUT_MARKER, DEPTH_CUT, UNBOUNDED, ObjectState, ValueRenderer,  # noqa: F401
                           short_type_name)

_ObjectState = ObjectState  # the name the reader's tests build hand-made states with


class Recording(StackQueries, ScopeValueQueries, NameHistoryQueries, RecordingSummary, ChangeStreamQueries):
    """A recording opened read-only. Use as a context manager or call close(). `summary_only`: opened for
    summary() and the small tables only (recording_expand's summary copy), much faster on a long recording; the
    step queries must not be used on it."""

    def __init__(self, path: str, render_limits: RenderLimits = RenderLimits(), summary_only: bool = False):
        self.path = path
        self.render_limits = render_limits
        opened = open_expanded(path, summary_only)
        self._db: sqlite3.Connection = opened.db  # the expanded copy (v1 row layout), not the file
        self._step_counts = opened.step_counts
        self.meta = opened.meta
        self.schema_version = opened.schema_version
        self.indexed_in_memory = opened.in_memory
        try:
            self._load_small_tables()
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise damaged_recording_error(path, error) from error
        except RecordingError:
            self._db.close()
            raise
        self._value_cache: Dict[int, Tuple[str, Optional[str], Optional[int]]] = {}

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
        if self._step_counts is not None:
            self.step_count = self._step_counts.total
        else:
            row = self._db.execute("SELECT MAX(step) FROM steps").fetchone()
            self.step_count = 0 if row[0] is None else int(row[0]) + 1
        start_ns, end_ns = meta_int(self.meta, "start_ns"), meta_int(self.meta, "end_ns")
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


def open_recording(path: str, render_limits: RenderLimits = RenderLimits()) -> Recording:
    return Recording(path, render_limits)


__all__: Sequence[str] = ("Recording", "RecordingError", "RenderLimits", "UNBOUNDED", "Frame", "Value",
                          "HistoryEntry", "VariableChange", "ValueRenderer", "open_recording",
                          "SUPPORTED_SCHEMA_VERSION", "is_definition", "short_type_name",
                          "damaged_recording_error")
