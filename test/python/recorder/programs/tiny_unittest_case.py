# A tiny unittest module for `python -m unittest tiny_unittest_case` (test_module_launch.py): its lines must be
# recorded, unittest's (the standard library) not.
import unittest


class TinyTest(unittest.TestCase):
    def test_sum(self):
        numbers = [1, 2, 3]  # @numbers
        self.assertEqual(sum(numbers), 6)  # @assert


if __name__ == "__main__":
    unittest.main()
