# The export stream (reader.Recording.iter_events, replayed in memory) must agree with the reader's point
# queries (scope_values at a step, which test_fidelity.py checks against the naive reference): replaying the
# events up to any step gives exactly the values every live frame shows there. Uses real recordings.
from __future__ import annotations

import os
import sys
import tempfile
import unittest
from typing import Dict, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_fidelity import PROGRAMS_DIR, run_recorder  # noqa: E402
from watercodeflow.reader import UNBOUNDED, Recording  # noqa: E402

PROGRAMS = ("aliasing.py", "containers.py", "classes.py", "recursion.py", "generators.py", "globals_prog.py",
            "closures.py", "limits.py", "threads_prog.py")


def check_consistency(test: unittest.TestCase, path: str) -> int:
    """Returns how many (step, scope, name) values were compared."""
    compared = 0
    with Recording(path, UNBOUNDED) as recording:
        events = list(recording.iter_events(UNBOUNDED))
        shown: Dict[Tuple[int, str], Optional[str]] = {}
        index = 0
        for step in range(recording.step_count):
            while index < len(events) and events[index].step <= step:
                event = events[index]
                shown[(event.scope_id, event.variable_name)] = event.value
                index += 1
            scopes = set()
            for frame in recording.stack_at(step):
                scopes.update((frame.locals_scope, frame.globals_scope))
            for scope_id in sorted(scopes):
                values = recording.scope_values(scope_id, step, UNBOUNDED)
                for name, value in values.items():
                    test.assertEqual(shown.get((scope_id, name)), value.text,
                                     "%s: step %d, scope %d, %s" % (os.path.basename(path), step, scope_id, name))
                    compared += 1
                for (shown_scope, name), text in shown.items():
                    if shown_scope == scope_id and name not in values:
                        test.assertIsNone(text, "%s: step %d, %s is unbound but the events show %r"
                                          % (os.path.basename(path), step, name, text))
    return compared


class ExportAgreesWithPointQueries(unittest.TestCase):
    def test_programs(self) -> None:
        with tempfile.TemporaryDirectory(prefix="wcf-export-") as work:
            for program in PROGRAMS:
                with self.subTest(program=program):
                    recording = os.path.join(work, program + ".wcf")
                    done = run_recorder(os.path.join(PROGRAMS_DIR, program), recording)
                    self.assertTrue(os.path.exists(recording), done.stderr.decode(errors="replace")[-2000:])
                    self.assertGreater(check_consistency(self, recording), 50)


if __name__ == "__main__":
    unittest.main()
