#!/usr/bin/env python3
# `python3 scripts/lint_c.py [--cppcheck]`: the C checks of `npm run lint` (the compiler's -Wall -Wextra -Werror
# are the Makefiles'). Owns the text checks of native/wcfcore, native/libwcf and test/native (header comment,
# line length, tabs, trailing whitespace) and, with --cppcheck, running Debian's cppcheck over them; reads only.
"""Findings print as `path:line:col: CODE message` (codes as in lint_python.py; WCF1 is a missing header), then
one closing line; the exit status is 1 if any.

cppcheck runs with the warning, portability and performance checks (not style: its `const` and unread-variable
nits are not bugs). The C core is checked once per CPython version it supports (its code differs by
PY_VERSION_HEX), with cppcheck's python.cfg so that Py_RETURN_NONE and friends are understood without Python.h.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lint_python import ROOT, Findings, check_text  # noqa: E402

SOURCES = ["native/wcfcore/*.[ch]", "native/libwcf/*.[ch]", "test/native/*.[ch]"]
CORE_VERSIONS = {"3.11": "0x030B07F0", "3.12": "0x030C01F0", "3.13": "0x030D00F0"}
# Not --library=posix: it models mmap() as an allocation and then reports wcf_map()'s returned mapping as leaked.
CPPCHECK = ["--quiet", "--std=c11", "--enable=warning,portability,performance", "--inline-suppr",
            "--error-exitcode=1", "-D__GNUC__=12", "-D__linux__",
            "--template={file}:{line}:{column}: {id} {severity}: {message}",
            # wcf_zigzag: `value >> 63` on a negative int64 is implementation-defined in C11; GCC and Clang (the
            # only compilers the build supports) define it as the arithmetic shift the zigzag encoding needs.
            "--suppress=shiftTooManyBitsSigned:native/wcfcore/wcf_buf.h"]


def source_files():
    found = set()
    for pattern in SOURCES:
        found.update(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, pattern)))
    return sorted(found)


def check_header(rel, source, findings):
    first = source.lstrip("\ufeff").split("\n", 1)[0]
    if not re.match(r"\s*(/\*|//)\s*\S.{9,}", first):
        findings.add(rel, 1, 1, "WCF1", "the file must open with a comment saying what it owns")


def lint_text():
    findings = Findings()
    files = source_files()
    for rel in files:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
            source = f.read()
        check_header(rel, source, findings)
        check_text(rel, source, findings, {})
    for path, line, col, code, message in sorted(findings.items):
        print(f"{path}:{line}:{col}: {code} {message}")
    print(f"lint_c: {len(files)} files, {len(findings.items)} findings")
    return 1 if findings.items else 0


def run_cppcheck():
    binary = shutil.which("cppcheck")
    if not binary:
        print("SKIP cppcheck: not installed (Debian: apt-get install cppcheck; scripts/setup.sh does)")
        return 0
    runs = [("libwcf + its tests", ["-Inative/libwcf"] + sorted(glob.glob("native/libwcf/*.c"))
             + sorted(glob.glob("test/native/*.c")))]
    for version, hex_version in CORE_VERSIONS.items():
        runs.append((f"wcfcore for CPython {version}", ["--library=python", f"-DPY_VERSION_HEX={hex_version}",
                                                       "-Inative/wcfcore"] + sorted(glob.glob("native/wcfcore/*.c"))))
    failed = 0
    for label, args in runs:
        run = subprocess.run([binary] + CPPCHECK + args, cwd=ROOT, capture_output=True, text=True, check=False)
        output = (run.stdout + run.stderr).strip()
        if output:
            print(output)
        print(f"cppcheck {label}: {'findings above' if run.returncode else 'clean'}")
        failed += run.returncode != 0
    print(f"cppcheck: {len(runs)} runs, {failed} with findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run_cppcheck() if "--cppcheck" in sys.argv[1:] else lint_text())
