# The recording file writer: creates the SQLite file (0600, WAL), buffers rows, flushes them in batches.
# Knows the schema (schema.sql) but nothing about Python frames or values; callers pass ready-made rows.
import json
import os
import sqlite3
import time

SCHEMA_VERSION = 1
_HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(_HERE, "schema.sql")
INDEXES_PATH = os.path.join(_HERE, "schema_indexes.sql")

# Buffered tables and their INSERT statements, in flush order (frames before frame_ends).
_INSERTS = (
    ("files", "INSERT INTO files (file_id, path) VALUES (?, ?)"),
    ("code", "INSERT INTO code (code_id, file_id, name, qualname, first_line) VALUES (?, ?, ?, ?, ?)"),
    ("threads", "INSERT INTO threads (thread_id, ident, name, first_step) VALUES (?, ?, ?, ?)"),
    ("scopes", "INSERT INTO scopes (scope_id, kind, frame_id, module) VALUES (?, ?, ?, ?)"),
    ("frames", "INSERT INTO frames (frame_id, parent_id, code_id, thread_id, depth, locals_scope,"
               " globals_scope, call_step, end_step) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    ("frame_ends", "UPDATE frames SET end_step = ? WHERE frame_id = ?"),
    ("steps", "INSERT INTO steps (step, kind, frame_id, line) VALUES (?, ?, ?, ?)"),
    ("names", "INSERT INTO names (name_id, name) VALUES (?, ?)"),
    ("vals", "INSERT INTO vals (value_id, type, repr, object_id) VALUES (?, ?, ?, ?)"),
    ("bindings", "INSERT INTO bindings (step, scope_id, name_id, value_id) VALUES (?, ?, ?, ?)"),
    ("objects", "INSERT INTO objects (object_id, type, kind, first_step) VALUES (?, ?, ?, ?)"),
    ("object_states", "INSERT INTO object_states (object_id, step, length, children, cut)"
                      " VALUES (?, ?, ?, ?, ?)"),
    ("returns", "INSERT INTO returns (step, frame_id, value_id) VALUES (?, ?, ?)"),
    ("exceptions", "INSERT INTO exceptions (step, frame_id, type, message, traceback, kind)"
                   " VALUES (?, ?, ?, ?, ?, ?)"),
    ("output", "INSERT INTO output (step, stream, text) VALUES (?, ?, ?)"),
    ("watches", "INSERT INTO watches (step, name, value_id) VALUES (?, ?, ?)"),
    ("notices", "INSERT INTO notices (step, kind, message) VALUES (?, ?, ?)"),
)

FLUSH_EVERY_STEPS = 4096


class RecordingWriterError(Exception):
    """The recording file could not be created or written; the message says which file and why."""


class RecordingWriter:
    def __init__(self, path):
        self.path = path
        self.rows = {table: [] for table, _ in _INSERTS}
        # Frames are inserted with end_step NULL; an end inside the same batch is patched in place.
        self._pending_frames = {}
        self.closed = False
        self._create_file()
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        # OFF survives a killed process (the OS keeps the written pages); only power loss can lose data.
        self.conn.execute("PRAGMA synchronous=OFF")
        with open(SCHEMA_PATH, "r", encoding="utf-8") as schema:
            self.conn.executescript(schema.read())
        self.conn.execute("BEGIN")

    def _create_file(self):
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(self.path + suffix)
            except FileNotFoundError:
                pass
            except OSError as error:
                raise RecordingWriterError(
                    "cannot replace the existing recording %r: %s" % (self.path + suffix, error)
                ) from None
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except OSError as error:
            raise RecordingWriterError(
                "cannot create the recording %r: %s (choose another --out)" % (self.path, error)
            ) from None
        os.close(fd)

    # -- rows -------------------------------------------------------------------------------------

    def add_frame(self, row):
        self.rows["frames"].append(row)
        self._pending_frames[row[0]] = len(self.rows["frames"]) - 1

    def end_frame(self, frame_id, end_step):
        index = self._pending_frames.pop(frame_id, None)
        if index is not None:
            frames = self.rows["frames"]
            frames[index] = frames[index][:8] + (end_step,)
        else:
            self.rows["frame_ends"].append((end_step, frame_id))

    def set_meta(self, items):
        self.conn.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [
                (key, value if isinstance(value, str) else json.dumps(value))
                for key, value in items
                if value is not None
            ],
        )

    def flush(self):
        """Write every buffered row and commit: a killed run keeps everything up to here."""
        if self.closed:
            return
        for table, sql in _INSERTS:
            rows = self.rows[table]
            if rows:
                self.conn.executemany(sql, rows)
                rows.clear()
        self._pending_frames.clear()
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN")

    def pending_steps(self):
        return len(self.rows["steps"])

    def size_on_disk(self):
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += os.stat(self.path + suffix).st_size
            except OSError:
                pass
        return total

    def close(self, meta_items):
        """Flush, write the final meta, build the indexes, fold the WAL back into one file."""
        if self.closed:
            return
        self.flush()
        self.set_meta(meta_items)
        self.conn.execute("COMMIT")
        with open(INDEXES_PATH, "r", encoding="utf-8") as indexes:
            self.conn.executescript(indexes.read())
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.execute("PRAGMA journal_mode=DELETE")
        self.conn.close()
        self.closed = True

    def abandon(self):
        """In a forked child: never touch the parent's file again (not even a rollback on close)."""
        _ABANDONED.append(self.conn)
        self.closed = True


# Connections a forked child inherited; kept referenced so their finalizer never runs in the child.
_ABANDONED = []


def now_ns():
    return time.time_ns()
