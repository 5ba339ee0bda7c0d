# Unit test of reference_trace.py (the DAP suite's independent reference tracer), stdlib unittest only so it
# runs on every interpreter the project supports. Must not import WaterCodeFlow code.
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

TRACER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference_trace.py")

PROGRAM = textwrap.dedent(
    """
    def double(x):
        y = x * 2
        return y

    values = []
    for n in range(2):
        values.append(double(n))
    """
)


class ReferenceTraceTest(unittest.TestCase):
    def trace(self, source):
        with tempfile.TemporaryDirectory() as directory:
            program = os.path.join(directory, "prog.py")
            output = os.path.join(directory, "trace.json")
            with open(program, "w") as handle:
                handle.write(source)
            subprocess.run([sys.executable, TRACER, output, program], check=True, timeout=60)
            with open(output) as handle:
                return json.load(handle)

    def test_line_events_carry_the_locals_before_the_line_runs(self):
        run = self.trace(PROGRAM)
        lines = [(e["function"], e["line"], e["locals"]) for e in run["events"] if e["event"] == "line"]
        double_lines = [entry for entry in lines if entry[0] == "double"]
        self.assertEqual(double_lines[0], ("double", 3, {"x": "0"}))
        self.assertEqual(double_lines[1], ("double", 4, {"x": "0", "y": "0"}))
        self.assertEqual(double_lines[3], ("double", 4, {"x": "1", "y": "2"}))
        self.assertIsNone(run["uncaught"])

    def test_returns_and_depths(self):
        run = self.trace(PROGRAM)
        returns = [e for e in run["events"] if e["event"] == "return" and e["function"] == "double"]
        self.assertEqual([e["returned"] for e in returns], ["0", "2"])
        self.assertEqual({e["depth"] for e in returns}, {1})

    def test_an_uncaught_exception_is_reported_not_raised(self):
        run = self.trace("x = 1\nraise KeyError('k')\n")
        self.assertEqual(run["uncaught"], "KeyError: 'k'")


if __name__ == "__main__":
    unittest.main()
