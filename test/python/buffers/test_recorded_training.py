# End to end: record a numpy training loop with `python -m watercodeflow record` and check that w1/w2
# reconstructed from buffer_writes equal, at every epoch, the weights the program itself saved with numpy.save.
import glob
import os
import subprocess
import sys
import tempfile
import unittest

from recorder.recording_checks import marker_lines
from .buffer_session import NATIVE_DIR, buffer_history, np
from watercodeflow.recording_expand import expand  # importable: buffer_session put NATIVE_DIR on sys.path

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = os.path.join(HERE, "programs", "numpy_train_dump.py")
RECORDER_NATIVE_DIR = NATIVE_DIR
PYTHON = os.environ.get("WCF_TEST_PYTHON") or sys.executable


def main_line_steps(conn, program, marker):
    """The steps of main()'s frame at a marked line (one per loop iteration)."""
    return [step for (step,) in conn.execute(
        "SELECT s.step FROM steps s JOIN frames f ON f.frame_id = s.frame_id JOIN code c ON c.code_id = f.code_id"
        " WHERE c.name = 'main' AND s.kind = 0 AND s.line = ? ORDER BY s.step", (marker_lines(program)[marker],))]


def local_object_id(conn, name, step):
    """The object a local of the frame of `step` is bound to at `step`."""
    (object_id,), = conn.execute(
        "SELECT v.object_id FROM bindings b JOIN names n ON n.name_id = b.name_id"
        " JOIN vals v ON v.value_id = b.value_id JOIN frames f ON f.locals_scope = b.scope_id"
        " JOIN steps s ON s.frame_id = f.frame_id AND s.step = ?"
        " WHERE n.name = ? AND b.step <= ? ORDER BY b.step DESC LIMIT 1", (step, name, step))
    return object_id


def record_training(test, program, epochs, dumped):
    """Records `program DUMP_DIR epochs` in deep mode; (the recording expanded for plain SQL, DUMP_DIR). Checks
    that the program ran, saved `dumped` (a glob in DUMP_DIR) once per epoch, and that nothing failed."""
    folder = tempfile.mkdtemp(prefix="wcf-buffers-")
    out = os.path.join(folder, "train.wcf")
    env = dict(os.environ, PYTHONPATH=RECORDER_NATIVE_DIR, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    completed = subprocess.run(
        [PYTHON, "-m", "watercodeflow", "record", "--mode", "deep", "--out", out, "--", program, folder,
         str(epochs)], env=env, capture_output=True, text=True, timeout=300, cwd=folder)
    test.assertEqual(completed.returncode, 0, completed.stderr)
    test.assertEqual(len(glob.glob(os.path.join(folder, dumped))), epochs)
    conn = expand(out)  # the v1 row layout, for plain SQL
    test.addCleanup(conn.close)
    notices = conn.execute("SELECT kind, message FROM notices").fetchall()
    test.assertEqual([n for n in notices if n[0] in ("internal-error", "buffer-tracking")], [])
    return conn, folder


@unittest.skipIf(np is None, "numpy is not installed for %s" % sys.executable)
class RecordedTrainingTest(unittest.TestCase):
    def test_weights_at_every_epoch(self):
        epochs = 12
        conn, folder = record_training(self, PROGRAM, epochs, "w1-*.npy")

        dump_steps = main_line_steps(conn, PROGRAM, "dump")  # one per epoch
        self.assertEqual(len(dump_steps), epochs)

        def object_id_of(name, step):
            return local_object_id(conn, name, step)

        kinds = {}
        for epoch, step in enumerate(dump_steps):
            for name in ("w1", "w2"):
                with self.subTest(epoch=epoch, name=name):
                    object_id = object_id_of(name, step)
                    real = np.load(os.path.join(folder, "%s-%d.npy" % (name, epoch)))
                    got = buffer_history.array_at(conn, object_id, step)
                    self.assertEqual((got.shape, got.dtype), (real.shape, real.dtype))
                    self.assertEqual(got.tobytes(), real.tobytes())
                    kinds[name] = buffer_history.layout_at(conn, object_id)["tier"]
        self.assertEqual(kinds, {"w1": "diff", "w2": "full"})  # 128 KiB and 1 KiB

        # bufferHistory of w1[0, 0]: at each epoch's dump step, the latest write shows the saved value.
        w1_id = object_id_of("w1", dump_steps[-1])
        history = buffer_history.element_history(conn, w1_id, 0)
        for epoch, step in enumerate(dump_steps):
            real = np.load(os.path.join(folder, "w1-%d.npy" % epoch)).reshape(-1)[0].item()
            latest = [entry for entry in history if entry["step"] <= step][-1]
            self.assertEqual(latest["after"], real)


@unittest.skipIf(np is None, "numpy is not installed for %s" % sys.executable)
class StepAttributionTest(unittest.TestCase):
    def test_a_write_is_recorded_at_the_step_after_the_line_that_made_it(self):
        program = os.path.join(HERE, "programs", "writes_in_callees.py")
        folder = tempfile.mkdtemp(prefix="wcf-buffers-")
        out = os.path.join(folder, "writes.wcf")
        env = dict(os.environ, PYTHONPATH=RECORDER_NATIVE_DIR)
        completed = subprocess.run([PYTHON, "-m", "watercodeflow", "record", "--out", out, "--", program],
                                   env=env, capture_output=True, text=True, timeout=120, cwd=folder)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        conn = expand(out)  # the v1 row layout, for plain SQL
        self.addCleanup(conn.close)

        def line_step(marker):
            (step,), = conn.execute("SELECT step FROM steps WHERE kind = 0 AND line = ?",
                                    (marker_lines(program)[marker],)).fetchall()
            return step

        def next_step(step):  # this program has one thread: the next step in the global order
            return step + 1

        (a_id,), = conn.execute("SELECT DISTINCT object_id FROM buffer_writes WHERE kind = 'layout' AND"
                                " after LIKE '%\"dtype\":\"<i4\"%' ORDER BY object_id LIMIT 1").fetchall()
        history = buffer_history.element_history(conn, a_id, None)
        by_index = {}
        for entry in history:
            by_index.setdefault(entry["index"], []).append((entry["step"], entry["before"], entry["after"]))
        self.assertEqual(by_index[3], [(next_step(line_step("set")), 0, 7), (next_step(line_step("add")), 7, 8)])
        # Written inside fill() through a view: recorded at the step after the callee's line.
        self.assertEqual(by_index[10], [(next_step(line_step("fill")), 0, 5), (next_step(line_step("add")), 5, 6)])
        self.assertEqual(by_index[0], [(next_step(line_step("add")), 0, 1)])
        end = line_step("end")
        expected = np.ones(64, dtype=np.int32)
        expected[3], expected[10:20] = 8, 6
        self.assertEqual(buffer_history.array_at(conn, a_id, end).tolist(), expected.tolist())
        (data_id,), = conn.execute("SELECT object_id FROM buffer_writes WHERE kind = 'layout' AND"
                                   " after LIKE '%\"type\":\"bytearray\"%'").fetchall()
        self.assertEqual(buffer_history.object_bytes_at(conn, data_id, end), b"\x09" + bytes(15))
        self.assertEqual(buffer_history.object_bytes_at(conn, data_id, line_step("bytes")), bytes(16))

    def test_watch_tracks_an_array_in_lite_mode(self):
        program = os.path.join(HERE, "programs", "watch_in_lite_mode.py")
        folder = tempfile.mkdtemp(prefix="wcf-buffers-")
        out = os.path.join(folder, "lite.wcf")
        env = dict(os.environ, PYTHONPATH=RECORDER_NATIVE_DIR)
        completed = subprocess.run([PYTHON, "-m", "watercodeflow", "record", "--mode", "lite", "--out", out, "--",
                                    program], env=env, capture_output=True, text=True, timeout=120, cwd=folder)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        conn = expand(out)  # the v1 row layout, for plain SQL
        self.addCleanup(conn.close)
        (object_id,), = conn.execute("SELECT v.object_id FROM watches w JOIN vals v ON v.value_id = w.value_id"
                                     " WHERE w.name = 'a'").fetchall()
        # lite: call/return steps only. bump() is called twice; its call and return steps, in order:
        bumps = conn.execute("SELECT s.step, s.kind FROM steps s JOIN frames f ON f.frame_id = s.frame_id"
                             " JOIN code c ON c.code_id = f.code_id WHERE c.name = 'bump' ORDER BY s.step").fetchall()
        self.assertEqual([kind for _, kind in bumps], [1, 2, 1, 2])
        (first_call, _), (first_return, _), (_, _), (second_return, _) = bumps
        expected = {first_call: [5, 0], first_return: [6, 1], second_return: [7, 2]}
        for step, (head, rest) in expected.items():
            with self.subTest(step=step):
                self.assertEqual(buffer_history.array_at(conn, object_id, step).tolist(), [head] + [rest] * 7)


if __name__ == "__main__":
    unittest.main()
