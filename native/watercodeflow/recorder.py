# The recorder core: turns tracer events (call/line/return/exception) into steps, frames, scopes and bindings.
# Tracer-independent (tracer_settrace.py / tracer_monitoring.py call it); it never raises into the program.
import _thread
import os
import sys
import threading

from .buffer_hooks import FLUSH_NOW, WATCHING, BufferHooks
from .recorder_lifecycle import RecordingLifecycle, tell_user  # noqa: F401 (tell_user: re-exported)
from .values import SCALAR_TYPES, ValueCapture, safe_display, type_name
from .writer import FLUSH_EVERY_STEPS

STEP_LINE, STEP_CALL, STEP_RETURN, STEP_EXCEPTION = 0, 1, 2, 3
_CO_OPTIMIZED = 0x1
# Up to CPython 3.11 a RecursionError swallowed inside a trace function leaves the thread "overflowed" and the
# program's next deeper call aborts the interpreter ("Cannot recover from stack overflow"): one that _deep()
# could not absorb propagates.
RECURSION_ERRORS_TO_PROPAGATE = RecursionError if sys.version_info < (3, 12) else ()
RECURSION_HEADROOM = 200  # frames a value read may need past the program's limit (sticky depth 20 x ~3 frames)
RECURSION_MARGIN = 8  # closer than this to the limit, the program is recursing to it: never raise the limit
_MISSING = object()
_SKIPPED = 0  # value_id stored in a shadow for names the recording leaves out (__builtins__)


# --max-size bounds the closed file. The file has no indexes and closing adds only the final meta rows, but a
# commit lands after the limit was checked: recording stops when the file's pages pass this share of it.
MAX_SIZE_SHARE = 0.9


def _flush_interval(budget_bytes, bytes_per_step):
    """Steps until the next commit: half of what the remaining size budget holds, within [64, FLUSH_EVERY_STEPS]."""
    return int(max(64, min(FLUSH_EVERY_STEPS, budget_bytes / bytes_per_step / 2)))


class ScopeShadow:
    """What the recording last wrote for one scope: name -> (object, value_id, holds a mutable object)."""

    __slots__ = ("scope_id", "bound", "fully_scanned")

    def __init__(self, scope_id):
        self.scope_id = scope_id
        self.bound = {}
        self.fully_scanned = False


class ThreadState:
    __slots__ = ("thread_id", "stack", "last_exception")

    def __init__(self, thread_id):
        self.thread_id = thread_id
        self.stack = []  # live FrameRecords of this thread, innermost last
        self.last_exception = None


class FrameRecord:
    """One frames row: an activation (a generator's resumption is a new row sharing its locals scope)."""

    __slots__ = ("frame_id", "frame", "thread", "locals_scope", "globals_scope", "globals",
                 "last_exception_step", "shares_globals", "after_exception", "global_names")

    def __init__(self, frame_id, frame, thread, locals_scope, globals_scope, globals_dict, global_names):
        self.frame_id = frame_id
        self.frame = frame
        self.thread = thread
        self.locals_scope = locals_scope
        self.globals_scope = globals_scope
        self.globals = globals_dict
        self.shares_globals = locals_scope is globals_scope
        self.global_names = global_names  # the globals this code can name (None: read them all)
        self.last_exception_step = None
        self.after_exception = False  # the frame's latest event was an exception (no line since)


def _stack_depth():
    frame, depth = sys._getframe(1), 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def safe_exception_message(exc):
    """str(exc) when that runs no user code; otherwise a display built from scalar args."""
    cls = type(exc)
    owner = next((k for k in cls.__mro__ if "__str__" in vars(k)), BaseException)
    if owner.__module__ == "builtins":
        try:
            return str(exc)
        except Exception:
            pass
    args = getattr(exc, "args", ())
    if type(args) is tuple and all(type(a) in SCALAR_TYPES for a in args):
        return str(args[0]) if len(args) == 1 else (str(args) if args else "")
    return safe_display(exc, 200)


def traceback_text(exc, tb):
    """Traceback text built from frames and the safe message (no user __str__)."""
    import traceback  # imported when the first exception is recorded: it is slow to import

    lines = ["Traceback (most recent call last):\n"]
    try:
        lines.extend(traceback.format_list(traceback.extract_tb(tb)))
    except Exception as error:  # unreadable source files: keep the header and say why
        lines.append("  <traceback unavailable: %s>\n" % (error,))
    message = safe_exception_message(exc)
    lines.append("%s: %s\n" % (type_name(type(exc)), message) if message else "%s\n" % type_name(type(exc)))
    return "".join(lines)


class Recorder(RecordingLifecycle):
    def __init__(self, options, writer, file_filter):
        self.options = options
        self.writer = writer
        self.file_filter = file_filter
        self.lock = threading.RLock()
        self.active = True
        self.finalized = False
        self.status = "recording"
        self.scan_lines = options.mode != "lite"
        rows = writer.rows
        self.rows_steps = rows["steps"]
        self.rows_bindings = rows["bindings"]
        self.rows_returns = rows["returns"]
        self.rows_exceptions = rows["exceptions"]
        self.rows_output = rows["output"]
        self.rows_notices = rows["notices"]
        self.values = ValueCapture(rows, options.max_repr, options.max_items, options.max_depth)
        self.buffers = self.values.buffers = BufferHooks(rows, options)
        self.step = -1  # the last step written; the count is step + 1
        self.live = {}  # id(frame) -> FrameRecord, for live and suspended (generator) frames
        self.suspended = {}  # id(frame) -> FrameRecord of a generator/coroutine waiting to resume
        self.code_ids = {}  # code object -> code_id, 0 when the code is not recorded
        self.file_ids = {}
        self.name_ids = {}
        self.globals_scopes = {}  # id(globals dict) -> (dict, ScopeShadow)
        self.next_ids = {"frame": 1, "scope": 1, "thread": 1, "code": 1, "file": 1, "name": 1}
        self.thread_local = _thread._local()
        self.main_ident = threading.main_thread().ident
        self.tracer = None
        self.pid = os.getpid()
        self.max_size = int(options.max_size * MAX_SIZE_SHARE)
        self.max_size_requested = options.max_size
        # Commits come more often as the file nears --max-size, so the limit is overshot by little; the
        # first guess assumes ~300 bytes per step, on the safe side (format v2 measured ~3 per line step of a
        # tight loop); from the first commit on, the file's own bytes per step are used.
        self.flush_every = _flush_interval(self.max_size, 300.0)
        self._active_before_fork = True
        # Set by the session after fork() in the parent; called at the next step (see BackgroundWorker).
        self.resume_after_fork = None

    # -- ids --------------------------------------------------------------------------------------

    def _next(self, kind):
        value = self.next_ids[kind]
        self.next_ids[kind] = value + 1
        return value

    def code_id(self, code):
        code_id = self.code_ids.get(code)
        if code_id is None:
            code_id = 0
            if self.file_filter.is_recorded(code.co_filename):
                code_id = self._next("code")
                self.writer.rows["code"].append(
                    (code_id, self._file_id(code.co_filename), code.co_name,
                     getattr(code, "co_qualname", code.co_name), code.co_firstlineno)
                )
            self.code_ids[code] = code_id
        return code_id

    def _file_id(self, filename):
        file_id = self.file_ids.get(filename)
        if file_id is None:
            file_id = self._next("file")
            path = filename if filename.startswith("<") else os.path.abspath(filename)
            self.writer.rows["files"].append((file_id, path))
            self.file_ids[filename] = file_id
        return file_id

    def name_id(self, name):
        name_id = self.name_ids.get(name)
        if name_id is None:
            name_id = self._next("name")
            self.writer.rows["names"].append((name_id, name if type(name) is str else repr(name)))
            self.name_ids[name] = name_id
        return name_id

    def _thread(self):
        state = getattr(self.thread_local, "state", None)
        if state is None:
            ident = _thread.get_ident()
            if ident == self.main_ident and self.next_ids["thread"] == 1:
                thread_id = self._next("thread")
            else:
                if self.next_ids["thread"] == 1:
                    self.next_ids["thread"] = 2  # thread_id 1 is kept for the main thread
                thread_id = self._next("thread")
            known = threading._active.get(ident)  # no current_thread(): it would create a _DummyThread
            name = known.name if known is not None else "Thread-%d" % ident
            self.writer.rows["threads"].append((thread_id, ident, name, self.step + 1))
            state = ThreadState(thread_id)
            self.thread_local.state = state
        return state

    def _globals_scope(self, globals_dict):
        entry = self.globals_scopes.get(id(globals_dict))
        if entry is None:
            scope = ScopeShadow(self._next("scope"))
            module = globals_dict.get("__name__")
            self.writer.rows["scopes"].append(
                (scope.scope_id, "globals", None, module if type(module) is str else None)
            )
            entry = (globals_dict, scope)  # the dict is held so its id stays unique
            self.globals_scopes[id(globals_dict)] = entry
        return entry[1]

    # -- steps and scans --------------------------------------------------------------------------

    def _new_step(self, kind, record, line):
        if self.values.dropped:
            self.values.release_dead(False)  # before this step's reads
        step = self.step + 1
        self.step = step
        self.values.step = step
        self.values.epoch += 1
        if self.resume_after_fork is not None:
            resume, self.resume_after_fork = self.resume_after_fork, None
            resume()
        flush_now = False
        if self.values.buffers_watched:
            # writes to watched buffers made since the last step belong to this step's state
            flags = self.buffers.collect(step)
            self.values.buffers_watched = bool(flags & WATCHING)
            flush_now = bool(flags & FLUSH_NOW)
        self.rows_steps.append((step, kind, record.frame_id, line if line is not None else 0))
        if flush_now or len(self.rows_steps) >= self.flush_every:
            self.flush()
        return step

    def _scan(self, shadow, mapping):
        """Write the bindings of `mapping` that differ from the shadow; re-read the objects they hold."""
        step = self.step
        bound = shadow.bound
        value_id = self.values.value_id
        tracked = self.values.tracked
        bindings = self.rows_bindings
        scope_id = shadow.scope_id
        for name, obj in mapping.items():
            previous = bound.get(name)
            if previous is not None and previous[0] is obj:
                if previous[2]:  # a container/instance: its state may have changed in place
                    value_id(obj, 1)
                continue
            if name == "__builtins__":
                bound[name] = (obj, _SKIPPED, False)
                continue
            new_id = value_id(obj, 1)
            if previous is None or previous[1] != new_id:
                bindings.append((step, scope_id, self.name_id(name), new_id))
            if previous is not None:
                self._dropped(previous[0])
            entry = tracked.get(id(obj)) if type(obj) not in SCALAR_TYPES else None
            bound[name] = (obj, new_id, entry is not None and entry.kind != "opaque")
        if len(bound) != len(mapping):
            for name in [name for name in bound if name not in mapping]:
                previous = bound.pop(name)
                if previous[1] != _SKIPPED:
                    bindings.append((step, scope_id, self.name_id(name), None))
                self._dropped(previous[0])

    def _dropped(self, obj):
        """A binding of `obj` is gone from the recording's scopes: release it if only the recorder holds it."""
        if type(obj) not in SCALAR_TYPES:
            self.values.dropped.append(id(obj))

    def _release_dead(self):
        """The end of an event: what its scans let go (values.release_dead)."""
        if self.values.dropped:
            self.values.release_dead(True)

    def _scan_names(self, shadow, mapping, names):
        """_scan() restricted to `names` (a function's co_names) of a globals dict."""
        step = self.step
        bound = shadow.bound
        value_id = self.values.value_id
        for name in names:
            obj = mapping.get(name, _MISSING)
            previous = bound.get(name)
            if obj is _MISSING:
                if previous is not None and bound.pop(name)[1] != _SKIPPED:
                    self.rows_bindings.append((step, shadow.scope_id, self.name_id(name), None))
                if previous is not None:
                    self._dropped(previous[0])
                continue
            if previous is not None and previous[0] is obj:
                if previous[2]:
                    value_id(obj, 1)
                continue
            if name == "__builtins__":
                bound[name] = (obj, _SKIPPED, False)
                continue
            new_id = value_id(obj, 1)
            if previous is None or previous[1] != new_id:
                self.rows_bindings.append((step, shadow.scope_id, self.name_id(name), new_id))
            if previous is not None:
                self._dropped(previous[0])
            entry = self.values.tracked.get(id(obj)) if type(obj) not in SCALAR_TYPES else None
            bound[name] = (obj, new_id, entry is not None and entry.kind != "opaque")

    def _scan_frame(self, record, frame):
        if record.shares_globals:
            self._scan(record.globals_scope, record.globals)
            record.globals_scope.fully_scanned = True
            return
        self._scan(record.locals_scope, frame.f_locals)
        globals_scope = record.globals_scope
        if globals_scope.fully_scanned:
            # A function's line can rebind only the globals its code names (STORE_GLOBAL uses co_names) and
            # can reach global objects only through names it loads (co_names) or locals (scanned above);
            # other globals are read at the steps of the frames that name them, and of the module's own frame.
            self._scan_names(globals_scope, record.globals, record.global_names)
        else:
            self._scan(globals_scope, record.globals)
            globals_scope.fully_scanned = True

    # -- events (each called by a tracer; all of them hold the lock and swallow their own failures) ----

    def on_call(self, frame):
        """A frame starts or resumes; returns its FrameRecord, or None when it is not recorded."""
        with self.lock:
            if not self.active:
                return None
            try:
                code = frame.f_code
                code_id = self.code_id(code)
                if not code_id:
                    return None
                record = self._enter(frame, code, code_id)
                self._release_dead()
                return record
            except RECURSION_ERRORS_TO_PROPAGATE:
                raise
            except Exception as error:
                self.internal_error("call event", error)
                return None

    def _enter(self, frame, code, code_id):
        thread = self._thread()
        stack = thread.stack
        parent = stack[-1] if stack else None
        frame_id = self._next("frame")
        resumed = self.suspended.pop(id(frame), None)
        globals_dict = frame.f_globals
        globals_scope = self._globals_scope(globals_dict)
        if resumed is not None:
            locals_scope = resumed.locals_scope
        elif code.co_flags & _CO_OPTIMIZED or frame.f_locals is not globals_dict:
            locals_scope = ScopeShadow(self._next("scope"))
            self.writer.rows["scopes"].append((locals_scope.scope_id, "locals", frame_id, None))
        else:
            locals_scope = globals_scope
        record = FrameRecord(frame_id, frame, thread, locals_scope, globals_scope, globals_dict,
                             None if locals_scope is globals_scope else code.co_names)
        step = self.step + 1
        self.writer.add_frame(
            (frame_id, parent.frame_id if parent else None, code_id, thread.thread_id, len(stack),
             locals_scope.scope_id, globals_scope.scope_id, step, None)
        )
        stack.append(record)
        self.live[id(frame)] = record
        # A module's frame reports line 0 before its first instruction (3.11); steps are 1-based.
        self._new_step(STEP_CALL, record, frame.f_lineno or code.co_firstlineno)
        if self.scan_lines:
            if parent is not None and parent.frame is not None:
                # The caller ran part of its line since its last step (a comprehension's loop variable, an
                # earlier statement on the line, a walrus): its state at this step must include that.
                self._deep(self._scan_frame, parent, parent.frame)
            self._deep(self._scan_frame, record, frame)
        elif not record.shares_globals:
            self._deep(self._scan, locals_scope, frame.f_locals)  # lite: the arguments
        return record

    def _deep(self, function, *args):
        """Run a value read; if it hits the recursion limit because a value is deeply nested (or the program is
        deep, but not at its limit), run it again with headroom instead of raising into the program."""
        try:
            return function(*args)
        except RecursionError:
            limit = sys.getrecursionlimit()
            if limit - _stack_depth() < RECURSION_MARGIN:
                # The program itself is at its limit: raising the limit would let it recurse deeper than under
                # plain python. The event handlers decide (see RECURSION_ERRORS_TO_PROPAGATE).
                raise
            sys.setrecursionlimit(limit + RECURSION_HEADROOM)
            try:
                self.values.epoch += 1  # objects marked as read by the failed pass are read again
                return function(*args)
            finally:
                sys.setrecursionlimit(limit)

    def on_line(self, record, frame):
        with self.lock:
            if not self.active:
                return
            try:
                record.after_exception = False
                thread = record.thread
                if thread.last_exception is not None and sys.exc_info()[1] is not thread.last_exception:
                    # kept only while the program handles it (a bare `raise` is then no new exception); holding it
                    # longer would keep its traceback's frames and their locals alive
                    thread.last_exception = None
                self._new_step(STEP_LINE, record, frame.f_lineno)
                self._deep(self._scan_frame, record, frame)
                if len(self.values.tracked) >= self.values.sweep_threshold:
                    self.values.maybe_sweep(self._root_values())
                self._release_dead()
            except RECURSION_ERRORS_TO_PROPAGATE:
                raise
            except Exception as error:
                self.internal_error("line event", error)

    def on_return(self, record, frame, value, is_yield):
        with self.lock:
            if not self.active:
                return
            try:
                step = self._new_step(STEP_RETURN, record, frame.f_lineno)
                if self.scan_lines:
                    self._deep(self._scan_frame, record, frame)
                self.rows_returns.append((step, record.frame_id, self._deep(self.values.value_id, value, 1)))
                self._leave(record, step, is_yield)
                self._release_dead()
            except RECURSION_ERRORS_TO_PROPAGATE:
                raise
            except Exception as error:
                self.internal_error("return event", error)

    def on_unwind(self, record):
        """The frame exits because an exception propagates out of it (no step of its own)."""
        with self.lock:
            if not self.active:
                return
            try:
                end = record.last_exception_step
                self._leave(record, end if end is not None else self.step, False)
            except RECURSION_ERRORS_TO_PROPAGATE:
                raise
            except Exception as error:
                self.internal_error("unwind event", error)

    def _leave(self, record, end_step, is_yield):
        self.writer.end_frame(record.frame_id, end_step)
        stack = record.thread.stack
        if stack and stack[-1] is record:
            stack.pop()
        elif record in stack:
            stack.remove(record)
        frame = record.frame
        del self.live[id(frame)]
        if is_yield:
            self.suspended[id(frame)] = record  # holds the frame: its id cannot be reused meanwhile
        else:
            record.frame = None
            if not record.shares_globals:
                # checked once the frame has let its locals go too (values.release_dead); the shadow lets go
                # now, though a trace closure may keep the record alive (the C core frees the scope here)
                bound = record.locals_scope.bound
                for binding in bound.values():
                    self._dropped(binding[0])
                bound.clear()
            if len(self.values.tracked) >= self.values.sweep_threshold:
                self.values.maybe_sweep(self._root_values())

    def _root_values(self):
        for record in list(self.live.values()) + list(self.suspended.values()):
            for binding in record.locals_scope.bound.values():
                yield binding[0]
        for _, scope in self.globals_scopes.values():
            for binding in scope.bound.values():
                yield binding[0]

    def on_exception(self, record, frame, exc, tb):
        with self.lock:
            if not self.active:
                return
            try:
                step = self._new_step(STEP_EXCEPTION, record, frame.f_lineno)
                if self.scan_lines:
                    self._deep(self._scan_frame, record, frame)
                record.last_exception_step = step
                record.after_exception = True
                self._release_dead()
                thread = record.thread
                if exc is not thread.last_exception:
                    thread.last_exception = exc
                    self.rows_exceptions.append(
                        (step, record.frame_id, type_name(type(exc)), safe_exception_message(exc),
                         traceback_text(exc, tb), "raised")
                    )
            except RECURSION_ERRORS_TO_PROPAGATE:
                raise
            except Exception as error:
                self.internal_error("exception event", error)

    def on_watch(self, value, name):
        with self.lock:
            if not self.active:
                return
            try:
                self.values.step = max(self.step, 0)
                self.values.epoch += 1  # re-read: the line may have changed it since its step began
                value_id = self._deep(self.values.value_id, value, 1)
                self.writer.rows["watches"].append((max(self.step, 0), str(name), value_id))
            except RECURSION_ERRORS_TO_PROPAGATE:
                raise
            except Exception as error:
                self.internal_error("watch()", error)

    # -- flushing, limits, the end ----------------------------------------------------------------

    def flush(self):
        """Commit buffered rows (called under the lock); stops recording when --max-size is reached."""
        try:
            self.writer.flush()
        except Exception as error:
            self._stop_tracing()
            self.status = "error"
            tell_user("watercodeflow: writing the recording failed: %s\n" % (error,))
            return
        size = self.writer.size_on_disk()
        if self.active and size <= self.max_size:
            bytes_per_step = max(size / (self.step + 1), 1.0) if self.step >= 0 else 300.0
            self.flush_every = _flush_interval(self.max_size - size, bytes_per_step)
        if size > self.max_size and self.active:
            self._stop_tracing()
            self.status = "limit"
            self.rows_notices.append(
                (self.step, "limit",
                 "recording stopped at step %d: the recording reached %d bytes, near --max-size %d (a margin is "
                 "kept for the last commit); the program ran on to its end unrecorded"
                 % (self.step, size, self.max_size_requested))
            )

    def _stop_tracing(self):
        self.active = False
        if self.tracer is not None:
            try:
                self.tracer.uninstall()
            except Exception:
                pass

    def internal_error(self, where, error):
        """A failure of the recorder itself: note it in the recording and keep the program running."""
        try:
            if isinstance(error, RecursionError):
                notice = ("recursion-limit",
                          "%s at step %d: values not read, the program is at its recursion limit"
                          % (where, self.step))
            else:
                notice = ("internal-error", "%s failed: %s: %s" % (where, type(error).__name__, error))
            self.rows_notices.append((max(self.step, 0),) + notice)
        except Exception:
            pass

    # -- hooks of RecordingLifecycle ----------------------------------------------------------------

    @property
    def tracer_name(self):
        return self.tracer.name if self.tracer is not None else "settrace"

    @property
    def _notice_rows(self):
        return self.rows_notices

    def _tracer_lost(self):
        return self.tracer is not None and self.tracer.lost_in_current_thread()

    def _flush_pending(self):
        self.buffers.close()  # writer.close() then writes the buffered rows

    def _release_objects(self):
        for record in list(self.live.values()) + list(self.suspended.values()):
            record.locals_scope.bound.clear()
        for _, scope in self.globals_scopes.values():
            scope.bound.clear()
        self.values.tracked.clear()
        self.values.dropped.clear()

    def _frame_id_of(self, frame):
        record = self.live.get(id(frame))
        return record.frame_id if record is not None else None

    def _last_frame_id(self):
        return self.rows_steps[-1][2] if self.step >= 0 and self.rows_steps else None

    def before_fork(self):
        """Hold the lock across fork(): the child must not inherit it locked by another thread (the heartbeat)."""
        self.lock.acquire()
        self._active_before_fork = self.active
        # Until our after-fork hook runs, the child may already run traced code (threading's own after-fork
        # hook): with active False, those events are ignored instead of recorded into the parent's file.
        self.active = False

    def after_fork_in_parent(self):
        self.active = self._active_before_fork
        self.lock.release()

    def abandon_after_fork(self):
        """In a forked child: stop recording and never touch the parent's file."""
        self.active = False
        self.finalized = True
        self.lock = threading.RLock()
        self.writer.abandon()
        self.buffers.abandon()
        self.values.buffers_watched = False
        if self.tracer is not None:
            try:
                self.tracer.uninstall()
            except Exception:
                pass
