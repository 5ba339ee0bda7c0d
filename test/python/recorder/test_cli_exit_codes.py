# CLI contract of `record`: Watcher exit codes, --exit-code=program, validation errors, file mode, --out default.
import os
import stat
import subprocess
import tempfile
import unittest

from .recording_checks import PYTHON, Recording, program_path, record, recorder_env, run_plain, temporary_dir


class ExitCodeTest(unittest.TestCase):
    def exit_of(self, mode, options=()):
        completed, out = record(program_path("exit_code.py"), [mode], options)
        recording = Recording(out)
        self.addCleanup(recording.close)
        return completed, recording.meta

    def test_success_is_zero_and_program_status_is_stored(self):
        completed, meta = self.exit_of("0")
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertEqual((meta["status"], meta["exit_code"]), ("complete", "0"))

    def test_sys_exit_3_is_success_for_watcher_but_passed_through_on_request(self):
        completed, meta = self.exit_of("3")
        self.assertEqual(completed.returncode, 0)
        self.assertEqual(meta["exit_code"], "3")
        completed, meta = self.exit_of("3", ["--exit-code=program"])
        self.assertEqual(completed.returncode, 3)

    def test_sys_exit_without_code_and_with_text_behave_like_python(self):
        completed, meta = self.exit_of("exit-none")
        self.assertEqual(meta["exit_code"], "0")
        for mode, status in (("exit-false", 0), ("exit-true", 1)):
            completed, meta = self.exit_of(mode, ["--exit-code=program"])
            self.assertEqual((completed.returncode, meta["exit_code"]), (status, str(status)), mode)
        completed, meta = self.exit_of("exit-text", ["--exit-code=program"])
        plain = run_plain(program_path("exit_code.py"), ["exit-text"])
        self.assertEqual(completed.returncode, plain.returncode)
        self.assertEqual(completed.stderr, plain.stderr)
        self.assertEqual(meta["exit_code"], "1")

    def test_uncaught_exception_is_402_which_posix_truncates_to_146(self):
        completed, meta = self.exit_of("raise")
        self.assertEqual(completed.returncode, 402 & 0xFF)
        self.assertEqual(meta["exit_code"], "1")
        completed, _ = self.exit_of("raise", ["--exit-code=program"])
        self.assertEqual(completed.returncode, 1)

    def test_missing_program_is_a_validation_error_with_a_message(self):
        completed, out = record("/nonexistent/dir/missing.py", cwd=tempfile.gettempdir())
        self.assertEqual(completed.returncode, 2)
        self.assertIn(b"program not found", completed.stderr)
        self.assertFalse(os.path.exists(out))

    def test_bad_arguments_are_validation_errors(self):
        for options in (["--mode", "fast"], ["--max-items", "many"], ["--bogus"], ["--progress-fd", "97"]):
            completed, _ = record(program_path("exit_code.py"), ["0"], options)
            self.assertEqual(completed.returncode, 2, options)
            self.assertIn(b"error:", completed.stderr, options)
        completed = subprocess.run([PYTHON, "-m", "watercodeflow", "record"], env=recorder_env(),
                                   capture_output=True)
        self.assertEqual(completed.returncode, 2)
        self.assertIn(b"no program given", completed.stderr)

    def test_limit_hit_is_partial_400_and_the_program_runs_to_its_end(self):
        program = program_path("busy_loop.py")
        completed, out = record(program, ["1.0"], ["--max-size", "200000"])
        self.assertEqual(completed.returncode, 400 & 0xFF, completed.stderr)
        self.assertEqual(completed.stdout, b"started\n")
        recording = Recording(out)
        self.addCleanup(recording.close)
        meta = recording.meta
        self.assertEqual((meta["status"], meta["exit_code"]), ("limit", "0"))
        notices = recording.query("SELECT kind, message FROM notices")
        self.assertEqual(notices[0][0], "limit")
        self.assertIn("--max-size 200000", notices[0][1])
        self.assertLessEqual(os.path.getsize(out), 200000)  # the closed file respects the limit

    def test_recording_is_private_and_defaults_to_the_current_directory(self):
        workdir = temporary_dir("wcf-cwd-")
        env = recorder_env()
        completed = subprocess.run([PYTHON, "-m", "watercodeflow", "record", program_path("exit_code.py"), "0"],
                                   cwd=workdir, env=env, capture_output=True)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        out = os.path.join(workdir, "exit_code.wcf")
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
        self.assertEqual(sorted(os.listdir(workdir)), ["exit_code.wcf"])  # no -wal/-shm left behind

    def test_syntax_error_prints_like_python_and_is_recorded_as_uncaught(self):
        program = program_path("syntax_error.py")
        completed, out = record(program)
        plain = run_plain(program)
        self.assertEqual(completed.stderr, plain.stderr)
        self.assertEqual(completed.returncode, 402 & 0xFF)
        recording = Recording(out)
        self.addCleanup(recording.close)
        rows = recording.query("SELECT type, kind FROM exceptions")
        self.assertEqual(rows, [("SyntaxError", "uncaught")])
        self.assertEqual(recording.meta["step_count"], "0")


if __name__ == "__main__":
    unittest.main()
