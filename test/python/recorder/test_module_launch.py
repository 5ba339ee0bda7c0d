# `record -m MODULE args` against plain `python -m MODULE args`: the same bytes, exit status, sys.argv, sys.path[0],
# __name__/__spec__, relative imports and lookup errors; which files are recorded (justMyCode for a module).
import json
import os
import re
import subprocess
import sysconfig
import unittest

from .recording_checks import (EXTRA_RECORD_ARGS, PROGRAMS, PYTHON, Recording, marker_lines, program_path,
                               recorder_env, temporary_dir)


def _environment(pythonpath):
    env = recorder_env()
    if pythonpath:
        env["PYTHONPATH"] += os.pathsep + pythonpath
    return env


def record_module(module, args=(), options=(), cwd=PROGRAMS, pythonpath=None, out=None):
    """`python -m watercodeflow record [options] -m module args`; returns (CompletedProcess, recording path)."""
    out = out or os.path.join(temporary_dir(), "module.wcf")
    command = [PYTHON, "-m", "watercodeflow", "record", "--out", out] + EXTRA_RECORD_ARGS + list(options)
    command += ["-m", module] + list(args)
    completed = subprocess.run(command, cwd=cwd, env=_environment(pythonpath), capture_output=True, timeout=120)
    return completed, out


def run_plain_module(module, args=(), cwd=PROGRAMS, pythonpath=None):
    env = recorder_env()
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run([PYTHON, "-m", module] + list(args), cwd=cwd, env=env, capture_output=True, timeout=120)


def recorded_files(recording):
    return {path for path, in recording.query(
        "SELECT DISTINCT fi.path FROM steps s JOIN frames f USING (frame_id) JOIN code c USING (code_id)"
        " JOIN files fi USING (file_id)")}


class ModuleLaunchTest(unittest.TestCase):
    def open(self, out):
        recording = Recording(out)
        self.addCleanup(recording.close)
        return recording

    def assert_same_as_plain(self, module, args=(), options=("--exit-code=program",)):
        plain = run_plain_module(module, args)
        completed, out = record_module(module, args, options)
        self.assertEqual((completed.stdout, completed.stderr, completed.returncode),
                         (plain.stdout, plain.stderr, plain.returncode))
        return completed, out

    def test_a_package_runs_its_main_with_what_python_m_gives_it(self):
        completed, out = self.assert_same_as_plain("modpkg", ["ok", "two words"])
        lines = completed.stdout.decode().splitlines()
        main_file = os.path.join(os.path.realpath(PROGRAMS), "modpkg", "__main__.py")
        self.assertEqual(lines[0], "modpkg imported with argv ['-m', 'ok', 'two words']")
        self.assertEqual(lines[2], "'__main__'")
        self.assertEqual(lines[3], repr([main_file, "ok", "two words"]))
        self.assertEqual(lines[4], os.path.realpath(PROGRAMS))  # sys.path[0]: the cwd, as for python -m
        self.assertEqual(lines[7], "modpkg.__main__ modpkg modpkg True")
        self.assertIn("total 42", lines)
        meta = self.open(out).meta
        self.assertEqual((meta["module"], meta["program"]), ("modpkg", main_file))
        self.assertEqual(json.loads(meta["argv"]), [main_file, "ok", "two words"])

    def test_exceptions_and_exit_codes_are_the_plain_ones(self):
        completed, out = self.assert_same_as_plain("modpkg", ["raise"])
        self.assertIn(b"ValueError: modpkg failed on purpose", completed.stderr)
        self.assertNotIn(b"watercodeflow", completed.stderr)
        rows = self.open(out).query("SELECT type, kind FROM exceptions WHERE kind = 'uncaught'")
        self.assertEqual(rows, [("ValueError", "uncaught")])
        self.assert_same_as_plain("modpkg", ["exit", "3"])
        completed, _ = record_module("modpkg", ["raise"])
        self.assertEqual(completed.returncode, 402 & 0xFF)  # the Watcher code of a program that raised
        completed, _ = record_module("modpkg", ["exit", "3"])
        self.assertEqual(completed.returncode, 0)

    def test_a_submodule_with_a_relative_import(self):
        completed, out = self.assert_same_as_plain("modpkg.cli", ["x"])
        self.assertIn(b"__main__ modpkg.cli modpkg True ['x']\n8\n", completed.stdout)
        recording = self.open(out)
        self.assertEqual(recording.meta["module"], "modpkg.cli")
        self.assertTrue(recording.line_steps(marker_lines(program_path("modpkg/cli.py"))["cli-print"]))

    def test_the_module_and_its_package_are_recorded_from_the_first_line_of_the_module(self):
        for options in ([], ["--no-just-my-code"]):
            completed, out = record_module("modpkg", options=options)
            self.assertEqual(completed.returncode, 0, completed.stderr)
            recording = self.open(out)
            files = recorded_files(recording)
            self.assertFalse([path for path in files if "runpy" in path or os.sep + "watercodeflow" + os.sep in path],
                             files)
            self.assertNotIn(program_path("modpkg/__init__.py"), files)  # imported while python -m looks it up
            first = recording.query("SELECT fi.path, c.name FROM steps s JOIN frames f USING (frame_id)"
                                    " JOIN code c USING (code_id) JOIN files fi USING (file_id) WHERE s.step = 0")
            self.assertEqual(first, [(program_path("modpkg/__main__.py"), "<module>")], options)
            self.assertTrue(recording.line_steps(marker_lines(program_path("modpkg/helper.py"))["double"]))
            if not options:
                self.assertEqual({os.path.basename(path) for path in files}, {"__main__.py", "helper.py"})

    def test_unittest_records_the_tests_but_not_unittest(self):
        plain = run_plain_module("unittest", ["tiny_unittest_case"])
        completed, out = record_module("unittest", ["tiny_unittest_case"], ["--exit-code=program"])
        timing = re.compile(rb"Ran 1 test in [0-9.]+s")
        self.assertEqual((completed.returncode, completed.stdout), (plain.returncode, plain.stdout))
        self.assertEqual(timing.sub(b"", completed.stderr), timing.sub(b"", plain.stderr))
        self.assertIn(b"OK", completed.stderr)
        recording = self.open(out)
        self.assertEqual(recorded_files(recording), {program_path("tiny_unittest_case.py")})
        marks = marker_lines(program_path("tiny_unittest_case.py"))
        for name in ("numbers", "assert"):
            self.assertEqual(len(recording.line_steps(marks[name], "test_sum")), 1, name)
        step = recording.line_steps(marks["assert"], "test_sum")[0]
        self.assertEqual(recording.local(step, "numbers"), "[1, 2, 3]")

    def test_a_package_found_through_pythonpath_is_recorded_one_in_site_packages_is_not(self):
        from watercodeflow.justmycode import FileFilter

        library = os.path.join(sysconfig.get_paths()["purelib"], "somepkg")
        elsewhere = temporary_dir("wcf-pkg-")
        file_filter = FileFilter(None, temporary_dir(), True, [library, elsewhere])
        self.assertFalse(file_filter.is_recorded(os.path.join(library, "core.py")))
        self.assertTrue(file_filter.is_recorded(os.path.join(elsewhere, "core.py")))
        lib_dir = temporary_dir("wcf-lib-")
        os.mkdir(os.path.join(lib_dir, "extpkg"))
        with open(os.path.join(lib_dir, "extpkg", "__main__.py"), "w") as source:
            source.write("value = 6 * 7\nprint(value)\n")
        cwd = temporary_dir("wcf-cwd-")
        plain = run_plain_module("extpkg", cwd=cwd, pythonpath=lib_dir)
        completed, out = record_module("extpkg", cwd=cwd, pythonpath=lib_dir)
        self.assertEqual((completed.returncode, completed.stdout, completed.stderr), (0, plain.stdout, b""))
        self.assertEqual(recorded_files(self.open(out)),
                         {os.path.join(os.path.realpath(lib_dir), "extpkg", "__main__.py")})

    def test_a_missing_module_is_a_validation_error_before_anything_runs(self):
        plain = run_plain_module("no_such_module_wcf")
        self.assertEqual(plain.returncode, 1)
        self.assertIn(b"No module named no_such_module_wcf", plain.stderr)
        out = os.path.join(temporary_dir(), "missing.wcf")
        for options in ([], ["--exit-code=program"]):
            completed, _ = record_module("no_such_module_wcf", options=options, out=out)
            self.assertEqual(completed.returncode, 2)
            self.assertEqual(completed.stdout, b"")
            self.assertRegex(completed.stderr.decode(), r"^watercodeflow record: error: No module named "
                             r"no_such_module_wcf, as `python -m no_such_module_wcf` would say: .*current directory")
            self.assertFalse(os.path.exists(out), "nothing is recorded")
        completed, _ = record_module(".relative", out=out)
        self.assertEqual(completed.returncode, 2)
        self.assertIn(b"Relative module names not supported", completed.stderr)

    def test_a_missing_submodule_fails_like_python_m_after_importing_its_package(self):
        completed, out = self.assert_same_as_plain("modpkg.nope")
        self.assertEqual(completed.returncode, 1)
        self.assertTrue(completed.stderr.endswith(b": No module named modpkg.nope\n"), completed.stderr)
        completed, out = record_module("modpkg.nope")
        self.assertEqual(completed.returncode, 2)  # the Watcher code: nothing of the module ran
        recording = self.open(out)
        self.assertEqual((recording.meta["status"], recording.meta["exit_code"], recording.meta["step_count"]),
                         ("complete", "1", "0"))
        self.assertEqual(recording.query("SELECT kind FROM notices"), [])

    def test_command_line_forms(self):
        for form in (["-mmodpkg.cli"], ["--module=modpkg.cli"], ["--module", "modpkg.cli"]):
            out = os.path.join(temporary_dir(), "form.wcf")
            command = [PYTHON, "-m", "watercodeflow", "record", "--out", out] + form + ["--verbose", "-m"]
            completed = subprocess.run(command, cwd=PROGRAMS, env=recorder_env(), capture_output=True, timeout=120)
            self.assertEqual(completed.returncode, 0, completed.stderr)
            self.assertIn(b"['--verbose', '-m']", completed.stdout)  # everything after MODULE is the module's
        completed = subprocess.run([PYTHON, "-m", "watercodeflow", "record", "-m"], cwd=PROGRAMS,
                                   env=recorder_env(), capture_output=True, timeout=120)
        self.assertEqual(completed.returncode, 2)
        self.assertIn(b"-m needs a module name", completed.stderr)
        cwd = temporary_dir()  # the default --out is ./MODULE.wcf in the current directory
        completed = subprocess.run([PYTHON, "-m", "watercodeflow", "record", "-m", "modpkg.cli"], cwd=cwd,
                                   env=_environment(PROGRAMS), capture_output=True, timeout=120)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertEqual(os.listdir(cwd), ["modpkg.cli.wcf"])


if __name__ == "__main__":
    unittest.main()
