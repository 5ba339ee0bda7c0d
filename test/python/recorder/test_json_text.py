# json_text (the recorder's start-up-cheap JSON writer) against the standard json module's reading of it.
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "native"))

from watercodeflow import json_text  # noqa: E402


class JsonTextTest(unittest.TestCase):
    def test_round_trips_through_the_json_module(self):
        values = [None, True, False, 0, -7, 2 ** 70, 1.5, -0.0, 1e300, "", "plain", 'q"uote\\back',
                  "tab\tnew\nline\r\x00\x1f\x7f", "h\u00e9llo \u2026 \U0001f600", ["a", 1, [None]], (1, 2),
                  {"maxRepr": 200, "nested": {"k": [1.25, "x"]}}, {}]
        for value in values:
            text = json_text.dumps(value)
            expected = list(value) if isinstance(value, tuple) else value
            self.assertEqual(json.loads(text), expected, text)

    def test_lone_surrogates_are_escaped(self):
        self.assertEqual(json_text.dumps("a\ud800b"), '"a\\ud800b"')

    def test_what_json_cannot_hold_is_refused(self):
        for value in (float("nan"), float("inf"), {1: "x"}, object()):
            with self.assertRaises(TypeError):
                json_text.dumps(value)


if __name__ == "__main__":
    unittest.main()
