# What each --mode keeps (docs/recording-format.md, "Modes"): lite = call/return/exception steps with
# arguments, return values and watch()ed values; balanced = every line, depth 1; deep = every line, depth 4.
import json
import unittest

from .recording_checks import Recording, marker_lines, program_path, record


def recorded(test, mode):
    program = program_path("modes_prog.py")
    completed, out = record(program, options=["--mode", mode])
    test.assertEqual(completed.returncode, 0, completed.stderr)
    recording = Recording(out)
    test.addCleanup(recording.close)
    return recording, marker_lines(program)


class ModesTest(unittest.TestCase):
    def test_lite_keeps_calls_arguments_returns_and_watches_only(self):
        recording, _ = recorded(self, "lite")
        self.assertEqual(recording.meta["mode"], "lite")
        kinds = {kind for _s, kind, _f, _l in recording.steps()}
        self.assertEqual(kinds, {1, 2})
        call = recording.query("SELECT f.call_step FROM frames f JOIN code c USING (code_id)"
                               " WHERE c.name = 'combine'")[0][0]
        self.assertEqual((recording.local(call, "a"), recording.local(call, "b")), ("2", "3"))
        returned = recording.query(
            "SELECT r.value_id, r.step FROM returns r JOIN frames f USING (frame_id) JOIN code c USING (code_id)"
            " WHERE c.name = 'combine'")[0]
        self.assertEqual(recording.render(returned[0], returned[1]), "{'sum': 5, 'parts': [2, 3]}"
                         .replace("[2, 3]", "<list len=2 cut>"))
        watches = recording.query("SELECT w.name, v.repr FROM watches w JOIN vals v USING (value_id)")
        self.assertEqual(watches, [("scaled", "50")])

    def test_balanced_records_every_line_with_one_level_of_structure(self):
        recording, marks = recorded(self, "balanced")
        end = recording.line_steps(marks["end"])[0]
        self.assertEqual(recording.local(end, "nested"), "[<list len=2 cut>]")
        # `parts` was bound to a name (combine's `local`) once, so it keeps exact children wherever it is
        # reached later (docs/recording-format.md, "Limits and cut markers": depth cuts are per object).
        self.assertEqual(recording.local(end, "out"), "{'sum': 5, 'parts': [2, 3]}")
        self.assertEqual(json.loads(recording.meta["limits"])["maxDepth"], 1)

    def test_deep_records_four_levels(self):
        recording, marks = recorded(self, "deep")
        end = recording.line_steps(marks["end"])[0]
        self.assertEqual(recording.local(end, "nested", depth=10), "[[1, [2, [3, <list len=2 cut>]]]]")
        self.assertEqual(recording.local(end, "out"), "{'sum': 5, 'parts': [2, 3]}")
        watches = recording.query("SELECT w.name, v.repr FROM watches w JOIN vals v USING (value_id)")
        self.assertEqual(watches, [("scaled", "50")])


if __name__ == "__main__":
    unittest.main()
