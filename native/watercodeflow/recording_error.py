# The one error a recording reader raises for user-facing failures (missing, damaged, newer or foreign files).
# It owns only the error type and its wording; it must not open files or decide when a recording is unreadable.
from __future__ import annotations


class RecordingError(Exception):
    """A recording cannot be read; the message says why and what to do."""


def damaged_recording_error(path: str, error: Exception) -> RecordingError:
    return RecordingError("%s is damaged or not a WaterCodeFlow recording (SQLite says: %s); re-record, or "
                          "restore the complete file" % (path, error))


def damaged_chunk_error(path: str, table: str, seq: int, detail: str) -> RecordingError:
    return RecordingError("%s is damaged: chunk %s of table %s %s; re-record the program, or restore the complete "
                          "file" % (path, seq, table, detail))
