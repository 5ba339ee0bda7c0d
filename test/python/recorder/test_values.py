# Values at every step: identity (aliasing), in-place mutations in callees and threads, limits and cut markers,
# and that the recorder never calls user code while capturing values.
import json
import unittest

from .recording_checks import Recording, marker_lines, program_path, record


def recorded(test, name, options=(), add_cleanup=None):
    program = program_path(name)
    completed, out = record(program, options=options)
    recording = Recording(out)
    (add_cleanup or test.addCleanup)(recording.close)
    return completed, recording, marker_lines(program)


class AliasingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.completed, cls.recording, cls.marks = recorded(cls, "aliasing.py", add_cleanup=cls.addClassCleanup)

    def step_at(self, mark, function=None):
        return self.recording.line_steps(self.marks[mark], function)[0]

    def test_two_names_one_object(self):
        step = self.step_at("call-grow")
        self.assertEqual(self.recording.object_id_of(step, "first"), self.recording.object_id_of(step, "second"))

    def test_mutation_through_one_name_shows_through_both_from_the_next_step(self):
        at_append = self.step_at("append")
        after = self.step_at("call-grow")
        self.assertEqual(self.recording.local(at_append, "first"), "[1, 2]")  # state *before* the line ran
        self.assertEqual(self.recording.local(after, "first"), "[1, 2, 3]")
        self.assertEqual(self.recording.local(after, "second"), "[1, 2, 3]")

    def test_mutation_in_a_callee_is_a_change_of_the_callers_object(self):
        callee = self.step_at("callee-append", "grow")
        self.assertEqual(self.recording.local(callee, "items"), "[1, 2, 3]")
        returned = [s for s, kind, f, line in self.recording.steps() if kind == 2 and s > callee][0]
        self.assertEqual(self.recording.local(returned, "items"), "[1, 2, 3, 'callee']")
        # while still inside the callee, the caller's names already see the new state (one object)
        object_id = self.recording.object_id_of(callee, "items")
        module_scope = self.recording.frame(1)[4]
        names = self.recording.scope_names(module_scope, returned)
        self.assertEqual(self.recording.value_row(names["first"])[2], object_id)
        self.assertEqual(self.recording.render(names["first"], returned), "[1, 2, 3, 'callee']")

    def test_mutation_in_another_thread(self):
        joined = self.step_at("joined")
        after_join = joined + 1
        while self.recording.frame_of_step(after_join)[2] != "<module>":
            after_join += 1
        self.assertEqual(self.recording.local(after_join, "first"), "[1, 2, 3, 'callee', 'thread']")
        self.assertEqual(self.recording.local(after_join, "point"), "__main__.Point(x=99, y=5)")
        threads = self.recording.query("SELECT thread_id, name FROM threads ORDER BY thread_id")
        self.assertEqual(threads[0], (1, "MainThread"))
        self.assertEqual(len(threads), 2)

    def test_attribute_dict_and_set_mutations(self):
        self.assertEqual(self.recording.local(self.step_at("set-attr"), "point"), "__main__.Point(x=1, y=2)")
        self.assertEqual(self.recording.local(self.step_at("set-attr") + 1, "point"), "__main__.Point(x=1, y=5)")
        end = self.step_at("end")
        self.assertEqual(self.recording.local(end, "table"), "{'k': [1, 2, 3, 'callee', 'thread']}")
        self.assertEqual(self.recording.local(end, "marks"), "{7}")
        self.assertEqual(self.recording.local(self.step_at("set-add"), "marks"), "{}")

    def test_states_are_written_only_when_they_change(self):
        rows = self.recording.query(
            "SELECT object_id, COUNT(*), COUNT(DISTINCT children) FROM object_states GROUP BY object_id")
        for object_id, count, distinct in rows:
            self.assertEqual(count, distinct, "object %d has repeated identical states" % object_id)


class LimitsTest(unittest.TestCase):
    def test_cut_markers(self):
        _, recording, marks = recorded(self, "limits_prog.py",
                                       ["--max-repr", "50", "--max-items", "10", "--mode", "deep",
                                        "--max-depth", "2"])
        end = recording.line_steps(marks["end"])[0]
        self.assertEqual(recording.local(end, "long_text"), "'" + "x" * 49 + "\u2026")
        self.assertEqual(recording.local(end, "many"), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, \u2026+140]")
        self.assertEqual(recording.local(end, "nested"), "[[<list len=1 cut>]]")
        self.assertTrue(recording.local(end, "wide").endswith("\u2026+110}"))
        self.assertTrue(recording.local(end, "big_int").startswith("<int with"))
        limits = json.loads(recording.meta["limits"])
        self.assertEqual((limits["maxRepr"], limits["maxItems"], limits["maxDepth"]), (50, 10, 2))


class NoUserCodeTest(unittest.TestCase):
    def test_user_dunders_are_never_called(self):
        completed, recording, marks = recorded(self, "repr_guard.py", ["--mode", "deep"])
        self.assertEqual(completed.stdout, b"[]\n", completed.stderr)
        end = recording.line_steps(marks["end"])[0]
        self.assertEqual(recording.local(end, "items"), "[1, 2, 3]")
        self.assertEqual(recording.local(end, "thing"), "__main__.Loud(value=1)")
        key = json.loads(recording.object_state(recording.object_id_of(end, "mapping"), end)[1])[0][0]
        self.assertRegex(key, r"^<__main__\.Loud object at 0x[0-9a-f]+>$")

    def test_opaque_values_get_pythons_default_display(self):
        _, recording, marks = recorded(self, "aliasing.py")
        end = recording.line_steps(marks["end"])[0]
        self.assertRegex(recording.local(end, "grow"), r"^<function grow at 0x[0-9a-f]+>$")
        self.assertRegex(recording.local(end, "threading"), r"^<module 'threading' from '.*threading\.py'>$")
        self.assertEqual(recording.local(end, "Point"), "<class '__main__.Point'>")


class ReadingChangesNothingTest(unittest.TestCase):
    def test_an_objects_missing_dict_is_not_created_by_reading_it(self):
        completed, recording, marks = recorded(self, "reading_changes_nothing.py", ["--mode", "deep"])
        self.assertEqual(completed.stdout, b"True (1, 2) 6\n".replace(b"True", b"inner read\nTrue"),
                         completed.stderr)
        step = recording.line_steps(marks["printed"])[0]
        self.assertRegex(recording.local(step, "outer"), r"^functools\.partial")


class SameNamedTypesTest(unittest.TestCase):
    """Distinct classes with one qualified name (a factory's class, a module imported fresh twice) share one
    row of the types table, whose names are unique: the recording completes and each object has its type."""

    def test_distinct_classes_with_one_name(self):
        completed, recording, marks = recorded(self, "same_named_types.py")
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertEqual(completed.stdout, b"False False 3\n")
        self.assertEqual(recording.meta["status"], "complete")
        step = recording.line_steps(marks["printed"])[0]
        self.assertNotEqual(recording.object_id_of(step, "a"), recording.object_id_of(step, "b"))
        self.assertEqual(recording.local(step, "a"), "__main__.make_point.<locals>.Point(x=1)")
        self.assertEqual(recording.local(step, "b"), "__main__.make_point.<locals>.Point(x=2)")
        self.assertEqual(recording.local(step, "pair", depth=2),
                         "(same_named_types_helper.Helper(loaded=True), same_named_types_helper.Helper(loaded=True))")
        names = [name for (name,) in recording.query("SELECT name FROM types")]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(names.count("__main__.make_point.<locals>.Point"), 1)


if __name__ == "__main__":
    unittest.main()
