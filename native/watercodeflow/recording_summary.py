# The summary of an opened recording (`inspect` without --at): run metadata, counts, functions, output, notices.
# A mixin of reader.Recording (uses its _db, meta, path and lookup tables); it must not render values.
from __future__ import annotations

import json
import os
import sqlite3
from typing import Dict, Optional, Tuple

from .reader_records import STEP_KIND_NAMES
from .recording_expand import StepCounts
from .recording_file import meta_int


class RecordingSummary:
    _db: sqlite3.Connection
    path: str
    meta: Dict[str, str]
    schema_version: int
    indexed_in_memory: bool
    files: Dict[int, str]
    code: Dict[int, Tuple[str, str, str, int]]
    threads: Dict[int, Tuple[int, str, int]]
    step_count: int
    _step_counts: Optional[StepCounts]

    def summary(self) -> dict:
        meta = self.meta
        counted = self._step_counts
        if counted is None:
            kind_counts = self._db.execute("SELECT kind, COUNT(*) FROM steps GROUP BY kind")
            steps_by_code = dict(self._db.execute(
                "SELECT f.code_id, COUNT(*) FROM steps s JOIN frames f ON f.frame_id = s.frame_id GROUP BY f.code_id"))
        else:  # a summary copy (recording_expand.StepCounts): no steps rows, their counts
            kind_counts = counted.by_kind.items()
            code_of = dict(self._db.execute("SELECT frame_id, code_id FROM frames"))
            steps_by_code = {}
            for frame_id, count in counted.by_frame.items():
                code_id = code_of.get(frame_id)
                if code_id is not None:
                    steps_by_code[code_id] = steps_by_code.get(code_id, 0) + count
        kinds = {STEP_KIND_NAMES.get(kind, str(kind)): count for kind, count in kind_counts}
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
        start_ns, end_ns = meta_int(meta, "start_ns"), meta_int(meta, "end_ns")
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
            "exit_code": meta_int(meta, "exit_code"),
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


def _json_or_raw(text: Optional[str]):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
