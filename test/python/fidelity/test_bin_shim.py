# Tests of the npm `watercodeflow` command (bin/watercodeflow.js): Python discovery, PYTHONPATH, arguments,
# exit codes and signals passed through. Uses a copy of the shim beside a fake watercodeflow package.
from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from handmade_recording import REPO_ROOT, write_alias_recording  # noqa: E402

SHIM = os.path.join(REPO_ROOT, "bin", "watercodeflow.js")
NODE = shutil.which("node")

FAKE_MAIN = textwrap.dedent("""\
    import json, os, signal, sys
    args = sys.argv[1:]
    if args[:1] == ["signal"]:
        os.kill(os.getpid(), getattr(signal, args[1]))
    print(json.dumps({"args": args, "pythonpath": os.environ.get("PYTHONPATH"), "executable": sys.executable}))
    sys.exit(int(args[1]) if args[:1] == ["exit"] else 0)
""")


def write_executable(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)


@unittest.skipIf(NODE is None, "node is not on PATH")
class BinShim(unittest.TestCase):
    def setUp(self) -> None:
        self.root = tempfile.mkdtemp(prefix="wcf-shim-")
        os.makedirs(os.path.join(self.root, "bin"))
        os.makedirs(os.path.join(self.root, "native", "watercodeflow"))
        shutil.copy(SHIM, os.path.join(self.root, "bin", "watercodeflow.js"))
        open(os.path.join(self.root, "native", "watercodeflow", "__init__.py"), "w").close()
        with open(os.path.join(self.root, "native", "watercodeflow", "__main__.py"), "w") as handle:
            handle.write(FAKE_MAIN)
        self.tools = os.path.join(self.root, "tools")  # a PATH with only what a test puts there
        os.makedirs(self.tools)

    def tearDown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def run_shim(self, *args: str, env_extra=None, shim=None) -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items() if key not in ("WATERCODEFLOW_PYTHON", "PYTHONPATH")}
        env["WATERCODEFLOW_PYTHON"] = sys.executable
        env.update(env_extra or {})
        env = {key: value for key, value in env.items() if value is not None}
        return subprocess.run([NODE, shim or os.path.join(self.root, "bin", "watercodeflow.js"), *args], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)

    def test_arguments_and_pythonpath(self) -> None:
        done = self.run_shim("inspect", "a b.wcf", "--at", "3", env_extra={"PYTHONPATH": "/somewhere/else"})
        self.assertEqual(done.returncode, 0, done.stderr)
        seen = json.loads(done.stdout)
        self.assertEqual(seen["args"], ["inspect", "a b.wcf", "--at", "3"])
        self.assertEqual(seen["pythonpath"], os.path.join(self.root, "native") + os.pathsep + "/somewhere/else")
        done = self.run_shim("x")
        self.assertEqual(json.loads(done.stdout)["pythonpath"], os.path.join(self.root, "native"))

    def test_exit_code_passes_through(self) -> None:
        for code in (0, 1, 2, 146):
            with self.subTest(code=code):
                self.assertEqual(self.run_shim("exit", str(code)).returncode, code)

    def test_child_killed_by_a_signal_kills_the_shim_with_it(self) -> None:
        for name in ("SIGTERM", "SIGKILL"):
            with self.subTest(signal=name):
                done = self.run_shim("signal", name)
                self.assertEqual(done.returncode, -getattr(signal, name), done.stderr)

    def test_python_from_path_python3_then_python(self) -> None:
        os.symlink(sys.executable, os.path.join(self.tools, "python"))  # no python3: falls back to python
        done = self.run_shim("x", env_extra={"WATERCODEFLOW_PYTHON": None, "PATH": self.tools})
        self.assertEqual(done.returncode, 0, done.stderr)
        os.symlink(sys.executable, os.path.join(self.tools, "python3"))
        done = self.run_shim("x", env_extra={"WATERCODEFLOW_PYTHON": None, "PATH": self.tools})
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_no_usable_python_is_a_clear_error(self) -> None:
        done = self.run_shim("inspect", env_extra={"WATERCODEFLOW_PYTHON": None, "PATH": self.tools})
        self.assertEqual(done.returncode, 2)
        self.assertIn(b"needs Python 3.8 or newer and found none", done.stderr)
        self.assertIn(b"python3 (PATH): not found", done.stderr)
        self.assertIn(b"WATERCODEFLOW_PYTHON", done.stderr)
        write_executable(os.path.join(self.tools, "python3"), "#!/bin/sh\nprintf 3.6\n")
        done = self.run_shim("inspect", env_extra={"WATERCODEFLOW_PYTHON": None, "PATH": self.tools})
        self.assertEqual(done.returncode, 2)
        self.assertIn(b"Python 3.6 is too old", done.stderr)
        done = self.run_shim("inspect", env_extra={"WATERCODEFLOW_PYTHON": "/no/such/python"})
        self.assertEqual(done.returncode, 2)
        self.assertIn(b"/no/such/python (WATERCODEFLOW_PYTHON): not found", done.stderr)

    def test_the_real_package_runs_inspect(self) -> None:
        recording = write_alias_recording(os.path.join(self.root, "alias.wcf"))
        done = self.run_shim("inspect", recording, "--at", "8", shim=SHIM)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(b"items = [1, 2]", done.stdout)
        done = self.run_shim("inspect", os.path.join(self.root, "absent.wcf"), shim=SHIM)
        self.assertEqual(done.returncode, 2)


if __name__ == "__main__":
    unittest.main()
