# The recording file writer: creates the SQLite file (0600, rollback journal), buffers rows, flushes them in
# batches: the high-volume tables as one chunk per table and flush (chunk_codec.py), the rest as plain rows.
# Knows the schema (schema.sql) but nothing about Python frames or values; callers pass ready-made rows.
import os
import time

try:
    # sqlite3's C module: the package around it adds only datetime adapters (unused here) and ~2 ms of imports to
    # every recording's start-up; a later `import sqlite3` by the program finds the same module
    import _sqlite3 as sqlite3
except ImportError:
    import sqlite3

from . import json_text
from .chunk_codec import CHUNKED_TABLES, SCOPE_KIND_CODES, encode_chunk_smallest

SCHEMA_VERSION = 2
_HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(_HERE, "schema.sql")

# Plain tables and their INSERT statements.
_PLAIN_INSERTS = (
    ("files", "INSERT INTO files (file_id, path) VALUES (?, ?)"),
    ("code", "INSERT INTO code (code_id, file_id, name, qualname, first_line) VALUES (?, ?, ?, ?, ?)"),
    ("threads", "INSERT INTO threads (thread_id, ident, name, first_step) VALUES (?, ?, ?, ?)"),
    ("names", "INSERT INTO names (name_id, name) VALUES (?, ?)"),
    ("types", "INSERT INTO types (type_id, name) VALUES (?, ?)"),
    ("exceptions", "INSERT INTO exceptions (step, frame_id, type, message, traceback, kind)"
                   " VALUES (?, ?, ?, ?, ?, ?)"),
    ("output", "INSERT INTO output (step, stream, text) VALUES (?, ?, ?)"),
    ("watches", "INSERT INTO watches (step, name, value_id) VALUES (?, ?, ?)"),
    ("notices", "INSERT INTO notices (step, kind, message) VALUES (?, ?, ?)"),
    ("buffer_writes", "INSERT INTO buffer_writes (step, object_id, offset, length, before, after, kind)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?)"),
)
_CHUNK_INSERT = "INSERT INTO chunks (tbl, seq, first_row, row_count, data) VALUES (?, ?, ?, ?, ?)"

FLUSH_EVERY_STEPS = 4096


class RecordingWriterError(Exception):
    """The recording file could not be created or written; the message says which file and why."""


class RecordingWriter:
    """rows[table] takes the rows of every table. The pure-Python recorder gives the chunked tables in the
    shapes of format v1 (steps with their step, frames with end_step, scope kinds and type names as text,
    object_states as (object_id, step, length, children, cut)); translate() turns them into v2 rows at flush."""

    def __init__(self, path):
        self.path = path
        self.rows = {table: [] for table, _ in _PLAIN_INSERTS}
        self.rows.update({table: [] for table in CHUNKED_TABLES})
        # Per chunked table: (next seq, rows in all chunks so far). Advanced only once a flush committed.
        self._chunk_counters = {table: (0, 0) for table in CHUNKED_TABLES}
        self._queued_chunks = []  # (table, row_count, data) from add_chunk, in the order given
        self._type_ids = {}  # type name -> type_id, for the type names of Python-shaped vals/objects rows
        self.closed = False
        self._create_file()
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # OFF survives a killed process (the OS keeps the written pages); only power loss can lose data.
        self.conn.execute("PRAGMA synchronous=OFF")
        # A rollback journal, not WAL: the recording only appends, so a commit journals the few b-tree pages
        # it changes and writes the new pages once, where WAL writes every page twice (into the WAL, then the
        # checkpoint): about a tenth of a tight loop's recording time, a fifth of a numpy run's. A process
        # killed inside a commit leaves a hot journal; readers roll it back (recording_file.py).
        # PERSIST keeps the journal file between commits instead of creating and deleting it every time.
        self.conn.execute("PRAGMA journal_mode=PERSIST")
        with open(SCHEMA_PATH, "r", encoding="utf-8") as schema:
            # one transaction: each DDL statement committed alone costs a journal round of its own (~1 ms in all)
            self.conn.executescript("BEGIN;\n" + schema.read() + "\nCOMMIT;")
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

    def end_frame(self, frame_id, end_step):
        self.rows["frame_ends"].append((frame_id, end_step))

    def add_chunk(self, table, row_count, data):
        """Queue an encoded chunk of a chunked table (from the C recorder core); written at the next flush,
        after the chunks queued before it, with its seq and first_row assigned here."""
        if table not in CHUNKED_TABLES:
            raise RecordingWriterError("add_chunk: %r is not a chunked table (known: %s)"
                                       % (table, ", ".join(CHUNKED_TABLES)))
        self._queued_chunks.append((table, int(row_count), bytes(data)))

    def set_meta(self, items):
        self.conn.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [
                (key, value if isinstance(value, str) else json_text.dumps(value))
                for key, value in items
                if value is not None
            ],
        )

    def _type_id(self, name):
        type_id = self._type_ids.get(name)
        if type_id is None:
            type_id = len(self._type_ids) + 1
            self._type_ids[name] = type_id
            self.rows["types"].append((type_id, name))
        return type_id

    def translate(self, table, rows):
        """The v2 rows (chunk_codec column order) of Python-shaped rows of a chunked table."""
        if table == "steps":
            first = self._chunk_counters["steps"][1] + sum(
                count for name, count, _ in self._queued_chunks if name == "steps")
            if [row[0] for row in rows] != list(range(first, first + len(rows))):
                raise RecordingWriterError("steps are not contiguous: a flush starts at step %d and ends at %d "
                                           "(%d rows), the recording has steps 0..%d"
                                           % (rows[0][0], rows[-1][0], len(rows), first - 1))
            return [row[1:] for row in rows]
        if table == "frames":
            return [row[:8] for row in rows]  # end_step, when given, goes through end_frame()
        if table == "scopes":
            codes = SCOPE_KIND_CODES
            return [(scope_id, codes[kind], frame_id, module) for scope_id, kind, frame_id, module in rows]
        if table in ("vals", "objects"):
            type_id = self._type_id
            return [(first, type_id(name), third, fourth) for first, name, third, fourth in rows]
        if table == "object_states":
            return [(object_id, step, length, cut, 0, children)
                    for object_id, step, length, children, cut in rows]
        return rows

    def flush(self):
        """Write every buffered row and queued chunk and commit: a killed run keeps everything up to here. On a
        failure nothing of this flush is written and the rows stay buffered."""
        if self.closed:
            return
        chunks = list(self._queued_chunks)
        for table in CHUNKED_TABLES:
            rows = self.rows[table]
            if rows:
                chunks.append((table, len(rows), encode_chunk_smallest(table, self.translate(table, rows))))
        self.write_batch(chunks, {table: self.rows[table] for table, _ in _PLAIN_INSERTS})
        self._queued_chunks.clear()
        for rows in self.rows.values():
            rows.clear()

    def _roll_back(self):
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self.conn.execute("BEGIN")
        except sqlite3.Error:
            pass  # the caller re-raises the first failure, which says more

    def take_plain_rows(self):
        """The buffered plain-table rows, moved out; the lists themselves stay (the C core appends to them)."""
        taken = {}
        for table, _ in _PLAIN_INSERTS:
            rows = self.rows[table]
            if rows:
                taken[table] = rows[:]
                del rows[:]
        return taken

    def write_batch(self, chunks, plain_rows):
        """Write encoded chunks [(table, row_count, data)] and plain rows {table: rows} in one transaction and
        commit (the C core's flushes). On a failure nothing of it is written."""
        if self.closed:
            return
        counters = dict(self._chunk_counters)
        entries = []
        for table, row_count, data in chunks:
            seq, first_row = counters[table]
            entries.append((table, seq, first_row, row_count, data))
            counters[table] = (seq + 1, first_row + row_count)
        try:
            if entries:
                self.conn.executemany(_CHUNK_INSERT, entries)
            for table, sql in _PLAIN_INSERTS:
                rows = plain_rows.get(table)
                if rows:
                    self.conn.executemany(sql, rows)
            self.conn.execute("COMMIT")
        except BaseException:
            self._roll_back()
            raise
        self._chunk_counters = counters
        self.conn.execute("BEGIN")

    def pending_steps(self):
        return len(self.rows["steps"]) + sum(count for table, count, _ in self._queued_chunks if table == "steps")

    def size_on_disk(self):
        """The size the file will have once closed: its pages (the journal is temporary and holds only copies of
        pages a commit changed)."""
        if not self.closed:
            try:
                pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
                return pages * self.conn.execute("PRAGMA page_size").fetchone()[0]
            except sqlite3.Error:
                pass
        try:
            return os.stat(self.path).st_size
        except OSError:
            return 0

    def close(self, meta_items):
        """Flush, write the final meta, remove the journal. The file has no indexes: readers index
        the chunks they load (docs/recording-format.md)."""
        if self.closed:
            return
        self.flush()
        self.set_meta(meta_items)
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA journal_mode=DELETE")  # removes the journal file: one file is left
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
