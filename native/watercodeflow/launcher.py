# Runs the user's program in this process exactly as `python program.py args` or `python -m module args` would
# (module __main__, sys.argv, sys.path[0], cwd unchanged) and reports how it ended. Knows nothing about recording.
import importlib.machinery
import importlib.util
import os
import sys
import types


class ProgramEnd:
    """How the program ended: exit_code (int), uncaught exception (or None), signal to re-raise."""

    __slots__ = ("exit_code", "uncaught", "exit_signal", "not_runnable")

    def __init__(self, exit_code, uncaught=None, exit_signal=None):
        self.exit_code = exit_code
        self.uncaught = uncaught
        self.exit_signal = exit_signal
        self.not_runnable = None  # run_module: runpy's message when it could not find or run the module


class ProgramNotRunnable(Exception):
    """The program file cannot be read (missing, a directory, no permission) or the module cannot be found;
    the message says what to do."""


def read_program(path):
    if not os.path.exists(path):
        raise ProgramNotRunnable("program not found: %r (check the path; it is resolved from %s)" % (path, os.getcwd()))
    if os.path.isdir(path):
        raise ProgramNotRunnable("program %r is a directory; give a .py file" % (path,))
    try:
        with open(path, "rb") as source_file:
            return source_file.read()
    except OSError as error:
        raise ProgramNotRunnable("cannot read program %r: %s" % (path, error.strerror or error)) from None


def main_file_name(path):
    """__file__ / co_filename of a script: CPython >= 3.9 joins a relative path to the cwd (not normalised)."""
    if sys.version_info >= (3, 9) and not os.path.isabs(path):
        return os.path.join(os.getcwd(), path)
    return path


def prepare_main_module(path, argv):
    """Set up sys.argv, sys.path[0] and a fresh __main__ module the way the interpreter does for a script."""
    sys.argv[:] = [path] + list(argv)  # argv[0] stays as given; only __file__ is made absolute
    path = main_file_name(path)
    script_dir = os.path.dirname(os.path.realpath(path))
    if sys.path:
        sys.path[0] = script_dir
    else:
        sys.path.append(script_dir)
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__cached__ = None
    module.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
    module.__spec__ = None
    module.__package__ = None
    module.__builtins__ = __builtins__ if isinstance(__builtins__, types.ModuleType) else sys.modules["builtins"]
    sys.modules["__main__"] = module
    return module


def use_module_search_path():
    """sys.path[0] as `python -m` sets it: the current directory, absolute (none with -P/-I or PYTHONSAFEPATH)."""
    if getattr(sys.flags, "safe_path", False) or sys.flags.isolated:
        return
    if sys.path:
        sys.path[0] = os.getcwd()
    else:
        sys.path.append(os.getcwd())


def locate_module(name):
    """The folders of the top-level package (or module) of `name`, found the way `python -m` looks it up but
    without importing anything, so none of the program's code runs. Raises ProgramNotRunnable when `python -m`
    would fail before running any code; whatever only importing a parent can tell is left to run_module."""
    if name.startswith("."):
        raise ProgramNotRunnable("Relative module names not supported: %r (give the full name, e.g. pkg.mod)" % name)
    top = name.partition(".")[0]
    try:
        spec = importlib.util.find_spec(top)  # a top-level name: the finders only, no import
    except (ImportError, AttributeError, TypeError, ValueError):
        return ()  # runpy reports it, with python -m's own words
    if spec is None:
        said = ("No module named %s" % name if top == name else "Error while finding module specification for "
                "%r (ModuleNotFoundError: No module named %r)" % (name, top))
        raise ProgramNotRunnable(
            "%s, as `python -m %s` would say: it is looked up in the current directory (%s), then PYTHONPATH and "
            "the installed packages; check the name, or run from the folder that holds it" % (said, name, os.getcwd()))
    if spec.submodule_search_locations is not None:
        return tuple(spec.submodule_search_locations)
    if spec.has_location and spec.origin:
        return (os.path.dirname(spec.origin),)
    return ()


def prepare_module_main(argv):
    """sys.argv and a fresh __main__ as `python -m` has them while it looks for the module (sys.argv[0] is "-m"
    until runpy found it). The module keeps the keys the interpreter's own __main__ starts with."""
    sys.argv[:] = ["-m"] + list(argv)
    module = types.ModuleType("__main__")
    if "__annotations__" in vars(sys.modules["__main__"]):  # CPython <= 3.13 creates it in __main__
        module.__annotations__ = {}
    module.__builtins__ = sys.modules["builtins"]
    sys.modules["__main__"] = module
    return module


def run_module(name, code_ready=None):
    """Run module `name` through runpy._run_module_as_main itself, as `python -m name` does, so the lookup and its
    errors, __spec__, __file__, sys.argv[0] and tracebacks (runpy's two frames on top) are CPython's own.
    code_ready(spec, code) runs between finding the module and executing it (start the tracer there). Returns a
    ProgramEnd like run_program, with not_runnable set to runpy's message when it could not find or run it."""
    import runpy

    find = runpy._get_module_details  # (name, error) -> (name, spec, code) in CPython 3.8-3.13
    failures = []

    def find_then_start(mod_name, error=ImportError):
        runpy._get_module_details = find  # runpy's own recursion (a package's __main__) and the program get it
        try:
            details = find(mod_name, error)
        except error as lookup_error:
            failures.append(str(lookup_error))
            raise
        if code_ready is not None:
            code_ready(details[1], details[2])
        return details

    runpy._get_module_details = find_then_start
    try:
        runpy._run_module_as_main(name, True)
    except BaseException as error:
        end = ended_by(error)
    else:
        end = ProgramEnd(0)
    finally:
        if runpy._get_module_details is find_then_start:
            runpy._get_module_details = find
    if failures:
        end.not_runnable = failures[0]
    return end


def module_launch_files():
    """Files whose code runs a module for the launcher (runpy's, on CPython < 3.11 where it is not frozen)."""
    import runpy

    return tuple(path for path in (getattr(runpy, "__file__", None),) if path)


def exit_code_of(system_exit):
    """The process exit status CPython derives from a SystemExit (printing a non-int code like it does)."""
    code = system_exit.code
    if code is None:
        return 0
    if isinstance(code, int):
        return int.__int__(code)  # an exact int: sys.exit(False) is status 0, and no subclass's __int__ runs
    try:
        sys.stderr.write(str(code) + "\n")
        sys.stderr.flush()
    except Exception:
        pass
    return 1


def _strip_launcher_frames(tb):
    """The traceback without the recorder's own frames: the launcher's at the top and, for an exception raised
    while a tracer callback ran (KeyboardInterrupt, MemoryError), the recorder's at the bottom."""
    kept = []
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if tb.tb_frame.f_code not in _OWN_CODES and not filename.startswith(_PACKAGE_DIR):
            kept.append(tb)
        tb = tb.tb_next
    for outer, inner in zip(kept, kept[1:]):
        outer.tb_next = inner
    if kept:
        kept[-1].tb_next = None
    return kept[0] if kept else None


def print_uncaught(exc):
    """Print an uncaught exception through sys.excepthook, without the launcher's own frames."""
    tb = _strip_launcher_frames(exc.__traceback__)
    exc.__traceback__ = tb
    try:
        sys.stdout.flush()
    except Exception:
        pass
    sys.excepthook(type(exc), exc, tb)


def run_program(path, source, code_ready=None):
    """Compile and run. code_ready(code) runs between compiling and executing (start the tracer there).

    Returns a ProgramEnd; never raises for anything the program does (SystemExit, KeyboardInterrupt,
    exceptions); a SyntaxError is an uncaught exception without steps.
    """
    module = sys.modules["__main__"]
    try:
        code = compile(source, main_file_name(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return ProgramEnd(1, uncaught=error)
    if code_ready is not None:
        code_ready(code)
    try:
        exec(code, module.__dict__)
    except BaseException as error:
        return ended_by(error)
    return ProgramEnd(0)


def ended_by(error):
    """The ProgramEnd of a program that raised `error` (SystemExit, KeyboardInterrupt or anything else)."""
    if isinstance(error, SystemExit):
        return ProgramEnd(exit_code_of(error))
    if isinstance(error, KeyboardInterrupt):
        # CPython ends an uncaught KeyboardInterrupt by dying from SIGINT (exit status -2 / 130 in shells).
        return ProgramEnd(1, uncaught=error, exit_signal=2)
    return ProgramEnd(1, uncaught=error)


def wait_for_threads():
    """Join non-daemon threads like interpreter shutdown does, so their events end up in the recording."""
    import threading

    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()


_OWN_CODES = frozenset((run_program.__code__, run_module.__code__))
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
