# Runs the user's program in this process exactly as `python program.py args` would (module __main__,
# sys.argv, sys.path[0], cwd unchanged) and reports how it ended. Knows nothing about recording.
import importlib.machinery
import os
import sys
import types


class ProgramEnd:
    """How the program ended: exit_code (int), uncaught exception (or None), signal to re-raise."""

    __slots__ = ("exit_code", "uncaught", "exit_signal")

    def __init__(self, exit_code, uncaught=None, exit_signal=None):
        self.exit_code = exit_code
        self.uncaught = uncaught
        self.exit_signal = exit_signal


class ProgramNotRunnable(Exception):
    """The program file cannot be read (missing, a directory, no permission); message says what to do."""


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


def exit_code_of(system_exit):
    """The process exit status CPython derives from a SystemExit (printing a non-int code like it does)."""
    code = system_exit.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
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
    except SystemExit as system_exit:
        return ProgramEnd(exit_code_of(system_exit))
    except KeyboardInterrupt as interrupt:
        # CPython ends an uncaught KeyboardInterrupt by dying from SIGINT (exit status -2 / 130 in shells).
        return ProgramEnd(1, uncaught=interrupt, exit_signal=2)
    except BaseException as error:
        return ProgramEnd(1, uncaught=error)
    return ProgramEnd(0)


def wait_for_threads():
    """Join non-daemon threads like interpreter shutdown does, so their events end up in the recording."""
    import threading

    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()


_OWN_CODES = frozenset((run_program.__code__,))
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
