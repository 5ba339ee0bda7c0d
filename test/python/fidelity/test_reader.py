# Tests of native/watercodeflow/reader.py on hand-made recordings (handmade_recording.py): opening rules (newer
# and older versions, truncated, not SQLite, killed run), damaged chunks, delta states, stacks, scope values,
# rendering with cut markers, history.
from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from handmade_recording import NATIVE_DIR, HandmadeRecording, write_alias_recording  # noqa: E402

if NATIVE_DIR not in sys.path:
    sys.path.insert(0, NATIVE_DIR)
from watercodeflow.reader import (UNBOUNDED, Recording, RecordingError, RenderLimits,  # noqa: E402
                                  ValueRenderer, _ObjectState)
from watercodeflow.recording_expand import expand  # noqa: E402


class TempDirTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="wcf-reader-")

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def altered_alias(self, name: str, sql: str, *args, **recording) -> str:
        """write_alias_recording() into `name` (with `recording`'s options), then `sql` run on the file."""
        path = write_alias_recording(self.path(name), **recording)
        db = sqlite3.connect(path)
        db.execute(sql, args)
        db.commit()
        db.close()
        return path

    def two_threads(self):
        """A hand-made recording t.wcf with a main thread, a worker from step 2, and the codes of /src/t.py's
        module and of its work() at line 3: (rec, worker thread id, module code id, work code id)."""
        rec = HandmadeRecording(self.path("t.wcf"))
        rec.thread(1, "MainThread", 0)
        worker = rec.thread(2, "worker", 2)
        return rec, worker, rec.code("/src/t.py", "<module>"), rec.code("/src/t.py", "work", first_line=3)


class OpeningRules(TempDirTest):
    def test_newer_schema_version_is_refused_with_the_documented_message(self) -> None:
        write_alias_recording(self.path("new.wcf"), schema_version=3)
        with self.assertRaises(RecordingError) as caught:
            Recording(self.path("new.wcf"))
        self.assertEqual(str(caught.exception), "this recording has format version 3; this WaterCodeFlow reads up "
                                                "to version 2 \u2014 update WaterCodeFlow")

    def test_version_1_is_refused_with_what_to_do(self) -> None:
        write_alias_recording(self.path("old.wcf"), schema_version=1)
        with self.assertRaises(RecordingError) as caught:
            Recording(self.path("old.wcf"))
        self.assertEqual(str(caught.exception), "%s was recorded by an older WaterCodeFlow (format version 1; this "
                                                "one reads version 2): record the program again" % self.path("old.wcf"))

    def test_truncated_file_is_refused(self) -> None:
        full = write_alias_recording(self.path("full.wcf"))
        with open(full, "rb") as handle:
            data = handle.read()
        with open(self.path("cut.wcf"), "wb") as handle:
            handle.write(data[: len(data) // 2])
        with self.assertRaises(RecordingError) as caught:
            Recording(self.path("cut.wcf"))
        self.assertIn("truncated", str(caught.exception))

    def test_header_only_file_is_refused(self) -> None:
        full = write_alias_recording(self.path("full.wcf"))
        with open(full, "rb") as handle:
            data = handle.read(40)
        with open(self.path("tiny.wcf"), "wb") as handle:
            handle.write(data)
        with self.assertRaisesRegex(RecordingError, "truncated"):
            Recording(self.path("tiny.wcf"))

    def test_not_sqlite_empty_missing_and_foreign_sqlite_are_refused(self) -> None:
        with open(self.path("text.wcf"), "w") as handle:
            handle.write("hello, I am not a database\n" * 10)
        with self.assertRaisesRegex(RecordingError, "not an SQLite file"):
            Recording(self.path("text.wcf"))
        open(self.path("empty.wcf"), "wb").close()
        with self.assertRaisesRegex(RecordingError, "is empty"):
            Recording(self.path("empty.wcf"))
        with self.assertRaisesRegex(RecordingError, "no recording at"):
            Recording(self.path("missing.wcf"))
        db = sqlite3.connect(self.path("other.db"))
        db.execute("CREATE TABLE t (x)")
        db.commit()
        db.close()
        with self.assertRaisesRegex(RecordingError, "not a WaterCodeFlow recording"):
            Recording(self.path("other.db"))

    def test_damaged_pages_give_a_clear_error(self) -> None:
        full = write_alias_recording(self.path("full.wcf"))
        with open(full, "r+b") as handle:
            handle.seek(4096)  # page 2 onwards: b-tree pages of the tables
            handle.write(b"\xff" * 4096 * 3)
        with self.assertRaises(RecordingError) as caught:
            with Recording(full) as recording:
                recording.summary()
                for step in range(recording.step_count):
                    recording.stack_at(step)
        self.assertIn("damaged", str(caught.exception))

    def test_killed_run_is_read(self) -> None:
        write_alias_recording(self.path("killed.wcf"), status="recording")
        with Recording(self.path("killed.wcf")) as recording:
            self.assertTrue(recording.indexed_in_memory)
            summary = recording.summary()
            self.assertEqual(summary["status"], "recording")
            self.assertIsNone(summary["exit_code"])
            self.assertEqual(summary["steps"], 12)
            self.assertEqual([f.function for f in recording.stack_at(8)], ["grow", "<module>"])

    def test_reading_never_writes_the_file(self) -> None:
        path = write_alias_recording(self.path("ro.wcf"), status="recording")
        os.chmod(path, 0o400)
        before = os.stat(path)
        with open(path, "rb") as handle:
            content = handle.read()
        with Recording(path) as recording:
            recording.summary()
            list(recording.iter_events())
        with open(path, "rb") as handle:
            self.assertEqual(handle.read(), content)
        self.assertEqual(os.stat(path).st_mtime_ns, before.st_mtime_ns)
        self.assertEqual(sorted(os.listdir(self.dir)), ["ro.wcf"])


class SummaryCopy(TempDirTest):
    """Recording(summary_only=True) counts the steps instead of copying them: its summary must be the full one."""

    def assert_same_summary(self, path: str) -> None:
        with Recording(path) as full:
            expected = full.summary()
            step_count = full.step_count
        with Recording(path, summary_only=True) as counted:
            self.assertEqual(counted.step_count, step_count)
            self.assertEqual(counted.summary(), expected)
            self.assertEqual(counted._db.execute("SELECT COUNT(*) FROM steps").fetchone(), (0,))  # not copied

    def test_same_summary_as_the_full_copy(self) -> None:
        self.assert_same_summary(write_alias_recording(self.path("alias.wcf")))
        self.assert_same_summary(write_alias_recording(self.path("killed.wcf"), status="recording"))

    def test_same_summary_with_threads_and_frames_of_several_functions(self) -> None:
        rec, worker, module_code, work_code = self.two_threads()
        other_code = rec.code("/src/u.py", "other", first_line=7)
        g = rec.globals_scope()
        main_frame, _ = rec.frame(module_code, 0, g, module_level=True)
        rec.step("call", main_frame, 1)
        work_frame, _ = rec.frame(work_code, 1, g, thread_id=worker)
        rec.step("call", work_frame, 3)
        for line in (4, 5, 4, 5):
            rec.step("line", work_frame, line)
        other_frame, _ = rec.frame(other_code, 6, g)
        rec.step("call", other_frame, 7)
        rec.step("exception", other_frame, 8)
        rec.step("return", other_frame, 8)
        rec.end_frame(other_frame, 8)
        rec.step("return", work_frame, 5)
        rec.end_frame(work_frame, 9)
        rec.step("line", main_frame, 2)
        path = rec.finish()
        self.assert_same_summary(path)
        with Recording(path, summary_only=True) as counted:
            summary = counted.summary()
        self.assertEqual(summary["steps_by_kind"], {"line": 5, "call": 3, "return": 2, "exception": 1})
        self.assertEqual({item["function"]: item["steps"] for item in summary["functions"]},
                         {"<module>": 2, "work": 6, "other": 3})
        self.assertEqual(summary["files"], [{"path": "/src/t.py", "steps": 8}, {"path": "/src/u.py", "steps": 3}])

    def test_ragged_killed_run_counts_only_the_steps_present(self) -> None:
        # steps chunks hold 5 rows each: drop steps 10 and 11
        path = self.altered_alias("ragged.wcf", "DELETE FROM chunks WHERE tbl = 'steps' AND seq = 2",
                                  status="recording")
        self.assert_same_summary(path)
        with Recording(path, summary_only=True) as counted:
            self.assertEqual(counted.summary()["steps"], 10)

    def test_damaged_steps_chunk_is_still_an_error(self) -> None:
        path = self.altered_alias("bad.wcf", "UPDATE chunks SET data = X'0005' WHERE tbl = 'steps' AND seq = 1")
        with self.assertRaisesRegex(RecordingError, "steps"):
            Recording(path, summary_only=True)


class DamagedChunks(TempDirTest):
    """Each kind of chunk damage gives a RecordingError that names the file, the table and the chunk."""

    def damaged(self, sql: str, *args) -> str:
        path = self.altered_alias("alias.wcf", sql, *args)
        with self.assertRaises(RecordingError) as caught:
            Recording(path)
        message = str(caught.exception)
        self.assertIn(path, message)
        self.assertIn("is damaged", message)
        self.assertIn("re-record the program, or restore the complete file", message)
        return message

    def test_a_gap_in_seq(self) -> None:
        message = self.damaged("DELETE FROM chunks WHERE tbl = 'steps' AND seq = 1")
        self.assertIn("chunk 1 of table steps is missing (the next one stored is 2)", message)

    def test_rows_that_do_not_follow_on(self) -> None:
        message = self.damaged("UPDATE chunks SET first_row = first_row + 1 WHERE tbl = 'bindings' AND seq = 1")
        self.assertIn("chunk 1 of table bindings starts at row 6, but the chunks before it end at row 5", message)

    def test_a_truncated_blob(self) -> None:
        message = self.damaged("UPDATE chunks SET data = substr(data, 1, length(data) - 2) "
                               "WHERE tbl = 'vals' AND seq = 0")
        self.assertIn("chunk 0 of table vals does not decode:", message)

    def test_unknown_flags(self) -> None:
        message = self.damaged("UPDATE chunks SET data = CAST(X'04' || substr(data, 2) AS BLOB) "
                               "WHERE tbl = 'frames' AND seq = 0")
        self.assertIn("chunk 0 of table frames does not decode: unknown chunk flags 0x04", message)

    def test_a_type_id_missing_from_types(self) -> None:
        message = self.damaged("DELETE FROM types WHERE name = 'list'")
        self.assertIn("unknown type_id (not in the types table)", message)

    def test_chunks_of_an_unknown_table_are_ignored(self) -> None:
        path = self.altered_alias("alias.wcf", "INSERT INTO chunks VALUES ('future_table', 0, 0, 1, X'00')")
        with Recording(path) as recording:
            self.assertEqual(recording.step_count, 12)


class ChunkedStorage(TempDirTest):
    def list_recording(self) -> HandmadeRecording:
        """A module that binds `xs` to one list at step 1 and changes it at steps 2..5 (states added by tests)."""
        rec = HandmadeRecording(self.path("delta.wcf"), rows_per_chunk=2)
        rec.thread(1, "MainThread", 0)
        g = rec.globals_scope()
        frame, _ = rec.frame(rec.code("/src/d.py", "<module>"), 0, g, module_level=True)
        for line in range(1, 8):
            rec.step("line", frame, line)
        self.xs, xs_val = rec.obj("list", "list", 1)
        rec.bind(1, g, "xs", xs_val)
        self.ints = {n: rec.scalar(n) for n in range(10)}
        return rec

    def test_delta_states_resolve_against_the_previous_state(self) -> None:
        rec = self.list_recording()
        i = self.ints
        rec.state(self.xs, 1, [(0, i[1]), (1, i[2]), (2, i[3])])
        rec.delta_state(self.xs, 2, [(1, 1, i[7]), (3, 3, i[4])], length=4)  # replace xs[1], append xs[3]
        rec.delta_state(self.xs, 3, [], length=2)  # del xs[2:]
        rec.delta_state(self.xs, 4, [(1, 1, i[9])], length=6, cut=4)  # two shown of six (maxItems 2)
        rec.state(self.xs, 5, [(0, i[0])])
        rec.delta_state(self.xs, 6, [(1, 1, i[5])], length=2)
        path = rec.finish()
        with Recording(path) as recording:
            scope = recording.stack_at(1)[0].globals_scope
            self.assertEqual([recording.scope_values(scope, step)["xs"].text for step in range(1, 7)],
                             ["[1, 2, 3]", "[1, 7, 3, 4]", "[1, 7]", "[1, 9, \u2026]", "[0]", "[0, 5]"])
            self.assertEqual([e.text for e in recording.history("xs")],
                             ["[1, 2, 3]", "[1, 7, 3, 4]", "[1, 7]", "[1, 9, \u2026]", "[0]", "[0, 5]"])
        expanded = expand(path)
        self.addCleanup(expanded.close)
        rows = expanded.execute("SELECT step, length, children, cut FROM object_states ORDER BY step").fetchall()
        self.assertEqual(rows[1], (2, 4, "[[0,%d],[1,%d],[2,%d],[3,%d]]" % (i[1], i[7], i[3], i[4]), 0))
        self.assertEqual(rows[3], (4, 6, "[[0,%d],[1,%d]]" % (i[1], i[9]), 4))

    def test_a_delta_without_a_full_state_before_it_is_damage(self) -> None:
        rec = self.list_recording()
        rec.delta_state(self.xs, 2, [(0, 0, self.ints[1])], length=1)
        path = rec.finish()
        with self.assertRaisesRegex(RecordingError, "object %d's delta state at step 2 has no earlier state"
                                    % self.xs):
            Recording(path)

    def test_a_delta_that_skips_a_position_is_damage(self) -> None:
        rec = self.list_recording()
        rec.state(self.xs, 1, [(0, self.ints[1])])
        rec.delta_state(self.xs, 2, [(2, 2, self.ints[1])], length=3)
        path = rec.finish()
        with self.assertRaisesRegex(RecordingError, "changes position 2 of a list of 1"):
            Recording(path)

    def test_a_killed_run_keeps_the_steps_up_to_the_last_one_present(self) -> None:
        """A killed C recorder may leave tables ending at different steps: rows past the last step are ignored."""
        # steps chunks hold 5 rows each: drop steps 10 and 11, keep all other rows
        path = self.altered_alias("ragged.wcf", "DELETE FROM chunks WHERE tbl = 'steps' AND seq = 2",
                                  status="recording")
        with Recording(path) as recording:
            self.assertEqual(recording.step_count, 10)
            self.assertEqual([(e.step, e.text) for e in recording.history("alias")], [(5, "[1]"), (8, "[1, 2]")])
            self.assertEqual(recording.history("size"), [])
            self.assertEqual(recording.summary()["output"]["stdout"], {"bytes": 0, "chunks": 0})
        expanded = expand(path)
        self.addCleanup(expanded.close)
        self.assertEqual(expanded.execute("SELECT MAX(step) FROM bindings").fetchone(), (6,))  # not 10, 11
        self.assertEqual(expanded.execute("SELECT frame_id, end_step FROM frames").fetchall(), [(1, None), (2, 9)])

    def test_a_copy_too_big_for_memory_goes_to_a_temporary_file(self) -> None:
        path = write_alias_recording(self.path("alias.wcf"))
        with mock.patch("watercodeflow.recording_expand.in_memory_limit", return_value=0):
            with Recording(path) as recording:
                self.assertFalse(recording.indexed_in_memory)
                self.assertEqual([f.function for f in recording.stack_at(8)], ["grow", "<module>"])
        self.assertEqual(sorted(os.listdir(self.dir)), ["alias.wcf"])

    def test_expand_takes_an_open_connection_too(self) -> None:
        path = write_alias_recording(self.path("alias.wcf"))
        source = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        self.addCleanup(source.close)
        expanded = expand(source)
        self.addCleanup(expanded.close)
        self.assertEqual(expanded.execute("SELECT COUNT(*), MAX(step) FROM steps").fetchone(), (12, 11))
        self.assertEqual(expanded.execute("SELECT v.type FROM vals v JOIN objects o USING (object_id) "
                                          "WHERE o.kind = 'list'").fetchall(), [("list",)])
        self.assertGreater(source.execute("SELECT COUNT(*) FROM meta").fetchone()[0], 0)  # still open


class StacksScopesHistory(TempDirTest):
    def setUp(self) -> None:
        super().setUp()
        self.recording = Recording(write_alias_recording(self.path("alias.wcf")))

    def tearDown(self) -> None:
        self.recording.close()
        super().tearDown()

    def test_stack_innermost_first_with_each_frames_current_line(self) -> None:
        stack = self.recording.stack_at(8)
        self.assertEqual([(f.file, f.line, f.function) for f in stack],
                         [("/src/prog.py", 4, "grow"), ("/src/prog.py", 7, "<module>")])
        self.assertEqual([(f.file, f.line, f.function) for f in self.recording.stack_at(10)],
                         [("/src/prog.py", 8, "<module>")])

    def test_step_outside_the_recording_is_an_error(self) -> None:
        with self.assertRaisesRegex(RecordingError, r"steps 0\.\.11"):
            self.recording.stack_at(12)
        with self.assertRaises(RecordingError):
            self.recording.stack_at(-1)

    def test_mutation_in_callee_shows_through_every_alias_from_its_step_on(self) -> None:
        stack = self.recording.stack_at(7)
        globals_at_7 = self.recording.scope_values(stack[0].globals_scope, 7)
        self.assertEqual(globals_at_7["data"].text, "[1]")
        self.assertEqual(globals_at_7["alias"].text, "[1]")
        globals_at_8 = self.recording.scope_values(stack[0].globals_scope, 8)
        locals_at_8 = self.recording.scope_values(self.recording.stack_at(8)[0].locals_scope, 8)
        self.assertEqual([globals_at_8["data"].text, globals_at_8["alias"].text, locals_at_8["items"].text],
                         ["[1, 2]"] * 3)
        self.assertEqual(globals_at_8["data"].object_id, locals_at_8["items"].object_id)

    def test_deleted_name_disappears(self) -> None:
        scope = self.recording.stack_at(11)[0].globals_scope
        self.assertIn("alias", self.recording.scope_values(scope, 10))
        self.assertNotIn("alias", self.recording.scope_values(scope, 11))

    def test_children_of_a_list(self) -> None:
        value = self.recording.scope_values(self.recording.stack_at(8)[0].locals_scope, 8)["items"]
        self.assertEqual([(key, child.text) for key, child in self.recording.children(value, 8)], [(0, "1"), (1, "2")])

    def test_history_lists_rebinding_mutation_and_deletion_with_the_causing_line(self) -> None:
        history = self.recording.history("alias")
        self.assertEqual([(e.step, e.line, e.function, e.text) for e in history],
                         [(5, 6, "<module>", "[1]"), (8, 3, "grow", "[1, 2]"), (11, 8, "<module>", "<unbound>")])
        self.assertEqual(history[-1].type, None)

    def test_history_of_a_local_filtered_by_function(self) -> None:
        entries = self.recording.history("items", function="grow")
        self.assertEqual([(e.step, e.line, e.text, e.scope) for e in entries],
                         [(6, 2, "[1]", "local"), (8, 3, "[1, 2]", "local")])
        self.assertEqual(self.recording.history("items", function="other"), [])
        self.assertEqual(self.recording.history("data", function="grow"), [])
        self.assertEqual(self.recording.history("never_bound"), [])

    def test_summary_counts(self) -> None:
        summary = self.recording.summary()
        self.assertEqual(summary["steps"], 12)
        self.assertEqual(summary["steps_by_kind"], {"line": 8, "call": 2, "return": 2, "exception": 0})
        self.assertEqual(summary["status"], "complete")
        self.assertEqual(summary["exit_code"], 0)
        self.assertEqual(summary["duration_ns"], 12000)
        self.assertEqual(summary["output"]["stdout"], {"bytes": 6, "chunks": 1})
        self.assertEqual([(f["function"], f["steps"]) for f in summary["functions"]], [("<module>", 8), ("grow", 4)])
        self.assertEqual(summary["threads"][0]["name"], "MainThread")

    def test_events_follow_every_name_bound_to_a_mutated_object(self) -> None:
        events = list(self.recording.iter_events())
        at_8 = [(e.variable_name, e.scope, e.value, e.previous, e.deltas) for e in events if e.step == 8]
        self.assertEqual(sorted(at_8), sorted([
            ("data", "global", "[1, 2]", "[1]", [{"key": 1, "before": None, "after": "2"}]),
            ("alias", "global", "[1, 2]", "[1]", [{"key": 1, "before": None, "after": "2"}]),
            ("items", "local", "[1, 2]", "[1]", [{"key": 1, "before": None, "after": "2"}]),
        ]))
        self.assertEqual([e.step for e in events], sorted(e.step for e in events))
        deleted = events[-1]
        self.assertEqual((deleted.variable_name, deleted.value, deleted.previous, deleted.type),
                         ("alias", None, "[1, 2]", None))
        size = [e for e in events if e.variable_name == "size"][0]
        self.assertEqual((size.line, size.function), (7, "<module>"))  # the line that bound it, not grow's return


class Rendering(unittest.TestCase):
    """ValueRenderer on hand-built states: Python repr text and the cut markers of the format."""

    def renderer(self, values, states, limits=UNBOUNDED) -> ValueRenderer:
        return ValueRenderer(lambda vid: values[vid], states.get, limits)

    def scalar_values(self):
        return {1: ("int", "1", None), 2: ("str", "'a'", None), 3: ("str", "'" + "x" * 5 + "\u2026", None)}

    def test_containers_render_like_repr(self) -> None:
        values = self.scalar_values()
        values.update({10: ("list", None, 100), 11: ("tuple", None, 101), 12: ("dict", None, 102),
                       13: ("set", None, 103), 14: ("frozenset", None, 104), 15: ("mod.Point", None, 105),
                       16: ("set", None, 106), 17: ("tuple", None, 107)})
        states = {
            100: _ObjectState("list", "list", 3, [[0, 1], [1, 2], [2, 11]], 0),
            101: _ObjectState("tuple", "tuple", 1, [[0, 1]], 0),
            102: _ObjectState("dict", "dict", 2, [["'k'", 10], ["1", 2]], 0),
            103: _ObjectState("set", "set", 1, [[0, 1]], 0),
            104: _ObjectState("frozenset", "frozenset", 2, [[0, 1], [1, 2]], 0),
            105: _ObjectState("instance", "mod.Point", 2, [["x", 1], ["tags", 16]], 0),
            106: _ObjectState("set", "set", 0, [], 0),
            107: _ObjectState("tuple", "tuple", 0, [], 0),
        }
        render = self.renderer(values, states).render
        self.assertEqual(render(10), "[1, 'a', (1,)]")
        self.assertEqual(render(12), "{'k': [1, 'a', (1,)], 1: 'a'}")
        self.assertEqual(render(13), "{1}")
        self.assertEqual(render(14), "frozenset({1, 'a'})")
        self.assertEqual(render(15), "Point(x=1, tags=set())")
        self.assertEqual(render(17), "()")
        self.assertEqual(render(3), "'xxxxx\u2026")  # a scalar cut by the recorder is shown as stored

    def test_cut_markers_items_depth_and_cycles(self) -> None:
        values = self.scalar_values()
        values.update({10: ("list", None, 100), 11: ("list", None, 101), 12: ("dict", None, 102),
                       13: ("list", None, 103), 14: ("mod.Node", None, 104)})
        states = {
            100: _ObjectState("list", "list", 5, [[0, 1], [1, 1]], 3),  # 3 more items cut by maxItems
            101: _ObjectState("list", "list", 2, [], -1),  # beyond maxDepth
            102: _ObjectState("dict", "dict", 1, [], -1),
            103: _ObjectState("list", "list", 2, [[0, 1], [1, 13]], 0),  # contains itself
            104: _ObjectState("instance", "mod.Node", 1, [], -1),
        }
        render = self.renderer(values, states).render
        self.assertEqual(render(10), "[1, 1, \u2026]")
        self.assertEqual(render(11), "[...]")
        self.assertEqual(render(12), "{...}")
        self.assertEqual(render(13), "[1, [...]]")
        self.assertEqual(render(14), "Node(...)")

    def test_reader_limits_bound_depth_and_length(self) -> None:
        values = {1: ("int", "1", None)}
        states = {}
        for level in range(10, 20):  # a chain of 10 nested lists
            values[level] = ("list", None, level)
            states[level] = _ObjectState("list", "list", 1, [[0, level + 1 if level < 19 else 1]], 0)
        self.assertEqual(self.renderer(values, states, RenderLimits(max_depth=3)).render(10), "[[[[...]]]]")
        long_values = {1: ("str", "'" + "y" * 50 + "'", None), 9: ("list", None, 9)}
        long_states = {9: _ObjectState("list", "list", 40, [[i, 1] for i in range(40)], 0)}
        text = self.renderer(long_values, long_states, RenderLimits(max_chars=100)).render(9)
        self.assertTrue(text.endswith("\u2026"), text)
        self.assertLessEqual(len(text), 101)

    def test_bytearray_renders_as_bytes(self) -> None:
        values = {104: ("int", "104", None), 105: ("int", "105", None), 1: ("bytearray", None, 50),
                  2: ("bytearray", None, 51)}
        states = {50: _ObjectState("bytearray", "bytearray", 2, [[0, 104], [1, 105]], 0),
                  51: _ObjectState("bytearray", "bytearray", 300, [[0, 104]], 299)}
        render = self.renderer(values, states).render
        self.assertEqual(render(1), "bytearray(b'hi')")
        self.assertEqual(render(2), "bytearray(b'h'\u2026)")

    def test_unbound_and_opaque(self) -> None:
        values = {1: ("function", "<function f at 0x1>", 7)}
        render = self.renderer(values, {}).render
        self.assertEqual(render(None), "<unbound>")
        self.assertEqual(render(1), "<function f at 0x1>")


class MoreShapes(TempDirTest):
    def test_threads_and_globals_of_two_frames_in_one_history(self) -> None:
        rec, worker, module_code, work_code = self.two_threads()
        g = rec.globals_scope()
        main_frame, _ = rec.frame(module_code, 0, g, module_level=True)
        rec.step("call", main_frame, 1)  # 0
        rec.step("line", main_frame, 1)  # 1
        work_frame, work_locals = rec.frame(work_code, 2, g, thread_id=worker)
        rec.step("call", work_frame, 3)  # 2
        rec.bind(2, work_locals, "n", rec.scalar(5))
        rec.step("line", main_frame, 2)  # 3
        rec.bind(3, g, "n", rec.scalar(1))
        rec.step("return", work_frame, 4)  # 4
        rec.end_frame(work_frame, 4)
        path = rec.finish()
        with Recording(path) as recording:
            self.assertEqual(recording.stack_at(2)[0].thread_id, worker)
            self.assertEqual(len(recording.stack_at(3)), 1)
            self.assertEqual(recording.thread_name(worker), "worker")
            self.assertEqual([(e.step, e.text, e.scope) for e in recording.history("n")],
                             [(2, "5", "local"), (3, "1", "global")])
            self.assertEqual([(e.step, e.text) for e in recording.history("n", function="work")], [(2, "5")])
            self.assertEqual(len(recording.summary()["threads"]), 2)

    def test_nested_mutation_shows_in_the_outer_name(self) -> None:
        rec = HandmadeRecording(self.path("n.wcf"))
        rec.thread(1, "MainThread", 0)
        g = rec.globals_scope()
        frame, _ = rec.frame(rec.code("/src/n.py", "<module>"), 0, g, module_level=True)
        for line in (1, 2, 3, 4):
            rec.step("line", frame, line)
        inner, inner_val = rec.obj("list", "list", 1)
        outer, outer_val = rec.obj("dict", "dict", 1)
        rec.state(inner, 1, [])
        rec.state(outer, 1, [["'grid'", inner_val]])
        rec.bind(1, g, "table", outer_val)
        rec.state(inner, 3, [[0, rec.scalar(7)]])
        path = rec.finish()
        with Recording(path) as recording:
            self.assertEqual([(e.step, e.text) for e in recording.history("table")],
                             [(1, "{'grid': []}"), (3, "{'grid': [7]}")])
            events = list(recording.iter_events())
            self.assertEqual([(e.step, e.value, e.deltas) for e in events],
                             [(1, "{'grid': []}", []),
                              (3, "{'grid': [7]}", [{"key": "'grid'", "before": "[]", "after": "[7]"}])])


if __name__ == "__main__":
    unittest.main()
