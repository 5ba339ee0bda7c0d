# Tests of the reference tracer itself (naive_tracer.py): a reference that is wrong makes fidelity tests lie.
# Checks its rendering against repr(), its snapshots against later mutation, and its event stream on a program.
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import naive_tracer  # noqa: E402
from naive_tracer import Limits, render, snapshot  # noqa: E402

NO_LIMITS = Limits()


class Rendering(unittest.TestCase):
    def test_builtin_values_render_exactly_like_repr(self) -> None:
        looped = [1]
        looped.append(looped)
        samples = [0, -3.5, 1e300, "it's", b"\x00", None, True, 2j, [], (), {}, set(), frozenset(), (1,),
                   [1, [2, (3, "x")]], {"a": [1, {2: None}]}, {1, 2}, frozenset({3}), looped, {"k": looped}]
        for value in samples:
            with self.subTest(value=value):
                self.assertEqual(render(snapshot(value, {}), NO_LIMITS), repr(value))

    def test_documented_cuts(self) -> None:
        limits = Limits(max_repr=5, max_items=2, max_depth=2)
        self.assertEqual(render("abcdefgh", limits), "'abcd\u2026")
        self.assertEqual(render([1, 2, 3], limits), "[1, 2, \u2026]")
        self.assertEqual(render([[[1]]], limits), "[[[...]]]")
        self.assertEqual(render({"k": {"j": 1}}, Limits(max_depth=1)), "{'k': {...}}")

    def test_instances_show_their_attributes_and_are_copied_without_running_user_code(self) -> None:
        calls = []

        class Failure(Exception):
            def __init__(self, field):
                calls.append(field)
                super().__init__("bad " + field)
                self.field = field

        error = Failure("f")
        copied = snapshot({"e": error}, {})
        error.field = "changed later"
        self.assertEqual(calls, ["f"])  # copy.deepcopy would have called Failure("bad f") here
        self.assertEqual(render(copied, NO_LIMITS), "{'e': Failure(field='f')}")

    def test_snapshots_keep_aliasing_and_ignore_later_mutation(self) -> None:
        shared = [1]
        memo = {}
        first, second = snapshot(shared, memo), snapshot(shared, memo)
        shared.append(2)
        self.assertIs(first, second)
        self.assertEqual(render(first, NO_LIMITS), "[1]")


PROGRAM = textwrap.dedent("""\
    def grow(items):
        items.append(len(items))
        return None

    def gen():
        yield None

    def reraise():
        try:
            {}["k"]
        except KeyError:
            raise

    def waiting():
        yield 1

    data = []
    grow(data)
    list(gen())
    paused = waiting()
    next(paused)
    paused.close()
    try:
        reraise()
    except KeyError:
        pass
""")


class Tracing(unittest.TestCase):
    def test_events_of_a_small_program(self) -> None:
        with tempfile.TemporaryDirectory() as work:
            program = os.path.join(work, "prog.py")
            with open(program, "w") as handle:
                handle.write(PROGRAM)
            out = os.path.join(work, "trace.json")
            done = subprocess.run([sys.executable, naive_tracer.__file__, "--out", out, program],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(out) as handle:
                events = json.load(handle)["events"]
        summary = [(e["kind"], e["stack"][0]["function"], e["stack"][0]["line"]) for e in events]
        # grow's `return None` and gen's `yield None` are returns; reraise is left by an exception
        self.assertIn(("return", "grow", 3), summary)
        self.assertIn(("return", "gen", 6), summary)
        self.assertIn(("unwind", "reraise", 12), summary)
        self.assertNotIn(("return", "reraise", 12), summary)
        if sys.version_info < (3, 13):  # 3.13's close() no longer resumes a frame paused outside any try
            self.assertIn(("unwind", "waiting", 15), summary)  # left by the GeneratorExit close() threw in
        self.assertNotIn(("return", "waiting", 15), summary[-6:])
        # at grow's return the caller's list already shows the append made in the callee
        at_return = [e for e in events if e["kind"] == "return" and e["stack"][0]["function"] == "grow"][0]
        self.assertEqual(at_return["stack"][0]["locals"], {"items": "[0]"})
        self.assertEqual(at_return["stack"][1]["locals"]["data"], "[0]")
        self.assertEqual(at_return["stack"][1]["types"]["data"], "list")
        # and at grow's call it did not yet
        at_call = [e for e in events if e["kind"] == "call" and e["stack"][0]["function"] == "grow"][0]
        self.assertEqual(at_call["stack"][1]["locals"]["data"], "[]")
        self.assertEqual({e["thread"] for e in events}, {1})
        self.assertEqual(summary[0][:2], ("call", "<module>"))  # its line is 0 on 3.11+, 1 before


if __name__ == "__main__":
    unittest.main()
