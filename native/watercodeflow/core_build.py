# Where the C recorder core's build for the running interpreter lives, and loading it. The core reads CPython
# internals, so a build serves exactly one interpreter version. Builds ship in the package (_builds/, made by
# native/wcfcore/build.py); for another interpreter one is compiled once into the user's cache, when the
# sources, a C compiler and the interpreter's headers are there.
import os
import sys

from .wcfcore_location import core_build_key, core_build_path, core_file_name, load_build

SOURCES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "wcfcore")
BUILD_TIMEOUT_S = 120


def _cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "watercodeflow", "wcfcore", _sources_stamp(), core_build_key())


def _sources_stamp():
    """Changes with the sources, so a cached build (or a cached failure) of older sources is not used."""
    import hashlib

    digest = hashlib.sha256()
    try:
        for name in sorted(os.listdir(SOURCES_DIR)):
            if name.endswith((".c", ".h", ".py")):
                with open(os.path.join(SOURCES_DIR, name), "rb") as source:
                    digest.update(name.encode() + b"\0" + source.read())
    except OSError:
        return "no-sources"
    return digest.hexdigest()[:16]


def _build_in_cache(tell):
    """Compiles the core into the user's cache once; returns its path, or raises ImportError saying why not.
    A failure is remembered (next to where the build would be) so later runs do not wait for it again."""
    directory = _cache_dir()
    path = os.path.join(directory, core_file_name())
    failed = os.path.join(directory, "build-failed.txt")
    if os.path.exists(path):
        return path
    if os.path.exists(failed):
        with open(failed, encoding="utf-8", errors="replace") as note:
            raise ImportError(note.read().strip())
    import subprocess

    script = os.path.join(SOURCES_DIR, "build.py")
    if not os.path.exists(script):
        raise ImportError("no C core built for Python %s and no sources to build one (%s)"
                          % (sys.version.split()[0], SOURCES_DIR))
    os.makedirs(directory, exist_ok=True)
    tell("watercodeflow: building the C recorder core for Python %s (once; a few seconds)...\n"
         % sys.version.split()[0])
    try:
        result = subprocess.run([sys.executable, script, "--out", path], capture_output=True, text=True,
                                timeout=BUILD_TIMEOUT_S)
        output = (result.stderr or result.stdout).strip().splitlines()
        problem = None if result.returncode == 0 and os.path.exists(path) else (output[-1] if output else
                                                                                "exit %d" % result.returncode)
    except (OSError, subprocess.TimeoutExpired) as error:
        problem = str(error)
    if problem is not None:
        reason = "the C core could not be built for Python %s: %s" % (sys.version.split()[0], problem)
        try:
            with open(failed, "w", encoding="utf-8") as note:
                note.write(reason + "\n")
        except OSError:
            pass
        raise ImportError(reason)
    return path


def load_core(tell=None):
    """The watercodeflow._wcfcore module for this interpreter; ImportError saying why when there is none.
    `tell(text)` reports a first-time build (None: no build is tried)."""
    module = sys.modules.get("watercodeflow._wcfcore")
    if module is not None:
        return module
    path = core_build_path()
    if os.path.exists(path):
        return load_build(path)
    cached = os.path.join(_cache_dir(), core_file_name())
    if os.path.exists(cached):
        return load_build(cached)
    if tell is None:
        raise ImportError("no C core built for Python %s at %s (build one: %s %s)"
                          % (sys.version.split()[0], path, sys.executable, os.path.join(SOURCES_DIR, "build.py")))
    return load_build(_build_in_cache(tell))
