# End to end: record a torch training loop (torch.nn.Linear, SGD) with `python -m watercodeflow record` and check
# that its weights reconstructed from buffer_writes equal, at every epoch, the ones the program saved with
# torch.save. Runs with the recorder core of $WATERCODEFLOW_RECORDER; skipped, with the reason, without torch.
import glob
import os
import subprocess
import sys
import tempfile
import unittest

from .buffer_session import NATIVE_DIR, buffer_history
from .test_recorded_training import marker_line
from watercodeflow.recording_expand import expand  # importable: buffer_session put NATIVE_DIR on sys.path

try:
    import torch
except ImportError:
    torch = None

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = os.path.join(HERE, "programs", "torch_train_dump.py")
PYTHON = os.environ.get("WCF_TEST_PYTHON") or sys.executable


@unittest.skipIf(torch is None, "torch is not installed for %s (Debian: python3-torch)" % sys.executable)
class RecordedTorchTrainingTest(unittest.TestCase):
    def test_weights_at_every_epoch(self):
        folder = tempfile.mkdtemp(prefix="wcf-torch-")
        out = os.path.join(folder, "train.wcf")
        epochs = 10
        env = dict(os.environ, PYTHONPATH=NATIVE_DIR, OMP_NUM_THREADS="1")
        completed = subprocess.run(
            [PYTHON, "-m", "watercodeflow", "record", "--mode", "deep", "--out", out, "--", PROGRAM, folder,
             str(epochs)], env=env, capture_output=True, text=True, timeout=300, cwd=folder)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertEqual(len(glob.glob(os.path.join(folder, "weights-*.pt"))), epochs)
        conn = expand(out)
        self.addCleanup(conn.close)
        notices = conn.execute("SELECT kind, message FROM notices").fetchall()
        self.assertEqual([n for n in notices if n[0] in ("internal-error", "buffer-tracking")], [])

        dump_steps = [step for (step,) in conn.execute(
            "SELECT s.step FROM steps s JOIN frames f ON f.frame_id = s.frame_id JOIN code c ON c.code_id = f.code_id"
            " WHERE c.name = 'main' AND s.kind = 0 AND s.line = ? ORDER BY s.step", (marker_line(PROGRAM, "dump"),))]
        self.assertEqual(len(dump_steps), epochs)

        def object_id_of(name, step):
            (object_id,), = conn.execute(
                "SELECT v.object_id FROM bindings b JOIN names n ON n.name_id = b.name_id"
                " JOIN vals v ON v.value_id = b.value_id JOIN frames f ON f.locals_scope = b.scope_id"
                " JOIN steps s ON s.frame_id = f.frame_id AND s.step = ?"
                " WHERE n.name = ? AND b.step <= ? ORDER BY b.step DESC LIMIT 1", (step, name, step))
            return object_id

        for name in ("w1", "b1", "w2"):
            object_id = object_id_of(name, dump_steps[0])
            kind = conn.execute("SELECT kind FROM objects WHERE object_id = ?", (object_id,)).fetchone()[0]
            self.assertEqual(kind, "tensor", name)
        tiers = {}
        for epoch, step in enumerate(dump_steps):
            saved = torch.load(os.path.join(folder, "weights-%d.pt" % epoch))
            for name in ("w1", "b1", "w2"):
                with self.subTest(epoch=epoch, name=name):
                    object_id = object_id_of(name, step)
                    got = buffer_history.tensor_at(conn, object_id, step)
                    self.assertEqual((got.shape, got.dtype), (saved[name].shape, saved[name].dtype))
                    self.assertTrue(torch.equal(got, saved[name]), "%s at epoch %d" % (name, epoch))
                    tiers[name] = buffer_history.layout_at(conn, object_id)["tier"]
        self.assertEqual(tiers, {"w1": "diff", "b1": "full", "w2": "full"})  # 128 KiB, 4 KiB, 4 KiB

        # The history of w1[0, 0]: at each epoch's dump step, the latest write shows the saved value.
        history = buffer_history.element_history(conn, object_id_of("w1", dump_steps[-1]), (0, 0))
        for epoch, step in enumerate(dump_steps):
            saved = torch.load(os.path.join(folder, "weights-%d.pt" % epoch))["w1"][0, 0].item()
            self.assertEqual([entry for entry in history if entry["step"] <= step][-1]["after"], saved)


if __name__ == "__main__":
    unittest.main()
