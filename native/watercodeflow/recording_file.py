# Opens a recording file read-only and decides whether it can be read: missing/empty/truncated/foreign files,
# schema version refusal, missing tables. It must not interpret steps or values (recording_expand.py reads them).
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from typing import Dict, Optional
from urllib.parse import quote

from .recording_error import RecordingError, damaged_recording_error

SUPPORTED_SCHEMA_VERSION = 2
RECORDING_FORMAT_NAME = "watercodeflow-recording"
SQLITE_MAGIC = b"SQLite format 3\x00"
# The first bytes of a rollback journal that still holds pages to put back (a finished commit zeroes them).
JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
# Tables every version-2 file has (the others may be absent from a file written by another tool).
_CORE_TABLES = ("meta", "chunks", "files", "code", "names", "types")


@dataclass
class OpenedRecordingFile:
    """A recording that passed every opening check; `db` is the file, opened read-only."""
    db: sqlite3.Connection
    meta: Dict[str, str]
    schema_version: int


def open_recording_file(path: str) -> OpenedRecordingFile:
    """Checks and opens `path`; raises RecordingError with what to do when it cannot be read."""
    recover_interrupted_commit(path)
    check_file(path)
    db = connect_read_only(path)
    try:
        meta = read_meta(db, path)
        schema_version = check_version(meta, path)
        check_tables(db, path)
    except sqlite3.DatabaseError as error:
        db.close()
        raise damaged_recording_error(path, error) from error
    except RecordingError:
        db.close()
        raise
    return OpenedRecordingFile(db, meta, schema_version)


def journal_is_live(path: str) -> bool:
    """True when `path`-journal holds the pages of a commit that did not finish (or one still under way)."""
    try:
        with open(path + "-journal", "rb") as journal:
            return journal.read(len(JOURNAL_MAGIC)) == JOURNAL_MAGIC
    except OSError:
        return False


def recover_interrupted_commit(path: str) -> None:
    """A recorder killed inside a commit leaves the file with part of that commit and a journal of the pages as
    they were before it. A read-only connection refuses such a file; one that may write puts the old pages
    back (SQLite's own rollback, and only when no live process holds the file), leaving everything up to the
    last finished commit. This is the one write a reader makes."""
    if not os.path.isfile(path) or not journal_is_live(path):
        return
    try:
        db = sqlite3.connect("file:%s?mode=rw" % quote(os.path.abspath(path)), uri=True)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            db.close()
    except sqlite3.Error as error:
        raise RecordingError("%s was left half-written by a recorder that was killed while saving, and it could "
                             "not be repaired (%s): if its recorder is still running, wait for it to end; otherwise "
                             "open it once with write access to the file and its folder, which rolls the "
                             "unfinished write back" % (path, error)) from error


def check_file(path: str) -> None:
    """Refuses what is visibly not a complete recording before SQLite sees it (SQLite's own errors are vaguer)."""
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
    # With a WAL file beside it (recordings before the rollback journal) the main file may legitimately lag;
    # only judge a file without one.
    if header_count_valid and page_count and not os.path.exists(path + "-wal"):
        expected = page_size * page_count
        actual = os.path.getsize(path)
        if actual < expected:
            raise RecordingError("%s is truncated: %d bytes of %d (the file was cut short, e.g. by a "
                                 "copy or disk full); re-record or restore the full file"
                                 % (path, actual, expected))


def connect_read_only(path: str) -> sqlite3.Connection:
    uri = "file:%s?mode=ro" % quote(os.path.abspath(path))
    try:
        db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        db.execute("PRAGMA query_only = 1")
        return db
    except sqlite3.DatabaseError as error:
        raise damaged_recording_error(path, error) from error


def read_meta(db: sqlite3.Connection, path: str) -> Dict[str, str]:
    try:
        rows = db.execute("SELECT key, value FROM meta").fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            raise RecordingError("%s is an SQLite file but not a WaterCodeFlow recording (it has no meta "
                                 "table)" % path) from error
        raise
    meta = {str(key): str(value) for key, value in rows}
    if meta.get("format", RECORDING_FORMAT_NAME) != RECORDING_FORMAT_NAME:
        raise RecordingError("%s is not a WaterCodeFlow recording (meta.format is %r)"
                             % (path, meta.get("format")))
    return meta


def check_version(meta: Dict[str, str], path: str) -> int:
    """The recording's schema version, when this reader can read it (docs/recording-format.md, versioning)."""
    raw = meta.get("schema_version")
    if raw is None:
        raise RecordingError("%s has no meta.schema_version: not a WaterCodeFlow recording, or it was "
                             "killed before its header was written" % path)
    try:
        version = int(raw)
    except ValueError as error:
        raise RecordingError("%s has an unreadable schema_version %r" % (path, raw)) from error
    if version > SUPPORTED_SCHEMA_VERSION:
        raise RecordingError("this recording has format version %d; this WaterCodeFlow reads up to version "
                             "%d \u2014 update WaterCodeFlow" % (version, SUPPORTED_SCHEMA_VERSION))
    if version == 1:
        raise RecordingError("%s was recorded by an older WaterCodeFlow (format version 1; this one reads version "
                             "%d): record the program again" % (path, SUPPORTED_SCHEMA_VERSION))
    if version < 1:
        raise RecordingError("%s has schema_version %d, which no WaterCodeFlow ever wrote" % (path, version))
    return version


def check_tables(db: sqlite3.Connection, path: str) -> None:
    present = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [name for name in _CORE_TABLES if name not in present]
    if missing == ["chunks"] and "steps" in present:
        raise RecordingError("%s is a plain-SQL export of a recording (`watercodeflow export --format sqlite`), "
                             "not a recording: open the recording it was exported from" % path)
    if missing:
        raise RecordingError("%s lacks the tables %s: it is damaged or was not written by WaterCodeFlow"
                             % (path, ", ".join(missing)))


def meta_int(meta: Dict[str, str], key: str) -> Optional[int]:
    """An integer meta value, None when absent, empty or unreadable (a killed run may lack the end values)."""
    text = meta.get(key)
    try:
        return None if text is None or text == "" else int(text)
    except ValueError:
        return None
