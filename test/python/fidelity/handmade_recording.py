# Test support: writes small recordings by hand, straight from native/watercodeflow/schema.sql and the reference
# chunk codec, so the reader and the CLI can be tested without the recorder. It follows docs/recording-format.md
# (version 2); it is not a recorder.
from __future__ import annotations

import json
import os
import sqlite3
import sys
from typing import Callable, Dict, List, Optional, Sequence, Tuple

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
NATIVE_DIR = os.path.join(REPO_ROOT, "native")
SCHEMA_FILE = os.path.join(NATIVE_DIR, "watercodeflow", "schema.sql")
STEP_KINDS = {"line": 0, "call": 1, "return": 2, "exception": 3}

if NATIVE_DIR not in sys.path:
    sys.path.insert(0, NATIVE_DIR)
from watercodeflow.chunk_codec import CHUNKED_TABLES, SCOPE_KIND_CODES, decode_rows, encode_chunk  # noqa: E402

class HandmadeRecording:
    """Rows of the chunked tables are kept in their stored column order (chunk_codec.CHUNKED_TABLES) and written
    at finish() in chunks of `rows_per_chunk` rows, every second chunk zlib-compressed, so that every reader
    test also reads several chunks per table in both forms."""

    def __init__(self, path: str, schema_version: int = 2, rows_per_chunk: int = 5):
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.db = sqlite3.connect(path)
        with open(SCHEMA_FILE, encoding="utf-8") as handle:
            self.db.executescript(handle.read())
        self.meta = {"schema_version": str(schema_version), "format": "watercodeflow-recording",
                     "created_at": "2026-11-22T04:00:00Z", "recorder": "python", "tracer": "settrace",
                     "python_version": "3.11.7", "program": "/src/prog.py", "argv": json.dumps(["/src/prog.py"]),
                     "cwd": "/src", "mode": "deep", "just_my_code": "1",
                     "limits": json.dumps({"maxRepr": 200, "maxItems": 100, "maxDepth": 4}),
                     "status": "recording", "start_ns": "1000000000"}
        self.rows_per_chunk = rows_per_chunk
        self.chunked: Dict[str, List[tuple]] = {table: [] for table in CHUNKED_TABLES}
        self._ids: Dict[str, int] = {}
        self._names: Dict[str, int] = {}
        self._files: Dict[str, int] = {}
        self._types: Dict[str, int] = {}
        self.step_count = 0

    def _next(self, table: str) -> int:
        self._ids[table] = self._ids.get(table, 0) + 1
        return self._ids[table]

    def type_id(self, name: str) -> int:
        if name not in self._types:
            self._types[name] = len(self._types) + 1
            self.db.execute("INSERT INTO types VALUES (?, ?)", (self._types[name], name))
        return self._types[name]

    def code(self, path: str, name: str, qualname: Optional[str] = None, first_line: int = 1) -> int:
        if path not in self._files:
            self._files[path] = self._next("files")
            self.db.execute("INSERT INTO files VALUES (?, ?)", (self._files[path], path))
        code_id = self._next("code")
        self.db.execute("INSERT INTO code VALUES (?, ?, ?, ?, ?)",
                        (code_id, self._files[path], name, qualname or name, first_line))
        return code_id

    def thread(self, ident: int, name: str, first_step: int) -> int:
        thread_id = self._next("threads")
        self.db.execute("INSERT INTO threads VALUES (?, ?, ?, ?)", (thread_id, ident, name, first_step))
        return thread_id

    def globals_scope(self, module: str = "__main__") -> int:
        scope_id = self._next("scopes")
        self.chunked["scopes"].append((scope_id, SCOPE_KIND_CODES["globals"], None, module))
        return scope_id

    def frame(self, code_id: int, call_step: int, globals_scope: int, parent: Optional[int] = None,
              thread_id: int = 1, depth: int = 0, module_level: bool = False) -> Tuple[int, int]:
        """Returns (frame_id, locals_scope); a module-level frame uses its globals scope as locals."""
        frame_id = self._next("frames")
        if module_level:
            locals_scope = globals_scope
        else:
            locals_scope = self._next("scopes")
            self.chunked["scopes"].append((locals_scope, SCOPE_KIND_CODES["locals"], frame_id, None))
        self.chunked["frames"].append((frame_id, parent, code_id, thread_id, depth, locals_scope, globals_scope,
                                       call_step))
        return frame_id, locals_scope

    def end_frame(self, frame_id: int, end_step: int) -> None:
        self.chunked["frame_ends"].append((frame_id, end_step))

    def step(self, kind: str, frame_id: int, line: int) -> int:
        step = self.step_count
        self.chunked["steps"].append((STEP_KINDS[kind], frame_id, line))
        self.step_count += 1
        return step

    def scalar(self, value) -> int:
        return self.raw_scalar(type(value).__name__, repr(value))

    def raw_scalar(self, type_name: str, text: str) -> int:
        value_id = self._next("vals")
        self.chunked["vals"].append((value_id, self.type_id(type_name), text, None))
        return value_id

    def obj(self, kind: str, type_name: str, first_step: int, display: Optional[str] = None) -> Tuple[int, int]:
        """Returns (object_id, value_id) of a new object."""
        object_id = self._next("objects")
        self.chunked["objects"].append((object_id, self.type_id(type_name), kind, first_step))
        value_id = self._next("vals")
        self.chunked["vals"].append((value_id, self.type_id(type_name), display, object_id))
        return object_id, value_id

    def state(self, object_id: int, step: int, children: Sequence[Tuple[object, int]], length: Optional[int] = None,
              cut: int = 0) -> None:
        self.chunked["object_states"].append(
            (object_id, step, len(children) + max(cut, 0) if length is None else length, cut, 0,
             json.dumps([list(child) for child in children])))

    def delta_state(self, object_id: int, step: int, changes: Sequence[Tuple[int, object, int]], length: int,
                    cut: int = 0) -> None:
        """A delta row: `changes` are (position, key, value_id) of the children that differ from the previous
        state's (cut to length - cut entries)."""
        self.chunked["object_states"].append(
            (object_id, step, length, cut, 1, json.dumps([list(change) for change in changes])))

    def bind(self, step: int, scope_id: int, name: str, value_id: Optional[int]) -> None:
        if name not in self._names:
            self._names[name] = self._next("names")
            self.db.execute("INSERT INTO names VALUES (?, ?)", (self._names[name], name))
        self.chunked["bindings"].append((step, scope_id, self._names[name], value_id))

    def returned(self, step: int, frame_id: int, value_id: Optional[int]) -> None:
        self.chunked["returns"].append((step, frame_id, value_id))

    def exception(self, step: int, frame_id: int, type_name: str, message: str, kind: str) -> None:
        self.db.execute("INSERT INTO exceptions VALUES (?, ?, ?, ?, ?, ?)",
                        (step, frame_id, type_name, message, "Traceback ...", kind))

    def output(self, step: int, stream: str, text: str) -> None:
        self.db.execute("INSERT INTO output VALUES (?, ?, ?)", (step, stream, text))

    def write_chunks(self) -> None:
        for table, rows in self.chunked.items():
            for seq, start in enumerate(range(0, len(rows), self.rows_per_chunk)):
                part = rows[start:start + self.rows_per_chunk]
                self.db.execute("INSERT INTO chunks VALUES (?, ?, ?, ?, ?)",
                                (table, seq, start, len(part), encode_chunk(table, part, compress=seq % 2 == 1)))
            rows.clear()

    def finish(self, status: str = "complete", exit_code: Optional[int] = 0, end_ns: Optional[int] = None) -> str:
        self.meta["status"] = status
        if status != "recording":
            self.meta["step_count"] = str(self.step_count)
            self.meta["end_ns"] = str(end_ns if end_ns is not None else 1000000000 + 1000 * self.step_count)
            if exit_code is not None:
                self.meta["exit_code"] = str(exit_code)
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", sorted(self.meta.items()))
        self.write_chunks()
        self.db.commit()
        self.db.close()
        return self.path


def edit_stored_rows(path: str, table: str, edit: Callable[[tuple], tuple]) -> None:
    """Rewrites every chunk of `table` in the recording at `path` with edit(row) for each row (rows in stored
    column order, `steps` rows with their step first); row counts stay as they are."""
    db = sqlite3.connect(path)
    try:
        for seq, first_row, row_count, data in db.execute(
                "SELECT seq, first_row, row_count, data FROM chunks WHERE tbl = ? ORDER BY seq", (table,)).fetchall():
            rows = [edit(row) for row in decode_rows(table, data, row_count, first_row)]
            if table == "steps":
                rows = [row[1:] for row in rows]
            db.execute("UPDATE chunks SET data = ? WHERE tbl = ? AND seq = ?", (encode_chunk(table, rows), table, seq))
        db.commit()
    finally:
        db.close()


# The program the standard fixture pretends to have recorded (line numbers matter):
ALIAS_PROGRAM = """\
X = 10
def grow(items, n):
    items.append(n)
    return len(items)
data = [1]
alias = data
size = grow(data, 2)
del alias
"""


def write_alias_recording(path: str, status: str = "complete", schema_version: int = 2) -> str:
    """ALIAS_PROGRAM recorded by hand: aliasing, a mutation in a callee, a deletion. See the step table."""
    rec = HandmadeRecording(path, schema_version)
    main_thread = rec.thread(140000, "MainThread", 0)
    module_code = rec.code("/src/prog.py", "<module>", first_line=1)
    grow_code = rec.code("/src/prog.py", "grow", first_line=2)
    g = rec.globals_scope()
    module_frame, _ = rec.frame(module_code, 0, g, module_level=True, thread_id=main_thread)
    ten, two = rec.scalar(10), rec.scalar(2)
    _fn_obj, fn_val = rec.obj("opaque", "function", 3, display="<function grow>")
    rec.step("call", module_frame, 1)               # 0
    rec.step("line", module_frame, 1)               # 1  X = 10
    rec.step("line", module_frame, 2)               # 2  def grow
    rec.bind(2, g, "X", ten)
    rec.step("line", module_frame, 5)               # 3  data = [1]
    rec.bind(3, g, "grow", fn_val)
    rec.step("line", module_frame, 6)               # 4  alias = data
    lst, lst_val = rec.obj("list", "list", 4)
    rec.state(lst, 4, [(0, rec.scalar(1))])
    rec.bind(4, g, "data", lst_val)
    rec.step("line", module_frame, 7)               # 5  size = grow(data, 2)
    rec.bind(5, g, "alias", lst_val)
    grow_frame, grow_locals = rec.frame(grow_code, 6, g, parent=module_frame, depth=1)
    rec.step("call", grow_frame, 2)                 # 6
    rec.bind(6, grow_locals, "items", lst_val)
    rec.bind(6, grow_locals, "n", two)
    rec.step("line", grow_frame, 3)                 # 7  items.append(n)
    rec.step("line", grow_frame, 4)                 # 8  return len(items)
    rec.state(lst, 8, [(0, rec.scalar(1)), (1, two)])
    rec.step("return", grow_frame, 4)               # 9
    rec.end_frame(grow_frame, 9)
    rec.returned(9, grow_frame, two)
    rec.step("line", module_frame, 8)               # 10 del alias
    rec.bind(10, g, "size", two)
    rec.output(10, "stdout", "hello\n")
    rec.step("return", module_frame, 8)             # 11
    rec.bind(11, g, "alias", None)
    if status != "recording":
        rec.end_frame(module_frame, 11)
    return rec.finish(status=status)
