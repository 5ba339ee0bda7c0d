# Tests of native/wcfcore/build.py, which compiles the C core for one interpreter: the optimised build
# (-O3 -flto=auto) and its fallback to a plain -O2 build for a compiler that refuses link-time optimisation.
# Each test compiles the real sources with the real gcc behind a wrapper script that logs (or refuses) flags.
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BUILD_SCRIPT = os.path.join(ROOT, "native", "wcfcore", "build.py")

# Loads a build from its path under another module name than the recorder's, and prints what it offers.
LOAD = r"""
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.ExtensionFileLoader("watercodeflow._wcfcore", sys.argv[1])
spec = importlib.util.spec_from_file_location("watercodeflow._wcfcore", sys.argv[1], loader=loader)
module = importlib.util.module_from_spec(spec)
loader.exec_module(module)
print(hasattr(module, "Core"), hasattr(module, "decode_column"))
"""


def skip_reason():
    if os.environ.get("WATERCODEFLOW_RECORDER") == "python":
        return "the build does not depend on the recorder core under test; it runs with the C core's suite"
    if not (3, 11) <= sys.version_info[:2] <= (3, 13):
        return "the C core supports CPython 3.11-3.13, this is %d.%d" % sys.version_info[:2]
    if not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "internal", "pycore_frame.h")):
        return "this interpreter's C headers (with internal/) are not installed"
    if shutil.which("gcc") is None:
        return "no gcc on PATH"
    return None


@unittest.skipIf(skip_reason() is not None, skip_reason() or "")
class CoreBuild(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="wcf-core-build-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.log = os.path.join(self.dir, "cc.log")

    def compiler(self, refuse_lto: bool) -> str:
        """A CC that logs each command line and runs gcc, or fails like a compiler without -flto=auto."""
        path = os.path.join(self.dir, "cc")
        refuse = ('for a in "$@"; do [ "$a" = "-flto=auto" ] && { echo "cc: unrecognized option -flto=auto" >&2; '
                  'exit 1; }; done\n') if refuse_lto else ""
        with open(path, "w") as script:
            script.write('#!/bin/sh\necho "$*" >> "%s"\n%sexec gcc "$@"\n' % (self.log, refuse))
        os.chmod(path, 0o755)
        return path

    def build(self, refuse_lto: bool):
        out = os.path.join(self.dir, "out", "_wcfcore" + sysconfig.get_config_var("EXT_SUFFIX"))
        env = dict(os.environ, CC=self.compiler(refuse_lto))
        result = subprocess.run([sys.executable, BUILD_SCRIPT, "--out", out], env=env, capture_output=True,
                                text=True, timeout=300)
        with open(self.log) as log:
            commands = log.read().splitlines()
        return result, out, commands

    def assert_loads(self, out: str) -> None:
        loaded = subprocess.run([sys.executable, "-c", LOAD, out], capture_output=True, text=True, timeout=60)
        self.assertEqual(loaded.returncode, 0, loaded.stderr)
        self.assertEqual(loaded.stdout.split(), ["True", "True"])

    def test_the_build_is_named_with_the_interpreters_extension_suffix(self) -> None:
        # wcfcore_location names the build without sysconfig (start-up time): it must be sysconfig's name
        sys.path.insert(0, os.path.join(ROOT, "native"))
        self.addCleanup(sys.path.remove, os.path.join(ROOT, "native"))
        from watercodeflow.wcfcore_location import core_file_name

        self.assertEqual(core_file_name(), "_wcfcore" + sysconfig.get_config_var("EXT_SUFFIX"))

    def test_optimised_build_with_link_time_optimisation(self) -> None:
        result, out, commands = self.build(refuse_lto=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(commands), 1, commands)
        self.assertIn("-O3", commands[0].split())
        self.assertIn("-flto=auto", commands[0].split())
        self.assertNotIn("building again", result.stderr)
        self.assert_loads(out)

    def test_a_compiler_without_lto_gets_a_plain_build(self) -> None:
        result, out, commands = self.build(refuse_lto=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("building again with -O2", result.stderr)
        self.assertEqual(len(commands), 2, commands)
        self.assertIn("-O2", commands[1].split())
        self.assertNotIn("-flto=auto", commands[1].split())
        self.assert_loads(out)


if __name__ == "__main__":
    unittest.main()
