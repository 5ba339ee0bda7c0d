# The run's life and death: SIGKILL leaves a readable file, SIGTERM/KeyboardInterrupt/os._exit/fork, and the
# launch protocol's progress (fd 3) and control (fd 4) channels.
import json
import os
import signal
import subprocess
import time
import unittest

from .recording_checks import (EXTRA_RECORD_ARGS, PYTHON, Recording, marker_lines, program_path, record,
                               recorder_env, run_plain, temporary_dir)


def start_recorder(program, args=(), options=(), pass_fds=()):
    out = os.path.join(temporary_dir("wcf-life-"), "run.wcf")
    command = ([PYTHON, "-m", "watercodeflow", "record", "--out", out] + EXTRA_RECORD_ARGS + list(options)
               + ["--", program] + list(args))
    process = subprocess.Popen(command, env=recorder_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               pass_fds=pass_fds, cwd=os.path.dirname(program))
    return process, out


def wait_for_line(stream, expected, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = stream.readline()
        if line == expected:
            return
        if not line:
            break
    raise AssertionError("did not see %r" % expected)


class KilledRunTest(unittest.TestCase):
    def test_sigkill_leaves_a_readable_recording_up_to_the_last_commit(self):
        process, out = start_recorder(program_path("busy_loop.py"), ["60"])
        wait_for_line(process.stdout, b"started\n")
        time.sleep(1.5)  # long enough for several batch commits and one idle-time commit
        process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()
        recording = Recording(out)
        self.addCleanup(recording.close)
        self.assertEqual(recording.meta["status"], "recording")
        steps = recording.query("SELECT COUNT(*), MAX(step) FROM steps")[0]
        self.assertGreater(steps[0], 1000)
        self.assertEqual(steps[0], steps[1] + 1)  # gap-free up to the last commit
        self.assertTrue(recording.query("SELECT COUNT(*) FROM bindings")[0][0] > 0)

    def test_a_kill_inside_a_commit_is_rolled_back_when_the_recording_is_opened(self):
        completed, out = record(program_path("aliasing.py"))
        self.assertEqual(completed.returncode, 0, completed.stderr)
        before = Recording(out)
        steps = before.query("SELECT COUNT(*) FROM steps")[0][0]
        before.close()
        size = os.path.getsize(out)
        helper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "interrupt_commit.py")
        killed = subprocess.run([PYTHON, helper, out], capture_output=True, text=True)
        self.assertEqual(killed.returncode, -signal.SIGKILL, killed.stderr)
        with open(out + "-journal", "rb") as journal:
            self.assertEqual(journal.read(8), bytes.fromhex("d9d505f920a163d7"))  # a live journal
        self.assertGreater(os.path.getsize(out), size + (1 << 20))  # part of the commit is in the file
        recording = Recording(out)
        self.addCleanup(recording.close)
        self.assertEqual(recording.meta["status"], "complete")
        self.assertEqual(recording.query("SELECT COUNT(*) FROM steps")[0][0], steps)
        self.assertEqual(os.path.getsize(out), size)
        self.assertFalse(os.path.exists(out + "-journal"))  # rolled back and removed

    def test_sigterm_closes_the_recording_as_killed_and_dies_from_the_signal(self):
        process, out = start_recorder(program_path("busy_loop.py"), ["60"])
        wait_for_line(process.stdout, b"started\n")
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
        self.assertEqual(process.returncode, -signal.SIGTERM)
        recording = Recording(out)
        self.addCleanup(recording.close)
        meta = recording.meta
        self.assertEqual((meta["status"], meta["exit_signal"]), ("killed", str(int(signal.SIGTERM))))


class ExitPathsTest(unittest.TestCase):
    def test_keyboard_interrupt_prints_like_python_and_exits_by_sigint_with_program_policy(self):
        program = program_path("keyboard_interrupt.py")
        plain = run_plain(program)
        completed, out = record(program, options=["--exit-code=program"])
        self.assertEqual(completed.returncode, plain.returncode)
        self.assertEqual(completed.stderr, plain.stderr)
        completed, out = record(program)
        self.assertEqual(completed.returncode, 402 & 0xFF)
        recording = Recording(out)
        self.addCleanup(recording.close)
        self.assertEqual(recording.meta["exit_signal"], "2")
        self.assertEqual(recording.query("SELECT type, kind FROM exceptions WHERE kind = 'uncaught'"),
                         [("KeyboardInterrupt", "uncaught")])

    def test_fork_child_runs_unrecorded_and_leaves_the_file_alone(self):
        program = program_path("forking.py")
        completed, out = record(program)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        # CPython >= 3.12 warns when a multi-threaded process forks: the recorder's thread must not cause that
        self.assertEqual(completed.stderr, run_plain(program).stderr)
        self.assertIn(b"child 499500\n", completed.stdout)
        self.assertIn(b"parent saw 0\n", completed.stdout)
        recording = Recording(out)
        self.addCleanup(recording.close)
        self.assertEqual(recording.meta["status"], "complete")
        after = marker_lines(program)["after"]
        self.assertTrue(recording.line_steps(after), "the parent stopped being recorded after fork()")
        pids = recording.query("SELECT COUNT(*) FROM bindings b JOIN names n USING (name_id)"
                               " WHERE n.name = 'child_value'")
        self.assertEqual(pids[0][0], 0, "the child's steps ended up in the parent's recording")

    def test_os_exit_closes_the_recording(self):
        program = os.path.join(temporary_dir("wcf-exit-"), "hard_exit.py")
        with open(program, "w") as source:
            source.write("import os\nx = 41\nx += 1\nprint(x, flush=True)\nos._exit(7)\n")
        completed, out = record(program, options=["--exit-code=program"])
        self.assertEqual((completed.returncode, completed.stdout), (7, b"42\n"))
        recording = Recording(out)
        self.addCleanup(recording.close)
        self.assertEqual((recording.meta["status"], recording.meta["exit_code"]), ("complete", "7"))


class LaunchProtocolTest(unittest.TestCase):
    def test_progress_events_and_stop_on_the_control_channel(self):
        progress_read, progress_write = os.pipe()
        control_read, control_write = os.pipe()
        process, out = start_recorder(
            program_path("busy_loop.py"), ["60"],
            ["--progress-fd", str(progress_write), "--control-fd", str(control_read)],
            pass_fds=(progress_write, control_read))
        os.close(progress_write)
        os.close(control_read)
        events = os.fdopen(progress_read, "rb")
        start = json.loads(events.readline())
        self.assertEqual(start["event"], "start")
        self.assertEqual((start["recording"], start["pid"]), (out, process.pid))
        self.assertIn(start["tracer"], ("settrace", "sys.monitoring"))
        progress = json.loads(events.readline())
        self.assertEqual(progress["event"], "progress")
        self.assertGreaterEqual(progress["elapsedMs"], 200)
        os.write(control_write, b"stop\n")
        lines = [json.loads(line) for line in events]
        events.close()
        os.close(control_write)
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
        end = lines[-1]
        self.assertEqual((end["event"], end["status"], end["exitCode"]), ("end", "stopped", None))
        self.assertEqual(process.returncode, 400 & 0xFF)
        recording = Recording(out)
        self.addCleanup(recording.close)
        self.assertEqual(recording.meta["status"], "stopped")
        self.assertEqual(int(recording.meta["step_count"]), end["steps"])
        self.assertEqual(recording.query("SELECT COUNT(*) FROM steps")[0][0], end["steps"])

    def test_eof_on_the_control_channel_means_stop(self):
        control_read, control_write = os.pipe()
        process, out = start_recorder(program_path("busy_loop.py"), ["60"], ["--control-fd", str(control_read)],
                                      pass_fds=(control_read,))
        os.close(control_read)
        wait_for_line(process.stdout, b"started\n")
        os.close(control_write)
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
        recording = Recording(out)
        self.addCleanup(recording.close)
        self.assertEqual(recording.meta["status"], "stopped")


if __name__ == "__main__":
    unittest.main()
