# Tests of native/watercodeflow/writer.py on its own: v1-shaped rows in, version-2 chunks out (one per table and
# flush, contiguous seq/first_row), add_chunk() for encoded chunks, a failed flush writes nothing, no indexes,
# size_on_disk() as the closed file's size.
import os
import sqlite3
import stat
import sys
import unittest

from .recording_checks import NATIVE_DIR, expanded, temporary_dir

if NATIVE_DIR not in sys.path:
    sys.path.insert(0, NATIVE_DIR)
from watercodeflow.chunk_codec import decode_rows, encode_chunk  # noqa: E402
from watercodeflow.writer import SCHEMA_VERSION, RecordingWriter, RecordingWriterError  # noqa: E402


class WriterTest(unittest.TestCase):
    def setUp(self):
        self.path = os.path.join(temporary_dir("wcf-writer-"), "w.wcf")
        self.writer = RecordingWriter(self.path)
        self.writer.set_meta([("schema_version", str(SCHEMA_VERSION)), ("format", "watercodeflow-recording"),
                              ("status", "recording")])

    def add_module_run(self, first_step, count):
        """`count` line steps of frame 1 from `first_step`, each binding x to a new int."""
        rows = self.writer.rows
        for step in range(first_step, first_step + count):
            rows["steps"].append((step, 0, 1, step + 1))
            rows["vals"].append((step + 1, "int", str(step), None))
            rows["bindings"].append((step, 1, 1, step + 1))

    def chunks(self):
        db = sqlite3.connect(self.path)
        try:
            return db.execute("SELECT tbl, seq, first_row, row_count FROM chunks ORDER BY tbl, seq").fetchall()
        finally:
            db.close()

    def test_python_rows_become_chunks_and_read_back_in_the_v1_layout(self):
        writer, rows = self.writer, self.writer.rows
        rows["files"].append((1, "/src/p.py"))
        rows["code"].append((1, 1, "<module>", "<module>", 1))
        rows["names"].append((1, "x"))
        rows["scopes"].append((1, "globals", None, "__main__"))
        rows["scopes"].append((2, "locals", 2, None))
        writer.add_frame((1, None, 1, 1, 0, 1, 1, 0, None))
        self.add_module_run(0, 3)
        rows["objects"].append((1, "mod.Point", "instance", 2))
        rows["object_states"].append((1, 2, 1, '[["x",3]]', 0))
        writer.flush()
        self.add_module_run(3, 2)
        writer.end_frame(1, 4)
        rows["returns"].append((4, 1, None))
        writer.close([("status", "complete")])

        self.assertEqual(self.chunks(), [
            ("bindings", 0, 0, 3), ("bindings", 1, 3, 2), ("frame_ends", 0, 0, 1), ("frames", 0, 0, 1),
            ("object_states", 0, 0, 1), ("objects", 0, 0, 1), ("returns", 0, 0, 1), ("scopes", 0, 0, 2),
            ("steps", 0, 0, 3), ("steps", 1, 3, 2), ("vals", 0, 0, 3), ("vals", 1, 3, 2)])
        db = expanded(self.path)
        self.addCleanup(db.close)
        self.assertEqual(db.execute("SELECT * FROM steps").fetchall(), [(s, 0, 1, s + 1) for s in range(5)])
        self.assertEqual(db.execute("SELECT frame_id, end_step FROM frames").fetchall(), [(1, 4)])
        self.assertEqual(db.execute("SELECT * FROM scopes").fetchall(),
                         [(1, "globals", None, "__main__"), (2, "locals", 2, None)])
        self.assertEqual(db.execute("SELECT * FROM types ORDER BY type_id").fetchall(), [(1, "int"), (2, "mod.Point")])
        self.assertEqual(db.execute("SELECT type, repr FROM vals WHERE value_id = 4").fetchall(), [("int", "3")])
        self.assertEqual(db.execute("SELECT * FROM objects").fetchall(), [(1, "mod.Point", "instance", 2)])
        self.assertEqual(db.execute("SELECT * FROM object_states").fetchall(), [(1, 2, 1, '[["x",3]]', 0)])
        self.assertEqual(db.execute("SELECT value FROM meta WHERE key = 'status'").fetchall(), [("complete",)])

    def test_encoded_chunks_are_numbered_with_the_python_rows_in_the_order_given(self):
        writer = self.writer
        writer.add_chunk("steps", 2, encode_chunk("steps", [(1, 1, 1), (0, 1, 2)]))
        self.add_module_run(2, 2)  # Python rows after the queued chunk: steps 2, 3
        writer.flush()
        writer.add_chunk("steps", 1, encode_chunk("steps", [(2, 1, 9)]))
        writer.add_chunk("bindings", 1, encode_chunk("bindings", [(4, 1, 1, None)]))
        self.assertEqual(writer.pending_steps(), 1)
        writer.close([])
        self.assertEqual([row for row in self.chunks() if row[0] in ("steps", "bindings")],
                         [("bindings", 0, 0, 2), ("bindings", 1, 2, 1),
                          ("steps", 0, 0, 2), ("steps", 1, 2, 2), ("steps", 2, 4, 1)])
        db = sqlite3.connect(self.path)
        self.addCleanup(db.close)
        steps = []
        for first_row, count, data in db.execute("SELECT first_row, row_count, data FROM chunks WHERE tbl = 'steps' "
                                                 "ORDER BY seq"):
            steps += decode_rows("steps", data, count, first_row)
        self.assertEqual(steps, [(0, 1, 1, 1), (1, 0, 1, 2), (2, 0, 1, 3), (3, 0, 1, 4), (4, 2, 1, 9)])

    def test_add_chunk_of_an_unknown_table_is_refused(self):
        with self.assertRaisesRegex(RecordingWriterError, "'names' is not a chunked table"):
            self.writer.add_chunk("names", 1, b"\x00")

    def test_a_flush_that_fails_writes_nothing_and_keeps_the_rows(self):
        writer = self.writer
        self.add_module_run(0, 2)
        writer.flush()
        self.add_module_run(5, 1)  # steps 2..4 are missing
        with self.assertRaisesRegex(RecordingWriterError, "steps are not contiguous: a flush starts at step 5"):
            writer.flush()
        self.assertEqual(len(writer.rows["steps"]), 1)
        writer.rows["steps"][0] = (2,) + writer.rows["steps"][0][1:]
        writer.rows["bindings"][0] = (2,) + writer.rows["bindings"][0][1:]
        writer.rows["names"].append(("a row of the wrong shape",))
        with self.assertRaises(sqlite3.Error):  # after the chunks were inserted: rolled back
            writer.flush()
        writer.rows["names"][0] = (1, "x")
        writer.close([])
        self.assertEqual([row for row in self.chunks() if row[0] == "steps"],
                         [("steps", 0, 0, 2), ("steps", 1, 2, 1)])

    def test_size_on_disk_is_the_size_of_the_closed_file(self):
        for start in range(0, 20000, 2000):  # ten commits
            self.add_module_run(start, 2000)
            self.writer.flush()
        estimate = self.writer.size_on_disk()
        self.assertEqual(estimate, os.path.getsize(self.path))  # a commit writes its pages into the file itself
        self.writer.close([("status", "complete")])
        self.assertLessEqual(abs(os.path.getsize(self.path) - estimate), 4096)  # the final meta: one page at most
        self.assertEqual(self.writer.size_on_disk(), os.path.getsize(self.path))

    def test_the_file_is_private_and_has_no_indexes_but_the_chunk_order(self):
        self.add_module_run(0, 3)
        self.writer.close([])
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)
        self.assertEqual([name for name in os.listdir(os.path.dirname(self.path))], ["w.wcf"])  # no journal left
        db = sqlite3.connect(self.path)
        self.addCleanup(db.close)
        indexes = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                                  "AND name NOT LIKE 'sqlite_autoindex_%'")]
        self.assertEqual(indexes, ["chunks_order"])


if __name__ == "__main__":
    unittest.main()
