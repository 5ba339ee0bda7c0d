# Steps and frames: exceptions (raised/uncaught with tracebacks), generators resumed as new frame rows sharing
# one locals scope, coroutines, returns, and one gap-free global step order across threads.
import unittest

from .recording_checks import Recording, marker_lines, program_path, record

LINE, CALL, RETURN, EXCEPTION = 0, 1, 2, 3


class ExceptionsTest(unittest.TestCase):
    def setUp(self):
        program = program_path("exceptions_prog.py")
        self.completed, out = record(program)
        self.recording = Recording(out)
        self.addCleanup(self.recording.close)
        self.marks = marker_lines(program)

    def test_raised_caught_and_uncaught_rows(self):
        rows = self.recording.query("SELECT step, type, message, traceback, kind FROM exceptions ORDER BY step, kind")
        raised = [row for row in rows if row[4] == "raised"]
        self.assertEqual([(r[1], r[2]) for r in raised],
                         [("ValueError", "negative: -1"), ("__main__.Custom", "quiet"),
                          ("ValueError", "negative: -2")])
        first = raised[0]
        self.assertEqual(self.recording.query("SELECT kind, line FROM steps WHERE step = ?", first[0])[0],
                         (EXCEPTION, self.marks["raise"]))
        self.assertIn('line %d, in inner' % self.marks["raise"], first[3])
        self.assertTrue(first[3].startswith("Traceback (most recent call last):\n"))
        uncaught = [row for row in rows if row[4] == "uncaught"]
        self.assertEqual(len(uncaught), 1)
        self.assertEqual(uncaught[0][1:3], ("ValueError", "negative: -2"))
        self.assertIn("line %d, in <module>" % self.marks["uncaught"], uncaught[0][3])
        self.assertIn("in inner", uncaught[0][3])
        self.assertNotIn("watercodeflow", uncaught[0][3])

    def test_exception_propagates_as_steps_in_each_frame_and_the_handler_runs_after(self):
        handler_steps = self.recording.line_steps(self.marks["handler"])
        self.assertEqual(len(handler_steps), 1)
        exception_frames = [
            function for function, in self.recording.query(
                "SELECT c.name FROM steps s JOIN frames f USING (frame_id) JOIN code c USING (code_id)"
                " WHERE s.kind = ? AND s.step < ? ORDER BY s.step", EXCEPTION, handler_steps[0])
        ]
        self.assertEqual(exception_frames, ["inner", "outer"])
        self.assertEqual(self.recording.local(handler_steps[0] + 1, "caught"), "'negative: -1'")
        with self.assertRaises(KeyError):
            self.recording.local(handler_steps[0], "caught")  # not bound before its line ran

    def test_frames_unwound_by_an_exception_end_at_their_exception_step(self):
        rows = self.recording.query(
            "SELECT f.end_step, s.kind FROM frames f JOIN code c USING (code_id) JOIN steps s ON s.step = f.end_step"
            " WHERE c.name = 'inner'")
        self.assertEqual([kind for _e, kind in rows], [EXCEPTION, EXCEPTION])


class GeneratorsAndCoroutinesTest(unittest.TestCase):
    def setUp(self):
        program = program_path("generators_async.py")
        self.completed, out = record(program)
        self.assertEqual(self.completed.returncode, 0, self.completed.stderr)
        self.recording = Recording(out)
        self.addCleanup(self.recording.close)
        self.marks = marker_lines(program)

    def frames_of(self, function):
        return self.recording.query(
            "SELECT f.frame_id, f.locals_scope, f.call_step, f.end_step, f.parent_id FROM frames f"
            " JOIN code c USING (code_id) WHERE c.name = ? ORDER BY f.frame_id", function)

    def test_each_resumption_is_a_frame_row_sharing_the_generator_scope(self):
        frames = self.frames_of("counter")
        self.assertEqual(len(frames), 4)  # first next(), second next(), two resumptions by list()
        self.assertEqual(len({scope for _f, scope, *_ in frames}), 1)
        yields = self.recording.query(
            "SELECT r.step, v.repr FROM returns r JOIN vals v USING (value_id) JOIN frames f USING (frame_id)"
            " JOIN code c USING (code_id) WHERE c.name = 'counter' ORDER BY r.step")
        self.assertEqual([text for _s, text in yields], ["0", "1", "3", "None"])
        second_resume = frames[1][2]
        self.assertEqual(self.recording.local(second_resume, "total"), "0")
        self.assertEqual(self.recording.local(frames[2][2], "total"), "1")

    def test_coroutines_are_recorded_across_awaits(self):
        frames = self.frames_of("double")
        self.assertEqual(len(frames), 4)  # two coroutines, each started and resumed once
        after_await = self.recording.line_steps(self.marks["after-await"])
        self.assertEqual(sorted(self.recording.local(step, "x") for step in after_await), ["1", "2"])
        returns = self.recording.query(
            "SELECT v.repr FROM returns r JOIN vals v USING (value_id) JOIN frames f USING (frame_id)"
            " JOIN code c USING (code_id) WHERE c.name = 'double' AND v.repr IN ('2', '4')")
        self.assertEqual(sorted(text for text, in returns), ["2", "4"])


class StepOrderTest(unittest.TestCase):
    def test_steps_are_gap_free_and_threads_share_one_order(self):
        completed, out = record(program_path("aliasing.py"))
        recording = Recording(out)
        self.addCleanup(recording.close)
        steps = recording.steps()
        self.assertEqual([s for s, *_ in steps], list(range(len(steps))))
        self.assertGreaterEqual(min(line for *_, line in steps), 1)  # lines are 1-based
        self.assertEqual(int(recording.meta["step_count"]), len(steps))
        threads = {thread for thread, in recording.query(
            "SELECT DISTINCT f.thread_id FROM steps s JOIN frames f USING (frame_id)")}
        self.assertEqual(threads, {1, 2})
        for frame_id, call_step, end_step in recording.query("SELECT frame_id, call_step, end_step FROM frames"):
            self.assertIsNotNone(end_step, "frame %d never ended" % frame_id)
            self.assertLessEqual(call_step, end_step)
            first = recording.query("SELECT MIN(step), MAX(step) FROM steps WHERE frame_id = ?", frame_id)[0]
            self.assertEqual((first[0], first[1]), (call_step, end_step))


if __name__ == "__main__":
    unittest.main()
