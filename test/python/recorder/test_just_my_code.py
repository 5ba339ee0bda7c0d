# Which files are recorded: justMyCode (program folder / cwd, no stdlib or site-packages) and --no-just-my-code
# (everything but watercodeflow itself).
import json
import os
import subprocess
import unittest

from .recording_checks import EXTRA_RECORD_ARGS, NATIVE_DIR, PYTHON, Recording, marker_lines, program_path, record


def recorded_files(test, options):
    completed, out = record(program_path("just_my_code_prog.py"), options=options)
    test.assertEqual(completed.returncode, 0, completed.stderr)
    recording = Recording(out)
    test.addCleanup(recording.close)
    files = {path for path, in recording.query(
        "SELECT DISTINCT fi.path FROM steps s JOIN frames f USING (frame_id) JOIN code c USING (code_id)"
        " JOIN files fi USING (file_id)")}
    return recording, files


class JustMyCodeTest(unittest.TestCase):
    def test_default_records_the_program_folder_only(self):
        recording, files = recorded_files(self, [])
        self.assertEqual({os.path.basename(path) for path in files}, {"just_my_code_prog.py", "helper_module.py"})
        self.assertEqual(recording.meta["just_my_code"], "1")

    def test_everything_but_the_recorder_itself(self):
        recording, files = recorded_files(self, ["--no-just-my-code"])
        self.assertIn("__init__.py", {os.path.basename(path) for path in files})  # json/__init__.py
        self.assertTrue(any(os.sep + "json" + os.sep in path for path in files))
        own = os.path.join(NATIVE_DIR, "watercodeflow")
        self.assertFalse([path for path in files if path.startswith(own)])
        self.assertEqual(recording.meta["just_my_code"], "0")


def uses_sys_monitoring():
    if "settrace" in EXTRA_RECORD_ARGS:
        return False
    version = subprocess.run([PYTHON, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                             capture_output=True, text=True).stdout.strip()
    return version == "True"


class LineEventsTest(unittest.TestCase):
    """Under sys.monitoring, LINE and JUMP are events of the recorded code objects only: code outside the
    recording is never instrumented for lines (which costs time at its first run and once per line)."""

    def setUp(self):
        if not uses_sys_monitoring():
            self.skipTest("the interpreter under test records with settrace (sys.monitoring is CPython 3.12+)")

    def report(self, options):
        program = program_path("line_events_prog.py")
        completed, out = record(program, options=options)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        recording = Recording(out)
        self.addCleanup(recording.close)
        return json.loads(completed.stdout), recording, marker_lines(program)

    def test_only_recorded_code_has_line_events(self):
        seen, recording, lines = self.report([])
        self.assertTrue(seen["monitoring"], seen)
        self.assertEqual(seen["global"], 0, "LINE/JUMP must not be global events")
        self.assertEqual(seen["own"], seen["lines"], "the program's function has LINE and JUMP")
        self.assertEqual(seen["library"], 0, "json's encoder ran but is not recorded: no line events")
        # set in the function's own start event, they still see its first line, and every loop round
        self.assertEqual(len(recording.line_steps(lines["own-first"], "own")), 1)
        self.assertEqual(len(recording.line_steps(lines["own-first"] + 2, "own")), 3)

    def test_a_stopped_recording_leaves_no_line_events(self):
        completed, out = record(program_path("line_events_after_stop_prog.py"), options=["--max-size", "200000"])
        recording = Recording(out)
        self.addCleanup(recording.close)
        self.assertEqual(recording.meta["status"], "limit", completed.stderr)
        self.assertEqual(json.loads(completed.stdout), {"tool_after": None, "local_after": 0})

    def test_lite_mode_has_no_line_events(self):
        seen, recording, _ = self.report(["--mode", "lite"])
        self.assertTrue(seen["monitoring"], seen)
        self.assertEqual((seen["global"], seen["own"], seen["library"]), (0, 0, 0))


if __name__ == "__main__":
    unittest.main()
