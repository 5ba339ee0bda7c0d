# End to end: record a torch training loop (torch.nn.Linear, SGD) with `python -m watercodeflow record` and check
# that its weights reconstructed from buffer_writes equal, at every epoch, the ones the program saved with
# torch.save. Runs with the recorder core of $WATERCODEFLOW_RECORDER; skipped, with the reason, without torch.
import os
import sys
import unittest

from .buffer_session import buffer_history
from .test_recorded_training import local_object_id, main_line_steps, record_training

try:
    import torch
except ImportError:
    torch = None

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = os.path.join(HERE, "programs", "torch_train_dump.py")


@unittest.skipIf(torch is None, "torch is not installed for %s (Debian: python3-torch)" % sys.executable)
class RecordedTorchTrainingTest(unittest.TestCase):
    def test_weights_at_every_epoch(self):
        epochs = 10
        conn, folder = record_training(self, PROGRAM, epochs, "weights-*.pt")

        dump_steps = main_line_steps(conn, PROGRAM, "dump")  # one per epoch
        self.assertEqual(len(dump_steps), epochs)

        def object_id_of(name, step):
            return local_object_id(conn, name, step)

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
