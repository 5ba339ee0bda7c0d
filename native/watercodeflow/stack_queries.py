# Steps, frames, stacks and threads of an opened recording, and which step caused a change seen at a step.
# A mixin of reader.Recording (uses its _db, path, code, threads, step_count); it must not render values.
from __future__ import annotations

import sqlite3
from typing import Dict, List, Optional, Tuple

from .reader_records import STEP_KIND_NAMES, Frame
from .recording_error import RecordingError


class StackQueries:
    _db: sqlite3.Connection
    path: str
    code: Dict[int, Tuple[str, str, str, int]]
    threads: Dict[int, Tuple[int, str, int]]
    step_count: int

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
