"""Builds the C recorder core, watercodeflow._wcfcore, for the interpreter that runs this script.

Usage: PYTHON native/wcfcore/build.py [--out FILE] [--check]   (--check: exit 0 if the module loads, 1 otherwise)
The core reads CPython internals, so each interpreter version gets its own build, in
native/watercodeflow/_builds/<build key>/ (recorder_c.core_build_path names it). Interpreters the core does not
support (< 3.11, >= 3.14) are skipped with a message, and the recorder uses its pure-Python twin there.
"""
import os
import subprocess
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(os.path.dirname(HERE), "watercodeflow")
SOURCES = ["wcf_ptrmap.c", "wcf_chunks.c", "wcf_values.c", "wcf_scopes.c", "wcf_events.c", "wcf_trace.c",
           "wcf_clock.c", "wcf_gil.c", "wcfcore_module.c", "wcf_decode.c"]
HEADERS = ["wcf_compat.h", "wcf_buf.h", "wcf_ptrmap.h", "wcf_chunks.h", "wcf_core.h"]
WARNINGS = ["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter", "-Wno-missing-field-initializers",
            "-Wno-deprecated-declarations", "-Wno-cast-function-type"]


def target():
    if "--out" in sys.argv[1:]:
        return os.path.abspath(sys.argv[sys.argv.index("--out") + 1])
    sys.path.insert(0, os.path.dirname(PACKAGE))
    from watercodeflow.core_build import core_build_path

    return core_build_path()


def supported():
    return (3, 11) <= sys.version_info[:2] <= (3, 13)


def up_to_date(out):
    if not os.path.exists(out):
        return False
    built = os.path.getmtime(out)
    inputs = SOURCES + HEADERS + [os.path.basename(__file__)]
    return all(os.path.getmtime(os.path.join(HERE, name)) <= built for name in inputs)


def build():
    out = target()
    if not supported():
        print("wcfcore: skipped for Python %d.%d (the C core supports 3.11-3.13; the Python recorder is used)"
              % sys.version_info[:2])
        return 0
    if up_to_date(out):
        print("wcfcore: up to date: %s" % os.path.relpath(out))
        return 0
    include = sysconfig.get_paths()["include"]
    if not os.path.exists(os.path.join(include, "internal", "pycore_frame.h")):
        print("wcfcore: cannot build for Python %s: its C headers (with internal/) are not at %s; install the "
              "interpreter's development files (Debian: python3-dev)" % (sys.version.split()[0], include),
              file=sys.stderr)
        return 3
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    # -O3 with link-time optimisation: the hot path crosses files (steps, scopes, values, chunk columns), and
    # inlining across them cut a tight loop's instructions by 4% (callgrind, 2026-12-02). A compiler without
    # -flto=auto (an old gcc, some clang) gets a plain -O2 build instead.
    common = ["-g", "-std=gnu11", "-fPIC", "-shared", "-fvisibility=hidden"] + WARNINGS + [
        "-I" + include, "-I" + os.path.join(include, "internal"), "-o", out + ".tmp"]
    common += [os.path.join(HERE, name) for name in SOURCES]
    print("wcfcore: building %s" % os.path.relpath(out))
    for optimise in (["-O3", "-flto=auto"], ["-O2"]):
        try:
            result = subprocess.run(cc.split() + optimise + common)
        except OSError as error:
            print("wcfcore: cannot run the C compiler %r: %s (install gcc, or set CC)" % (cc, error),
                  file=sys.stderr)
            return 4
        if result.returncode == 0:
            break
        if optimise[-1] == "-flto=auto":
            print("wcfcore: the build with %s failed; building again with -O2" % " ".join(optimise), file=sys.stderr)
    if result.returncode != 0:
        return result.returncode
    os.replace(out + ".tmp", out)
    return 0


def check():
    sys.path.insert(0, os.path.dirname(PACKAGE))
    from watercodeflow.core_build import load_core

    try:
        load_core()
    except ImportError as error:
        print("wcfcore: cannot load: %s" % error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(check() if "--check" in sys.argv[1:] else build())
