# Tests of `watercodeflow inspect` and `watercodeflow export` (native/watercodeflow/inspect_cli.py,
# export_jsonl.py): output, --json, exit codes (0 ok, 2 bad arguments / unreadable file) and their messages.
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from typing import List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from handmade_recording import NATIVE_DIR, write_alias_recording  # noqa: E402

if NATIVE_DIR not in sys.path:
    sys.path.insert(0, NATIVE_DIR)
from watercodeflow import export_jsonl, inspect_cli  # noqa: E402


def run_main(main, argv: List[str]) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


class CliTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="wcf-cli-")
        self.rec = write_alias_recording(os.path.join(self.dir, "alias.wcf"))

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def inspect(self, *argv: str) -> Tuple[int, str, str]:
        return run_main(inspect_cli.main, list(argv))

    def export(self, *argv: str) -> Tuple[int, str, str]:
        return run_main(export_jsonl.main, list(argv))


class Inspect(CliTest):
    def test_summary_text(self) -> None:
        code, out, err = self.inspect(self.rec, "--summary")
        self.assertEqual((code, err), (0, ""))
        for expected in ("steps       12 (line 8, call 2, return 2, exception 0)", "status      complete",
                         "exit code   0", "threads     1", "stdout 6 B in 1 chunks", "functions   2"):
            self.assertIn(expected, out)

    def test_summary_is_the_default_and_json_parses(self) -> None:
        code, out, _err = self.inspect(self.rec, "--json")
        self.assertEqual(code, 0)
        summary = json.loads(out)
        self.assertEqual((summary["steps"], summary["status"], summary["exit_code"]), (12, "complete", 0))

    def test_at_shows_stack_locals_and_short_globals(self) -> None:
        code, out, _err = self.inspect(self.rec, "--at", "8")
        self.assertEqual(code, 0)
        lines = out.splitlines()
        self.assertEqual(lines[0], "step 8 of 11: line, thread 1 (MainThread)")
        self.assertEqual(lines[1], "#0 /src/prog.py:4 grow")
        self.assertIn("      items = [1, 2]  (list)", lines)
        self.assertIn("      alias = [1, 2]  (list)", lines)
        self.assertIn("#1 /src/prog.py:7 <module>", lines)
        self.assertNotIn("grow = ", out)  # a function: hidden without --all
        self.assertIn("1 modules/functions/classes/dunders hidden", out)
        _code, everything, _err = self.inspect(self.rec, "--at", "8", "--all")
        self.assertIn("grow = <function grow>  (function)", everything)

    def test_max_chars_cuts_values_with_the_marker(self) -> None:
        code, out, _err = self.inspect(self.rec, "--at", "8", "--max-chars", "3")
        self.assertEqual(code, 0)
        self.assertIn("      items = [1,\u2026  (list)", out.splitlines())

    def test_at_json(self) -> None:
        code, out, _err = self.inspect(self.rec, "--at", "8", "--json")
        self.assertEqual(code, 0)
        data = json.loads(out)
        self.assertEqual([(f["function"], f["line"]) for f in data["frames"]], [("grow", 4), ("<module>", 7)])
        self.assertEqual(data["frames"][0]["locals"], [{"name": "items", "type": "list", "value": "[1, 2]"},
                                                      {"name": "n", "type": "int", "value": "2"}])

    def test_history_text_and_json(self) -> None:
        code, out, _err = self.inspect(self.rec, "--history", "data")
        self.assertEqual(code, 0)
        self.assertIn("step 4        data = [1]  [global; /src/prog.py:5 <module>]", out)
        self.assertIn("step 8        data = [1, 2]  [global; /src/prog.py:3 grow]", out)
        code, out, _err = self.inspect(self.rec, "--history", "items", "--function", "grow", "--json")
        self.assertEqual(code, 0)
        self.assertEqual([(v["step"], v["line"], v["value"]) for v in json.loads(out)["values"]],
                         [(6, 2, "[1]"), (8, 3, "[1, 2]")])

    def test_exit_code_2_with_a_message_for_bad_arguments(self) -> None:
        cases = [
            ((self.rec, "--at", "twelve"), "invalid int value"),
            ((self.rec, "--at", "99"), "step 99 is outside this recording: it has steps 0..11"),
            ((self.rec, "--bogus"), "unrecognized arguments"),
            ((self.rec, "--at", "1", "--history", "x"), "not allowed with"),
            ((self.rec, "--function", "grow"), "--function only applies to --history"),
            ((self.rec, "--all"), "--all only applies to --at"),
            ((self.rec, "--history", "nope"), "no variable named 'nope' was recorded"),
            ((self.rec, "--history", "items", "--function", "main"), "never a local of a function named 'main'"),
            ((), "the following arguments are required: REC"),
        ]
        for argv, message in cases:
            with self.subTest(argv=argv):
                code, out, err = self.inspect(*argv)
                self.assertEqual(code, 2)
                self.assertEqual(out, "")
                self.assertIn(message, err)

    def test_exit_code_2_for_unreadable_files(self) -> None:
        newer = write_alias_recording(os.path.join(self.dir, "newer.wcf"), schema_version=7)
        code, _out, err = self.inspect(newer, "--summary")
        self.assertEqual(code, 2)
        self.assertIn("this recording has format version 7; this WaterCodeFlow reads up to version 2", err)
        with open(self.rec, "rb") as handle:
            data = handle.read()
        truncated = os.path.join(self.dir, "truncated.wcf")
        with open(truncated, "wb") as handle:
            handle.write(data[:8192])
        code, _out, err = self.inspect(truncated)
        self.assertEqual(code, 2)
        self.assertIn("truncated", err)
        code, _out, err = self.inspect(os.path.join(self.dir, "absent.wcf"))
        self.assertEqual(code, 2)
        self.assertIn("no recording at", err)

    def test_damage_found_after_opening_is_reported_not_raised(self) -> None:
        damaged = os.path.join(self.dir, "damaged.wcf")
        shutil.copy(self.rec, damaged)
        size = os.path.getsize(damaged)
        with open(damaged, "r+b") as handle:  # keep the header and the first pages (meta), spoil the rest
            handle.seek(size // 2)
            handle.write(b"\x0f" * (size - size // 2))
        for argv in (("--summary",), ("--at", "8"), ("--history", "data")):
            with self.subTest(argv=argv):
                code, _out, err = self.inspect(damaged, *argv)
                self.assertEqual(code, 2, err)
                self.assertIn("damaged", err)

    def test_killed_run_is_inspected(self) -> None:
        killed = write_alias_recording(os.path.join(self.dir, "killed.wcf"), status="recording")
        code, out, _err = self.inspect(killed, "--summary")
        self.assertEqual(code, 0)
        self.assertIn("never closed: the run was killed", out)
        self.assertIn("exit code   unknown", out)
        code, out, _err = self.inspect(killed, "--at", "8")
        self.assertEqual(code, 0)
        self.assertIn("items = [1, 2]", out)


class Export(CliTest):
    def test_jsonl_shape_one_event_per_change(self) -> None:
        code, out, err = self.export(self.rec, "--format", "jsonl")
        self.assertEqual((code, err), (0, ""))
        events = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([e["event_id"] for e in events], list(range(1, len(events) + 1)))
        keys = {"event_id", "timestamp_ns", "variable_name", "function", "file", "line", "thread_id", "scope",
                "step", "type", "value", "previous", "deltas"}
        for event in events:
            self.assertEqual(set(event), keys)
        self.assertEqual([(e["step"], e["variable_name"]) for e in events],
                         [(2, "X"), (3, "grow"), (4, "data"), (5, "alias"), (6, "items"), (6, "n"), (8, "data"),
                          (8, "alias"), (8, "items"), (10, "size"), (11, "alias")])
        mutation = events[6]
        self.assertEqual((mutation["value"], mutation["previous"], mutation["line"], mutation["function"],
                          mutation["scope"]), ("[1, 2]", "[1]", 3, "grow", "global"))
        self.assertEqual(mutation["deltas"], [{"key": 1, "before": None, "after": "2"}])
        timestamps = [e["timestamp_ns"] for e in events]
        self.assertEqual(timestamps, sorted(timestamps))
        self.assertEqual(timestamps[-1], 12000)  # the last step sits at end_ns - start_ns

    def test_out_file_and_errors(self) -> None:
        target = os.path.join(self.dir, "events.jsonl")
        code, out, _err = self.export(self.rec, "--out", target)
        self.assertEqual((code, out), (0, ""))
        with open(target, encoding="utf-8") as handle:
            self.assertEqual(len(handle.read().splitlines()), 11)
        code, _out, err = self.export(self.rec, "--format", "csv")
        self.assertEqual(code, 2)
        self.assertIn("unknown --format 'csv'; supported: jsonl, sqlite", err)
        code, _out, err = self.export(self.rec, "--out", self.rec)
        self.assertEqual(code, 2)
        self.assertIn("would overwrite the recording", err)
        code, _out, err = self.export(self.rec, "--out", os.path.join(self.dir, "no", "such", "dir.jsonl"))
        self.assertEqual(code, 2)
        self.assertIn("cannot write", err)
        newer = write_alias_recording(os.path.join(self.dir, "newer.wcf"), schema_version=3)
        code, _out, err = self.export(newer)
        self.assertEqual(code, 2)
        self.assertIn("update WaterCodeFlow", err)


class ExportSqlite(CliTest):
    def test_writes_the_expanded_v1_layout_with_its_indexes(self) -> None:
        target = os.path.join(self.dir, "plain.sqlite")
        code, out, err = self.export(self.rec, "--format", "sqlite", "--out", target)
        self.assertEqual((code, out, err), (0, "", ""))
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o600)
        self.assertEqual(sorted(os.listdir(self.dir)), ["alias.wcf", "plain.sqlite"])
        db = sqlite3.connect(target)
        self.addCleanup(db.close)
        self.assertEqual(db.execute("SELECT COUNT(*), MAX(step) FROM steps").fetchone(), (12, 11))
        self.assertEqual(db.execute("SELECT frame_id, end_step FROM frames ORDER BY frame_id").fetchall(),
                         [(1, 11), (2, 9)])
        self.assertEqual(db.execute("SELECT v.type, s.children FROM object_states s JOIN vals v USING (object_id) "
                                    "ORDER BY s.step DESC LIMIT 1").fetchone()[0], "list")
        self.assertEqual(db.execute("SELECT kind FROM scopes ORDER BY scope_id").fetchall(),
                         [("globals",), ("locals",)])
        names = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        self.assertTrue({"bindings_by_scope", "steps_by_frame", "steps_by_line", "frames_by_parent"} <= names, names)
        self.assertNotIn("chunks", names)
        code, _out, err = self.inspect(target)
        self.assertEqual(code, 2)
        self.assertIn("is a plain-SQL export of a recording", err)

    def test_needs_out_and_a_readable_recording(self) -> None:
        code, out, err = self.export(self.rec, "--format", "sqlite")
        self.assertEqual((code, out), (2, ""))
        self.assertIn("--format sqlite needs --out FILE", err)
        target = os.path.join(self.dir, "plain.sqlite")
        code, _out, err = self.export(os.path.join(self.dir, "absent.wcf"), "--format", "sqlite", "--out", target)
        self.assertEqual(code, 2)
        self.assertIn("no recording at", err)
        code, _out, err = self.export(self.rec, "--format", "sqlite", "--out", os.path.join(self.dir, "no", "x.db"))
        self.assertEqual(code, 2)
        self.assertIn("cannot write", err)
        self.assertEqual(sorted(os.listdir(self.dir)), ["alias.wcf"])


class KilledRealRun(unittest.TestCase):
    """A run SIGKILLed under the real recorder leaves a recording that inspect and export read."""

    PROGRAM = "import time\nn = 0\nwhile True:\n    n += 1\n    time.sleep(0.0001)\n"

    def test_sigkilled_recording_is_readable(self) -> None:
        with tempfile.TemporaryDirectory(prefix="wcf-killed-") as work:
            program = os.path.join(work, "forever.py")
            with open(program, "w") as handle:
                handle.write(self.PROGRAM)
            recording = os.path.join(work, "forever.wcf")
            env = dict(os.environ, PYTHONPATH=NATIVE_DIR)
            child = subprocess.Popen([sys.executable, "-m", "watercodeflow", "record", "--out", recording, "--",
                                      program], cwd=work, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and self._flushed_steps(recording) < 100:
                    time.sleep(0.1)
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
            self.assertGreaterEqual(self._flushed_steps(recording), 100, "the recorder flushed nothing in 20 s")
            code, out, err = run_main(inspect_cli.main, [recording, "--json"])
            self.assertEqual(code, 0, err)
            summary = json.loads(out)
            self.assertEqual(summary["status"], "recording")
            self.assertGreaterEqual(summary["steps"], 100)
            code, out, err = run_main(inspect_cli.main, [recording, "--at", "50", "--json"])
            self.assertEqual(code, 0, err)
            names = {item["name"]: item["value"] for item in json.loads(out)["frames"][0]["globals"]}
            self.assertTrue(names["n"].isdigit(), names)
            code, out, err = run_main(export_jsonl.main, [recording])
            self.assertEqual(code, 0, err)
            values = [json.loads(line)["value"] for line in out.splitlines()
                      if json.loads(line)["variable_name"] == "n"]
            self.assertEqual(values[:3], ["0", "1", "2"])

    @staticmethod
    def _flushed_steps(recording: str) -> int:
        """Steps a reader sees now (read-only, like the CLI), 0 while the file is not there or not readable."""
        if not os.path.exists(recording):
            return 0
        try:
            db = sqlite3.connect("file:%s?mode=ro" % recording, uri=True)
            try:
                return db.execute("SELECT COALESCE(SUM(row_count), 0) FROM chunks WHERE tbl = 'steps'").fetchone()[0]
            finally:
                db.close()
        except sqlite3.Error:
            return 0


class ThroughPythonDashM(CliTest):
    """The sub-commands as users run them: `python -m watercodeflow inspect|export ...`."""

    def run_module(self, *argv: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, PYTHONPATH=NATIVE_DIR)
        return subprocess.run([sys.executable, "-m", "watercodeflow", *argv], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60)

    def test_dispatch_and_exit_codes(self) -> None:
        done = self.run_module("inspect", self.rec, "--at", "8")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(b"items = [1, 2]", done.stdout)
        done = self.run_module("export", self.rec)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(len(done.stdout.splitlines()), 11)
        done = self.run_module("inspect", os.path.join(self.dir, "absent.wcf"))
        self.assertEqual(done.returncode, 2)
        self.assertIn(b"no recording at", done.stderr)


if __name__ == "__main__":
    unittest.main()
