# The JSONL export's byte-level deltas of buffers (docs/jsonl-events.md): record programs/export_deltas.py, export
# it, and replay every variable's deltas over the bytes the program itself saved: each event's `before` must be
# the bytes the name showed, and after each event the bytes must be the program's next saved state.
import json
import os
import subprocess
import sys
import tempfile
import unittest

from recorder.recording_checks import marker_lines
from .buffer_session import NATIVE_DIR, np

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = os.path.join(HERE, "programs", "export_deltas.py")
PYTHON = os.environ.get("WCF_TEST_PYTHON") or sys.executable


def marker_line(name):
    return marker_lines(PROGRAM)[name]


class ExportDeltasTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="wcf-export-deltas-")
        recording = os.path.join(cls.folder, "deltas.wcf")
        truth = os.path.join(cls.folder, "truth.json")
        env = dict(os.environ, PYTHONPATH=NATIVE_DIR)
        recorded = subprocess.run([PYTHON, "-m", "watercodeflow", "record", "--mode", "deep", "--out", recording, "--",
                                   PROGRAM, truth], env=env, capture_output=True, text=True, timeout=300,
                                  cwd=cls.folder)
        assert recorded.returncode == 0, recorded.stderr
        exported = subprocess.run([sys.executable, "-m", "watercodeflow", "export", recording, "--format", "jsonl",
                                   "--max-chars", "0"], env=env, capture_output=True, text=True, timeout=300)
        assert exported.returncode == 0, exported.stderr
        cls.events = [json.loads(line) for line in exported.stdout.splitlines()]
        with open(truth, encoding="utf-8") as handle:
            cls.truth = json.load(handle)
        import sqlite3
        with sqlite3.connect(recording) as conn:
            cls.notices = conn.execute("SELECT kind, message FROM notices").fetchall()
            cls.tracked = conn.execute("SELECT COUNT(*) FROM buffer_writes WHERE kind = 'layout'").fetchone()[0]

    def setUp(self):
        if not self.tracked:
            self.skipTest("the recorder tracked no buffer (libwcf not built? notices: %r)" % (self.notices,))

    def byte_events(self, name, function):
        return [e for e in self.events if e["variable_name"] == name and e["function"] == function
                and any("offset" in d for d in e["deltas"])]

    def replay(self, name, function, itemsize):
        """The program's states of `name` rebuilt from its first saved bytes and the export's deltas."""
        states = [bytearray.fromhex(self.truth[name][0])]
        for event in self.byte_events(name, function):
            current = bytearray(states[-1])
            for delta in event["deltas"]:
                offset, length = delta["offset"], delta["length"]
                if delta["before"] is None:
                    self.assertEqual(len(current), offset, "bytes that did not exist are appended: %r" % delta)
                else:
                    self.assertEqual(current[offset:offset + length].hex(), delta["before"], "before of %r" % event)
                self.assertEqual((delta["index"] * itemsize, length % itemsize), (offset, 0),
                                 "whole elements: %r" % delta)
                current[offset:offset + length] = bytes.fromhex(delta["after"])
            states.append(current)
        return [state.hex() for state in states]

    def distinct(self, name):
        saved = self.truth[name]
        return [state for i, state in enumerate(saved) if i == 0 or state != saved[i - 1]]

    def test_bytearray_and_array_deltas_rebuild_the_program_bytes(self):
        self.assertEqual(self.replay("data", "builtins", 1), self.distinct("data"))
        self.assertEqual(self.replay("numbers", "builtins", 8), self.distinct("numbers"))
        (grow,) = [e for e in self.byte_events("data", "builtins") if e["line"] == marker_line("grow")]
        self.assertEqual(grow["deltas"], [{"offset": 5, "length": 2, "index": 5, "before": None, "after": "2121"}])
        (item,) = [e for e in self.byte_events("numbers", "builtins")]
        self.assertEqual((item["line"], item["deltas"][0]["index"], item["deltas"][0]["offset"]),
                         (marker_line("set_numbers"), 1, 8))

    @unittest.skipIf(np is None, "numpy is not installed for %s" % sys.executable)
    def test_numpy_deltas_rebuild_the_program_bytes_through_views(self):
        for name in ("a", "v", "m", "r"):
            with self.subTest(name=name):
                self.assertEqual(self.replay(name, "with_numpy", 4), self.distinct(name))
        lines = {name: [e["line"] for e in self.byte_events(name, "with_numpy")] for name in ("a", "v", "r")}
        self.assertEqual(lines["a"], [marker_line("set"), marker_line("fill"), marker_line("add")],
                         "a line, a callee through a view, np.add(out=a)")
        self.assertEqual(lines["v"], [marker_line("fill"), marker_line("add")], "the view bound to v sees both")
        self.assertEqual(lines["r"], [marker_line("set_m")], "m[1, 1] is not in r = m[::-1, ::2]")
        (set_item,) = [e for e in self.byte_events("a", "with_numpy") if e["line"] == marker_line("set")]
        self.assertEqual(set_item["deltas"], [{"offset": 12, "length": 4, "index": 3, "before": "00000000",
                                               "after": "07000000"}])
        (through_r,) = self.byte_events("r", "with_numpy")
        self.assertEqual([(d["offset"], d["index"]) for d in through_r["deltas"]], [(0, 0)], "m[2, 0] is r[0, 0]")

    @unittest.skipIf(np is None, "numpy is not installed for %s" % sys.executable)
    def test_events_of_one_step_keep_the_scope_then_name_order(self):
        fill_step = [e for e in self.byte_events("a", "with_numpy") if e["line"] == marker_line("fill")][0]["step"]
        at_step = [e for e in self.events if e["step"] == fill_step]
        self.assertEqual({e["variable_name"] for e in at_step} >= {"a", "v", "view"}, True, at_step)
        ids = [e["event_id"] for e in self.events]
        self.assertEqual(ids, list(range(1, len(ids) + 1)))
        steps = [e["step"] for e in self.events]
        self.assertEqual(steps, sorted(steps), "events in step order")
        # A small array's object states would repeat a write one step later: a tracked buffer has only byte deltas.
        for event in self.events:
            if event["variable_name"] in ("a", "v", "m", "r", "data", "numbers"):
                self.assertFalse(any("key" in d for d in event["deltas"]), event)

    def test_hex_is_cut_with_max_chars(self):
        recording = os.path.join(self.folder, "deltas.wcf")
        env = dict(os.environ, PYTHONPATH=NATIVE_DIR)
        exported = subprocess.run([sys.executable, "-m", "watercodeflow", "export", recording, "--format", "jsonl",
                                   "--max-chars", "4"], env=env, capture_output=True, text=True, timeout=300)
        deltas = [d for line in exported.stdout.splitlines() for d in json.loads(line)["deltas"] if "offset" in d]
        self.assertTrue(deltas)
        for delta in deltas:
            self.assertLessEqual(len(delta["after"]), 5, delta)
            if delta["length"] * 2 > 4:
                self.assertTrue(delta["after"].endswith("\u2026"), delta)


if __name__ == "__main__":
    unittest.main()
