# Fidelity: the recorder's state at every step must equal what an independent naive tracer saw
# (test/python/reference/naive_tracer.py). Records each program in programs/ with the real recorder (`record
# --mode deep`), traces it with the reference, aligns the events and compares stacks, types and reprs of every
# local of every frame. Never edits or skips steps; the only normalisations are listed in NORMALISATIONS.
from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest
from typing import Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
NATIVE_DIR = os.path.join(REPO_ROOT, "native")
PROGRAMS_DIR = os.path.join(HERE, "programs")
REFERENCE_TRACER = os.path.join(REPO_ROOT, "test", "python", "reference", "naive_tracer.py")
# The interpreter under test (both the recorder and the reference run on it) and extra `record` arguments, so
# CI can run the suite per interpreter and per core (e.g. a pure-Python switch) without editing this file.
PYTHON = os.environ.get("WATERCODEFLOW_TEST_PYTHON") or os.environ.get("WCF_TEST_PYTHON") or sys.executable
EXTRA_RECORD_ARGS = shlex.split(os.environ.get("WATERCODEFLOW_TEST_RECORD_ARGS", ""))
MAX_REPORTED_DIFFERENCES = 8

if NATIVE_DIR not in sys.path:
    sys.path.insert(0, NATIVE_DIR)
from watercodeflow.reader import UNBOUNDED, Recording  # noqa: E402
from watercodeflow.recording_expand import expand  # noqa: E402

sys.path.insert(0, HERE)
from handmade_recording import edit_stored_rows  # noqa: E402

NORMALISATIONS = """
1. Memory addresses (`0x7f...`) read `0x?`: two processes never share them.
2. Module-level frames: `__builtins__`, `__loader__`, `__spec__`, `__cached__` are dropped on both sides; they
   describe how the launcher loaded the file (runpy vs. the reference's exec), not program state.
3. Values whose type comes from `threading`/`_thread` are compared by type only: they hold thread idents,
   native ids and lock states that differ between two runs of one program.
4. Cut markers: the reference renders its snapshots with the recording's own documented limits (meta.limits:
   maxRepr, maxItems, maxDepth), so a cut value is compared with the same cut.
5. Threads: events are compared per thread, each in its own order; the interleaving of two runs differs.
6. A frame left by an exception: settrace reports a "return" (the reference marks it `unwind`); the format
   records no step for it (frames.end_step is the last `exception` step), so unwind events are not expected.
7. Objects the recorder shows by identity only (its fixed display `<Type object at 0x…>` for objects it will
   not call repr() on: cells, exceptions with non-scalar args, iterators, ...) are compared by type: the
   recording holds no content for them to compare.
   Inside a larger display, such an identity display reads `<Type object>` on both sides (a lock's repr
   adds `locked`/`unlocked`), and a module reads `<module 'name'>` (the recorder builds module displays from
   `__name__`/`__file__` without calling repr(), which differs for frozen modules such as `os` on 3.11).
8. Line 0 (CPython >= 3.11 reports a module's `call` event there) reads as the code's first line: the format's
   lines are 1-based and the recorder writes `co_firstlineno` for it.
"""

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_LAUNCHER_NAMES = frozenset({"__builtins__", "__loader__", "__spec__", "__cached__"})
_TYPE_ONLY_PREFIXES = ("threading.", "_thread.")
_IDENTITY_DISPLAY = re.compile(r"^<[\w.]+ object at 0x\?>$")
_NESTED_IDENTITY_DISPLAY = re.compile(r"<(?:locked |unlocked )?([\w.]+) object at 0x\?>")
_MODULE_DISPLAY = re.compile(r"<module '([\w.]+)'(?: from '[^']*'| \([\w-]+\))?>")

# A local, normalised: (type name, text)
Local = Tuple[str, str]
# One event, normalised: (kind, [(file, line, function, {name: Local})] innermost first)
Event = Tuple[str, List[Tuple[str, int, str, Dict[str, Local]]]]


def normalise_local(type_name: str, text: str) -> Local:
    if type_name.startswith(_TYPE_ONLY_PREFIXES):
        return type_name, "<compared by type>"
    text = _ADDRESS.sub("0x?", text)
    if not _IDENTITY_DISPLAY.match(text):  # whole identity displays are left for same_local() (normalisation 7)
        text = _NESTED_IDENTITY_DISPLAY.sub(r"<\1 object>", text)
    return type_name, _MODULE_DISPLAY.sub(r"<module '\1'>", text)


def normalise_frame_locals(function: str, values: Dict[str, Local]) -> Dict[str, Local]:
    if function != "<module>":
        return dict(values)
    return {name: value for name, value in values.items() if name not in _LAUNCHER_NAMES}


def recorded_events(path: str) -> Tuple[Dict[int, List[Event]], dict]:
    """Per thread (in order of first step), the recorder's events as the reader reconstructs them."""
    per_thread: Dict[int, List[Event]] = {}
    with Recording(path, UNBOUNDED) as recording:
        limits = json.loads(recording.meta.get("limits", "{}"))
        for step in range(recording.step_count):
            kind, _frame_id, _line = recording.step_info(step)
            frames = []
            stack = recording.stack_at(step)
            for frame in stack:
                module_level = frame.function == "<module>" or frame.locals_scope == frame.globals_scope
                scope = frame.globals_scope if module_level else frame.locals_scope
                values = {name: normalise_local(value.type, value.text)
                          for name, value in recording.scope_values(scope, step, UNBOUNDED).items()}
                frames.append((frame.file, frame.line, frame.function,
                               normalise_frame_locals(frame.function, values)))
            per_thread.setdefault(stack[0].thread_id, []).append((kind, frames))
        meta = dict(recording.meta)
    meta["limits_parsed"] = limits
    return per_thread, meta


def reference_events(path: str) -> Dict[int, List[Event]]:
    with open(path, encoding="utf-8") as handle:
        dumped = json.load(handle)
    per_thread: Dict[int, List[Event]] = {}
    for event in dumped["events"]:
        if event["kind"] == "unwind":
            continue  # normalisation 6
        frames = []
        for frame in event["stack"]:
            values = {name: normalise_local(frame["types"][name], text) for name, text in frame["locals"].items()}
            line = frame["line"] if frame["line"] != 0 else frame["first_line"]  # normalisation 8
            frames.append((frame["file"], line, frame["function"], normalise_frame_locals(frame["function"], values)))
        per_thread.setdefault(event["thread"], []).append((event["kind"], frames))
    return per_thread


def same_local(mine: Optional[Local], theirs: Optional[Local]) -> bool:
    if mine is not None and theirs is not None and _IDENTITY_DISPLAY.match(mine[1]):
        return mine[0] == theirs[0]  # normalisation 7
    return mine == theirs


def describe_event(event: Optional[Event]) -> str:
    if event is None:
        return "(no event)"
    kind, frames = event
    return "%s at %s" % (kind, " <- ".join("%s:%d" % (function, line) for _file, line, function, _l in frames))


def compare_threads(recorded: List[Event], reference: List[Event], thread: int) -> List[str]:
    """Differences between two aligned event sequences of one thread, first ones first."""
    differences: List[str] = []
    for index in range(max(len(recorded), len(reference))):
        mine = recorded[index] if index < len(recorded) else None
        theirs = reference[index] if index < len(reference) else None
        if mine is None or theirs is None:
            differences.append("thread %d event %d: the recorder has %d events, the reference %d; next one: "
                               "recorder %s / reference %s" % (thread, index, len(recorded), len(reference),
                                                               describe_event(mine), describe_event(theirs)))
            break
        where = "thread %d event %d (%s)" % (thread, index, describe_event(theirs))
        if mine[0] != theirs[0] or [f[:3] for f in mine[1]] != [f[:3] for f in theirs[1]]:
            differences.append("%s: the recorder is at %s; the events are out of step from here" % (
                where, describe_event(mine)))
            break  # once misaligned, every later comparison would be noise
        for depth, (my_frame, their_frame) in enumerate(zip(mine[1], theirs[1])):
            my_locals, their_locals = my_frame[3], their_frame[3]
            for name in sorted(set(my_locals) | set(their_locals)):
                if not same_local(my_locals.get(name), their_locals.get(name)):
                    differences.append("%s, frame #%d %s, %s: recorder %s, reference %s" % (
                        where, depth, their_frame[2], name, _show(my_locals.get(name)),
                        _show(their_locals.get(name))))
        if len(differences) >= MAX_REPORTED_DIFFERENCES:
            break
    return differences


def _show(local: Optional[Local]) -> str:
    if local is None:
        return "(not bound)"
    text = local[1] if len(local[1]) <= 160 else local[1][:160] + "..."
    return "%s (%s)" % (text, local[0])


def run_recorder(program: str, out: str, args: Sequence[str] = ()) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=NATIVE_DIR, PYTHONHASHSEED="0")
    command = [PYTHON, "-m", "watercodeflow", "record", "--mode", "deep", "--out", out, *EXTRA_RECORD_ARGS,
               "--", program, *args]
    return subprocess.run(command, cwd=os.path.dirname(program), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)


def run_reference(program: str, out: str, limits: dict, args: Sequence[str] = ()) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("PYTHONPATH", None)
    command = [PYTHON, REFERENCE_TRACER, "--out", out]
    for option, key in (("--max-repr", "maxRepr"), ("--max-items", "maxItems"), ("--max-depth", "maxDepth")):
        if limits.get(key) is not None:
            command += [option, str(limits[key])]
    command += [program, *args]
    return subprocess.run(command, cwd=os.path.dirname(program), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)


def check_program(test: unittest.TestCase, program: str, args: Sequence[str] = ()) -> None:
    with tempfile.TemporaryDirectory(prefix="wcf-fidelity-") as work:
        recording = os.path.join(work, "run.wcf")
        recorded_run = run_recorder(program, recording, args)
        test.assertTrue(os.path.exists(recording), "the recorder wrote no recording for %s (exit %d):\n%s" % (
            program, recorded_run.returncode, recorded_run.stderr.decode(errors="replace")[-3000:]))
        recorded, meta = recorded_events(recording)
        test.assertEqual(meta.get("status"), "complete", "recording of %s not complete: %s" % (program, meta))
        trace = os.path.join(work, "reference.json")
        reference_run = run_reference(program, trace, meta["limits_parsed"], args)
        test.assertTrue(os.path.exists(trace), "the reference tracer failed on %s:\n%s" % (
            program, reference_run.stderr.decode(errors="replace")[-3000:]))
        test.assertEqual(recorded_run.stdout, reference_run.stdout,
                         "%s printed different stdout under the recorder and under the reference" % program)
        reference = reference_events(trace)
        test.assertEqual(len(recorded), len(reference), "thread count differs for %s: recorder %d, reference %d"
                         % (program, len(recorded), len(reference)))
        differences: List[str] = []
        for (thread, mine), theirs in zip(sorted(recorded.items()), (reference[t] for t in sorted(reference))):
            differences += compare_threads(mine, theirs, thread)
        if differences:
            test.fail("%s: the recording differs from the reference tracer:\n  %s\n(normalisations applied:%s)"
                      % (os.path.basename(program), "\n  ".join(differences[:MAX_REPORTED_DIFFERENCES]),
                         NORMALISATIONS))


def _program_test(program: str):
    def test(self: unittest.TestCase) -> None:
        check_program(self, program)
    test.__doc__ = "recorder == reference at every step of programs/%s" % os.path.basename(program)
    return test


class RecorderMatchesNaiveReference(unittest.TestCase):
    """One test per program in programs/ (added below)."""

    def test_every_program_is_covered(self) -> None:
        self.assertGreaterEqual(len(PROGRAMS), 10, "programs/ lost its fidelity programs")


PROGRAMS = sorted(glob.glob(os.path.join(PROGRAMS_DIR, "*.py")))
for _program in PROGRAMS:
    setattr(RecorderMatchesNaiveReference, "test_" + os.path.splitext(os.path.basename(_program))[0],
            _program_test(_program))


class TamperedRecordingIsCaught(unittest.TestCase):
    """End to end: one changed object state in a real recording must make the comparison fail."""

    def test_one_spoiled_state_is_reported(self) -> None:
        program = os.path.join(PROGRAMS_DIR, "aliasing.py")
        with tempfile.TemporaryDirectory(prefix="wcf-tamper-") as work:
            recording = os.path.join(work, "run.wcf")
            done = run_recorder(program, recording)
            self.assertEqual(done.returncode, 0, done.stderr.decode(errors="replace")[-2000:])
            trace = os.path.join(work, "reference.json")
            _recorded, meta = recorded_events(recording)
            run_reference(program, trace, meta["limits_parsed"])
            reference = reference_events(trace)
            spoiled = os.path.join(work, "spoiled.wcf")
            shutil.copy(recording, spoiled)
            db = expand(spoiled)
            # the last state of the list `first`/`second` point to: drop its last element
            object_id, step = db.execute(
                "SELECT s.object_id, s.step FROM object_states s JOIN objects o USING (object_id) "
                "WHERE o.kind = 'list' ORDER BY s.step DESC LIMIT 1").fetchone()
            db.close()

            def spoil(row):
                state_object, state_step, length, cut, delta, children = row
                if (state_object, state_step) != (object_id, step):
                    return row
                return state_object, state_step, length - 1, cut, delta, json.dumps(json.loads(children)[:-1])

            edit_stored_rows(spoiled, "object_states", spoil)
            self.assertEqual(compare_threads(recorded_events(recording)[0][1], reference[1], 1), [])
            differences = compare_threads(recorded_events(spoiled)[0][1], reference[1], 1)
            self.assertTrue(differences, "a spoiled recording compared equal to the reference")


class ComparatorCatchesDifferences(unittest.TestCase):
    """The comparison itself must be able to fail: a test that cannot fail is a defect."""

    EVENT: Event = ("line", [("/p.py", 3, "f", {"x": ("int", "1")}), ("/p.py", 9, "<module>", {})])

    def test_equal_sequences_pass(self) -> None:
        self.assertEqual(compare_threads([self.EVENT], [self.EVENT], 1), [])

    def test_a_different_value_is_reported(self) -> None:
        other: Event = ("line", [("/p.py", 3, "f", {"x": ("int", "2")}), ("/p.py", 9, "<module>", {})])
        differences = compare_threads([self.EVENT], [other], 1)
        self.assertEqual(len(differences), 1)
        self.assertIn("x: recorder 1 (int), reference 2 (int)", differences[0])

    def test_a_missing_local_is_reported(self) -> None:
        other: Event = ("line", [("/p.py", 3, "f", {}), ("/p.py", 9, "<module>", {})])
        self.assertIn("(not bound)", compare_threads([self.EVENT], [other], 1)[0])

    def test_a_different_line_or_kind_stops_the_alignment(self) -> None:
        moved: Event = ("line", [("/p.py", 4, "f", {"x": ("int", "1")}), ("/p.py", 9, "<module>", {})])
        self.assertIn("out of step", compare_threads([self.EVENT, self.EVENT], [moved, moved], 1)[0])
        returned: Event = ("return", self.EVENT[1])
        self.assertEqual(len(compare_threads([self.EVENT], [returned], 1)), 1)

    def test_a_missing_event_is_reported(self) -> None:
        self.assertIn("the recorder has 1 events, the reference 2",
                      compare_threads([self.EVENT], [self.EVENT, self.EVENT], 1)[0])

    def test_normalisation_only_touches_what_it_documents(self) -> None:
        self.assertEqual(normalise_local("function", "<function f at 0x7f00ab>"), ("function", "<function f at 0x?>"))
        self.assertEqual(normalise_local("threading.Thread", "Thread(_ident=5)")[1], "<compared by type>")
        self.assertEqual(normalise_local("list", "[1, 2]"), ("list", "[1, 2]"))
        self.assertEqual(normalise_local("x.S", "S(lock=<unlocked _thread.lock object at 0x7f01>)")[1],
                         "S(lock=<_thread.lock object>)")
        self.assertEqual(normalise_local("x.S", "S(lock=<_thread.lock object at 0x7f01>)")[1],
                         "S(lock=<_thread.lock object>)")
        self.assertEqual(normalise_local("module", "<module 'os' (frozen)>"),
                         normalise_local("module", "<module 'os' from '/usr/lib/python3.11/os.py'>"))
        self.assertNotEqual(normalise_local("module", "<module 'os' (frozen)>"),
                            normalise_local("module", "<module 'sys' (built-in)>"))
        kept = normalise_frame_locals("<module>", {"__name__": ("str", "'__main__'"), "__spec__": ("NoneType", "None")})
        self.assertEqual(kept, {"__name__": ("str", "'__main__'")})
        self.assertIn("__spec__", normalise_frame_locals("f", {"__spec__": ("NoneType", "None")}))
        self.assertTrue(same_local(("cell", "<cell object at 0x?>"), ("cell", "<cell at 0x?: empty>")))
        self.assertFalse(same_local(("cell", "<cell object at 0x?>"), ("int", "1")))
        self.assertFalse(same_local(("list", "[1]"), ("list", "<list object at 0x?>")))  # only the recorder's side


if __name__ == "__main__":
    unittest.main()
