# `watercodeflow export REC --format sqlite --out FILE`: writes the reader's expanded copy of a recording (the
# v1 row layout, indexed: recording_expand.py) to FILE, for plain SQL. It never writes the recording itself, and
# FILE is private (0600) like the recording it copies.
from __future__ import annotations

import os
import sqlite3

from .recording_expand import expand

EXPORT_INDEXES_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "export_indexes.sql")


def write_expanded(recording: str, out: str) -> None:
    """Expands `recording` into `out` (replaced if it exists; nothing is left behind on failure). Raises
    RecordingError for an unreadable recording, OSError or sqlite3.Error when `out` cannot be written."""
    expanded = expand(recording)
    partial = out + ".partial"
    try:
        with open(EXPORT_INDEXES_PATH, encoding="utf-8") as indexes:
            expanded.executescript(indexes.read())
        if os.path.exists(partial):
            os.unlink(partial)
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        target = sqlite3.connect(partial)
        try:
            expanded.backup(target)
        finally:
            target.close()
        os.replace(partial, out)
    finally:
        expanded.close()
        if os.path.exists(partial):
            os.unlink(partial)
