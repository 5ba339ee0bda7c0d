# The recorder backed by the C core (native/wcfcore, module watercodeflow._wcfcore): the same interface as
# recorder.Recorder for the session (record_cli.py), the background worker, watch() and output capture.
# Owns flush and size policy, notices and the event-source plumbing; the C core owns every event.
import _thread
import os
import sys
import threading

from . import core_helpers
from .buffer_hooks import BufferHooks
from .core_build import load_core
from .recorder_lifecycle import RecordingLifecycle, tell_user

# The C core buffers encoded columns; it flushes after this many steps (and the background worker commits
# what is pending every 0.5 s), so a killed run loses at most about that much. Flushing runs on the program's
# thread: a writer thread was tried and measured no faster here (GIL hand-offs ate what it saved).
FLUSH_EVERY_STEPS = 65536
MIN_FLUSH_STEPS = 256
# --max-size bounds the file; recording stops when the data reaches this share of it (the last flush overshoots
# by at most one interval, which shrinks as the file nears the limit).
SIZE_RESERVE = 0.95


def core_unavailable_reason(options):
    """None when the C core can record this run, else why not (the Python recorder is used then)."""
    if not (3, 11) <= sys.version_info[:2] <= (3, 13):
        return "the C core supports CPython 3.11-3.13, this is %d.%d" % sys.version_info[:2]
    if sys.implementation.name != "cpython":
        return "the C core needs CPython, this is %s" % sys.implementation.name
    try:
        load_core(tell=tell_user)
    except ImportError as error:
        return str(error)
    return None


def _flush_interval(budget_bytes, bytes_per_step):
    return int(max(MIN_FLUSH_STEPS, min(FLUSH_EVERY_STEPS, budget_bytes / max(bytes_per_step, 1.0) / 2)))


class CoreLock:
    """The core's lock as a context manager (reentrant; held by the core during every event)."""

    __slots__ = ("_core",)

    def __init__(self, core):
        self._core = core

    def __enter__(self):
        self._core.acquire()
        return self

    def __exit__(self, *exc):
        self._core.release()
        return False

    def acquire(self):
        self._core.acquire()
        return True

    def release(self):
        self._core.release()


class CRecorder(RecordingLifecycle):
    kind = "c"

    def __init__(self, options, writer, file_filter, tracer_choice="auto"):
        _wcfcore = load_core()

        self.options = options
        self.writer = writer
        self.file_filter = file_filter
        monitoring = sys.version_info >= (3, 12) and hasattr(sys, "monitoring")
        if tracer_choice == "monitoring" and not monitoring:
            raise ValueError("tracer 'monitoring' needs CPython >= 3.12 (this is %d.%d)" % sys.version_info[:2])
        self.tracer_name = "sys.monitoring" if (monitoring and tracer_choice != "settrace") else "settrace"
        self.status = "recording"
        self.finalized = False
        self.pid = os.getpid()
        self.max_size = int(options.max_size * SIZE_RESERVE)
        self.max_size_requested = options.max_size
        self.tool_id = None
        self._active_before_fork = True
        self._notice_rows = writer.rows["notices"]
        opcodes, yield_from = core_helpers.opcode_table()
        self.core = _wcfcore.Core(
            self._record_path, core_helpers, writer.rows, self._flush_from_core, self._uninstall,
            mode_lite=options.mode == "lite", max_repr=options.max_repr, max_items=options.max_items,
            max_depth=options.max_depth, opcode_table=opcodes, yield_from=yield_from)
        self.core.flush_every = _flush_interval(self.max_size, 40.0)
        self.buffers = BufferHooks(writer.rows, options)
        self.core.set_buffer_hooks(self.buffers.track, self.buffers.collect, self.buffers.release)
        self.lock = CoreLock(self.core)

    # -- what the session and the worker read --------------------------------------------------------

    @property
    def step(self):
        return self.core.step

    @property
    def active(self):
        return self.core.active

    @property
    def resume_after_fork(self):
        return None

    @resume_after_fork.setter
    def resume_after_fork(self, callable_):
        self.core.set_fork_resume(callable_)

    def pending_steps(self):
        return self.core.pending_steps

    def start_untraced_thread(self, function, args):
        """_thread.start_new_thread for the recorder's own threads: their events are not recorded (under
        sys.monitoring every thread's are delivered) and never wait for the core lock."""
        return _thread.start_new_thread(self.core.run_untraced, (function,) + tuple(args))

    def _record_path(self, filename):
        if not self.file_filter.is_recorded(filename):
            return None
        return filename if filename.startswith("<") else os.path.abspath(filename)

    # -- the event source ----------------------------------------------------------------------------

    def start(self):
        """Start recording events in every thread (called just before the program's code runs)."""
        if self.tracer_name == "sys.monitoring":
            monitoring = sys.monitoring
            for tool_id in (monitoring.DEBUGGER_ID, 1, 2, 3, 4):
                if monitoring.get_tool(tool_id) is None:
                    monitoring.use_tool_id(tool_id, "watercodeflow")
                    self.tool_id = tool_id
                    break
            else:
                raise RuntimeError("no free sys.monitoring tool id (another debugger or profiler holds them all)")
            wanted = 0
            line_events = monitoring.events.LINE | monitoring.events.JUMP
            for name, callback in self.core.monitoring_callbacks().items():
                event = getattr(monitoring.events, name)
                monitoring.register_callback(self.tool_id, event, callback)
                wanted |= event
            if wanted & line_events:
                # LINE and JUMP only on recorded code (set at its first start): code outside the recording is
                # then never instrumented for lines, nor called back once per line to be told DISABLE.
                self.core.line_events_per_code(monitoring.set_local_events, self.tool_id, wanted & line_events)
            monitoring.set_events(self.tool_id, wanted & ~line_events)
        else:
            threading.settrace(self.core.thread_bootstrap)
            self.core.settrace_install()

    def _uninstall(self):
        """Called by the core when it stops (any thread, core lock held)."""
        if self.tracer_name == "sys.monitoring":
            if self.tool_id is None:
                return
            monitoring = sys.monitoring
            tool_id, self.tool_id = self.tool_id, None
            monitoring.set_events(tool_id, 0)
            self.core.line_events_per_code(None)
            for name in ("PY_START", "PY_RESUME", "PY_THROW", "PY_RETURN", "PY_YIELD", "RAISE", "PY_UNWIND",
                         "STOP_ITERATION", "LINE", "JUMP"):
                monitoring.register_callback(tool_id, getattr(monitoring.events, name), None)
            monitoring.free_tool_id(tool_id)
        else:
            # Only the calling thread's trace function can be removed here; the others see the core inactive
            # and detach at their next event.
            threading.settrace(None)
            self.core.settrace_remove()

    # -- what the program's side calls ---------------------------------------------------------------

    def on_watch(self, value, name):
        self.core.watch(value, str(name))

    # -- flushing, limits, the end --------------------------------------------------------------------

    def _flush_from_core(self):
        self.flush()

    def flush(self):
        """Write what the core buffered and commit (core lock held); stops recording at --max-size."""
        with self.lock:
            if self.finalized or self.status == "error":
                return
            try:
                self._write_pending()
            except Exception as error:
                self._stop_tracing()
                self.status = "error"
                tell_user("watercodeflow: writing the recording failed: %s\n" % (error,))
                return
            size, step = self.writer.size_on_disk(), self.core.step
            if self.core.active and size <= self.max_size:
                bytes_per_step = max(size / (step + 1), 1.0) if step >= 0 else 40.0
                self.core.flush_every = _flush_interval(self.max_size - size, bytes_per_step)
            if size > self.max_size and self.core.active:
                self._stop_tracing()
                self.status = "limit"
                self._notice(
                    "limit",
                    "recording stopped at step %d: the file reached %d bytes, over --max-size %d less a margin "
                    "for the last flush; the program ran on to its end unrecorded"
                    % (step, size, self.max_size_requested))

    def _write_pending(self):
        chunks, plain_rows = self.core.cut(), self.writer.take_plain_rows()
        if chunks or plain_rows:
            self.writer.write_batch(chunks, plain_rows)

    def _stop_tracing(self):
        try:
            self.core.stop()
        except Exception:
            pass

    def internal_error(self, where, error):
        try:
            self._notice_rows.append((max(self.core.step, 0), "internal-error",
                                      "%s failed: %s: %s" % (where, type(error).__name__, error)))
        except Exception:
            pass

    # -- hooks of RecordingLifecycle ------------------------------------------------------------------

    def _tracer_lost(self):
        return self.core.lost_in_current_thread()

    def _flush_pending(self):
        self.buffers.close()
        self._write_pending()

    def _release_objects(self):
        self.core.release_objects()

    def _frame_id_of(self, frame):
        return self.core.frame_id_of(frame)

    def _last_frame_id(self):
        return self.core.last_frame_id

    def before_fork(self):
        """Hold the lock across fork(); the child must not record anything before its after-fork hook."""
        self.core.acquire()
        self._active_before_fork = self.core.active
        self.core.pause(True)

    def after_fork_in_parent(self):
        self.core.pause(False)
        self.core.release()

    def abandon_after_fork(self):
        """In a forked child: stop recording and never touch the parent's file."""
        self.finalized = True
        self.core.abandon()
        self.buffers.abandon()
        self.writer.abandon()
        if self.tracer_name == "sys.monitoring":
            try:
                self._uninstall()
            except Exception:
                pass

