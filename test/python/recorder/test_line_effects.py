# Tests of native/watercodeflow/line_effects.py, the bytecode reading behind the C core's mutation clock, on the
# interpreter that runs the suite (CPython 3.11, 3.12 or 3.13): which lines of a real function it finds cannot
# write an existing object, under which conditions on locals, and with which calls. A line it wrongly calls
# pure would show stale values; the fidelity program hidden_writes.py checks that end to end, these check the
# reading itself, including 3.12's method form of LOAD_ATTR and 3.13's paired load/store instructions.
from __future__ import annotations

import dis
import sys
import unittest

from watercodeflow import line_effects as le

SOURCE = '''
def f(x, k, v, d):
    a, b = x
    x[k] = v
    x.append(v)
    t = x[k:v]
    n = k
    n += 1
    x.extend(v)
    x[k:v] = v
    d[k] += 1
    y = [w for w in x]
    z = len(x)
    if k in d: pass
    x, k = x
    v = v[k]
    return a, b, t, n, y, z
'''
LINES = {text.strip(): number for number, text in enumerate(SOURCE.splitlines(), 1) if text.strip()}


def function_code():
    module = compile(SOURCE, "<line_effects_test>", "exec")
    return next(c for c in module.co_consts if hasattr(c, "co_code"))


@unittest.skipIf(sys.version_info < (3, 11), "the mutation clock's line reading is for CPython 3.11-3.13")
class LineEffectsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.code = function_code()
        self.effects = le.line_effects(self.code)
        self.assertIsNotNone(self.effects, "a plain function must be usable")
        self.slot = {name: i for i, name in enumerate(self.code.co_varnames)}

    def judged(self, line: str):
        return self.effects.get(LINES[line])

    def test_reads_and_writes_into_a_local_are_judged_with_their_conditions(self) -> None:
        s = self.slot
        self.assertEqual(self.judged("a, b = x"), ((), ((le.SEQUENCE, s["x"], -1),)))
        self.assertEqual(self.judged("x[k] = v"), ((), ((le.STORE_ITEM, s["x"], -1), (le.SCALAR, s["k"], -1))))
        bits = le.METHOD_TYPES["list"] | le.METHOD_TYPES["list"] << 4  # append: lists only, and it writes x
        self.assertEqual(self.judged("x.append(v)"), ((), ((le.METHOD, s["x"], bits),)))
        self.assertEqual(self.judged("n = k"), ((), ()))
        self.assertEqual(self.judged("n += 1"), ((), ((le.SCALAR, s["n"], -1),)))
        self.assertEqual(self.judged("if k in d: pass"), ((), ((le.CONTAINER, s["d"], -1),)))

    def test_a_call_of_anything_else_is_listed_by_its_instruction_range(self) -> None:
        calls = {ins.offset // 2 for ins in dis.get_instructions(self.code) if ins.opname == "CALL"}
        for line in ("x.extend(v)", "z = len(x)"):
            judged = self.judged(line)
            self.assertIsNotNone(judged, line)
            (start, end), = judged[0]
            self.assertEqual(judged[1], (), line)
            self.assertIn(start, calls, "%s: the range starts at its CALL" % line)
            self.assertGreater(end, start)

    def test_lines_that_may_write_are_not_judged(self) -> None:
        for line in ("x[k:v] = v", "d[k] += 1"):
            self.assertIsNone(self.judged(line), line)

    def test_a_condition_on_a_local_the_line_rebinds_is_refused(self) -> None:
        # the condition is checked after the line ran: on the new value, not on the one the line worked on
        # (3.13 loads and stores these locals with paired instructions)
        for line in ("x, k = x", "v = v[k]"):
            self.assertIsNone(self.judged(line), line)

    @unittest.skipIf(sys.version_info < (3, 12), "3.11 builds the slice first and runs a comprehension in a frame")
    def test_slices_and_inlined_comprehensions_since_312(self) -> None:
        self.assertEqual(self.judged("t = x[k:v]"), ((), ((le.SUBSCRIPT, self.slot["x"], -1),)))
        self.assertEqual(self.judged("y = [w for w in x]"), ((), ((le.FOR_LOOP, -1, -1),)))


if __name__ == "__main__":
    unittest.main()
