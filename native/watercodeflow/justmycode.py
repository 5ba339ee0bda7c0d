# Decides which code objects the recorder records (justMyCode or everything but watercodeflow itself).
# Pure path logic: must not import the tracer or touch the recording.
import os
import sys

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_roots():
    # Not sysconfig.get_paths(): its import and config variables cost ~2 ms of every recording's start-up. Its
    # stdlib is os's folder, its site-packages folders are on sys.path, and every prefix's lib folder is below.
    roots = {os.path.realpath(os.path.dirname(os.__file__))}
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        roots.add(os.path.realpath(os.path.join(prefix, "lib")))
        roots.add(os.path.realpath(os.path.join(prefix, "lib64")))
    for entry in sys.path:
        if entry and ("site-packages" in entry or "dist-packages" in entry):
            roots.add(os.path.realpath(entry))
    return tuple(sorted(r.rstrip(os.sep) + os.sep for r in roots))


def _under(path, roots):
    return any(path.startswith(root) for root in roots)


def _folder_root(path):
    return os.path.realpath(path).rstrip(os.sep) + os.sep


class FileFilter:
    """is_recorded(filename) -> bool, cached per co_filename string.

    program_dir (a script's folder; None for a module) and cwd are the user's even inside a library root;
    package_dirs (the folders of a module's top-level package) only outside one, so `-m pytest` records the
    tests under the cwd but not pytest. launcher_files run the program for the launcher and are never recorded.
    """

    def __init__(self, program_dir, cwd, just_my_code, package_dirs=(), launcher_files=()):
        self.just_my_code = just_my_code
        self._library_roots = _library_roots()
        roots = {_folder_root(p) for p in (program_dir, cwd) if p}
        roots.update(root for root in map(_folder_root, package_dirs) if not _under(root, self._library_roots))
        self._user_roots = tuple(roots)
        self._own_root = os.path.realpath(PACKAGE_DIR) + os.sep
        self._launcher_files = frozenset(os.path.realpath(path) for path in launcher_files)
        self._cache = {}

    def is_recorded(self, filename):
        decision = self._cache.get(filename)
        if decision is None:
            decision = self._decide(filename)
            self._cache[filename] = decision
        return decision

    def _decide(self, filename):
        if filename.startswith("<"):
            # <frozen importlib._bootstrap>, <string>, <stdin>: no user file behind it.
            return not self.just_my_code and not filename.startswith("<frozen")
        path = os.path.realpath(os.path.abspath(filename))
        if path.startswith(self._own_root) or path in self._launcher_files:
            return False
        if not self.just_my_code:
            return True
        # A program folder inside a library root (e.g. a venv's site-packages) is still the user's.
        if _under(path, self._user_roots):
            inside_library = [r for r in self._library_roots if path.startswith(r)]
            user_depth = max(len(r) for r in self._user_roots if path.startswith(r))
            return all(len(r) < user_depth for r in inside_library)
        return False
