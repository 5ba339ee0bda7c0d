# Which files are recorded: justMyCode (program folder / cwd, no stdlib or site-packages) and --no-just-my-code
# (everything but watercodeflow itself).
import os
import unittest

from .recording_checks import NATIVE_DIR, Recording, program_path, record


def recorded_files(test, options):
    completed, out = record(program_path("just_my_code_prog.py"), options=options)
    test.assertEqual(completed.returncode, 0, completed.stderr)
    recording = Recording(out)
    test.addCleanup(recording.close)
    files = {path for path, in recording.query(
        "SELECT DISTINCT fi.path FROM steps s JOIN frames f USING (frame_id) JOIN code c USING (code_id)"
        " JOIN files fi USING (file_id)")}
    return recording, files


class JustMyCodeTest(unittest.TestCase):
    def test_default_records_the_program_folder_only(self):
        recording, files = recorded_files(self, [])
        self.assertEqual({os.path.basename(path) for path in files}, {"just_my_code_prog.py", "helper_module.py"})
        self.assertEqual(recording.meta["just_my_code"], "1")

    def test_everything_but_the_recorder_itself(self):
        recording, files = recorded_files(self, ["--no-just-my-code"])
        self.assertIn("__init__.py", {os.path.basename(path) for path in files})  # json/__init__.py
        self.assertTrue(any(os.sep + "json" + os.sep in path for path in files))
        own = os.path.join(NATIVE_DIR, "watercodeflow")
        self.assertFalse([path for path in files if path.startswith(own)])
        self.assertEqual(recording.meta["just_my_code"], "0")


if __name__ == "__main__":
    unittest.main()
