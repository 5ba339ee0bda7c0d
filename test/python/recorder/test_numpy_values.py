# numpy arrays are opaque objects with a shape/dtype display; small ones also get their elements as children.
import json
import subprocess
import unittest

from .recording_checks import PYTHON, Recording, marker_lines, program_path, record


def interpreter_has_numpy():
    return subprocess.run([PYTHON, "-c", "import numpy"], capture_output=True).returncode == 0


@unittest.skipUnless(interpreter_has_numpy(), "numpy is not installed for %s" % PYTHON)
class NumpyValuesTest(unittest.TestCase):
    def test_arrays(self):
        program = program_path("numpy_prog.py")
        completed, out = record(program)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        recording = Recording(out)
        self.addCleanup(recording.close)
        marks = marker_lines(program)
        mutate, end = recording.line_steps(marks["mutate"])[0], recording.line_steps(marks["end"])[0]
        small_id = recording.object_id_of(end, "small")
        self.assertEqual(recording.query("SELECT type, repr FROM vals WHERE object_id = ?", small_id),
                         [("numpy.ndarray", "array(shape=(4,), dtype=float64)")])
        self.assertEqual(recording.object_kind(small_id), "ndarray")
        before, after = recording.object_state(small_id, mutate), recording.object_state(small_id, end)

        def render(state):
            return [recording.value_row(value_id)[1] for _key, value_id in json.loads(state[1])]

        self.assertEqual(render(before), ["0.0", "1.0", "2.0", "3.0"])
        self.assertEqual(render(after), ["0.0", "7.5", "2.0", "3.0"])
        large_id = recording.object_id_of(end, "large")
        self.assertEqual(recording.object_state(large_id, end), (1200, "[]", 1200))
        self.assertEqual(recording.query("SELECT repr FROM vals WHERE object_id = ?", large_id),
                         [("array(shape=(30, 40), dtype=int32)",)])
        scalar = recording.value_row(recording.scope_names(recording.frame_of_step(end)[4], end)["scalar"])
        self.assertEqual(scalar[0], "numpy.float64")
        self.assertIn(scalar[1], ("12.5", "np.float64(12.5)"))  # numpy 1.x / 2.x repr
        self.assertIsNone(scalar[2])


if __name__ == "__main__":
    unittest.main()
