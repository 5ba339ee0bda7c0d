# The launch protocol's side channels (docs/launch-protocol.md): JSON-line progress on --progress-fd and
# stop requests on --control-fd, served by one raw _thread thread (invisible to threading.enumerate()).
import _thread
import os
import select
import time

from . import json_text

PROGRESS_INTERVAL_S = 0.25
FLUSH_INTERVAL_S = 0.5


class ProgressChannel:
    """Writes start/progress/end events as JSON lines; silently stops if the reader went away."""

    def __init__(self, fd):
        self.fd = fd
        if fd is not None:
            os.set_inheritable(fd, False)  # the program's own children must not hold our channel open

    def send(self, event):
        if self.fd is None:
            return
        data = (json_text.dumps(event) + "\n").encode("utf-8")
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError:
            self.fd = None  # the adapter closed its end: keep running, the recording is still written


class BackgroundWorker:
    """One raw thread: every 250 ms a progress event (when steps moved) and an idle-time commit; and, with a
    control fd, "stop"/EOF handling. It is stopped around fork() (CPython >= 3.12 warns when a multi-threaded
    process forks, and plain python would not) and restarted in the parent."""

    def __init__(self, recorder, progress, started_monotonic, control_fd=None, on_stop=None):
        # The recorder may start its own threads so that their events are never recorded (the C core).
        self._start_thread = getattr(recorder, "start_untraced_thread", _thread.start_new_thread)
        self.recorder = recorder
        self.progress = progress
        self.started = started_monotonic
        self.control_fd = control_fd
        self.on_stop = on_stop
        self._pending = b""
        self._last_steps = -1
        self._last_flush = time.monotonic()
        self._wake_read = self._wake_write = None
        self._exited = None  # a lock the thread holds while it runs
        self._thread_count_with_worker = None
        if control_fd is not None:
            os.set_inheritable(control_fd, False)

    def start(self):
        if self.recorder.finalized:
            return
        self._wake_read, self._wake_write = os.pipe()
        self._exited = _thread.allocate_lock()
        self._exited.acquire()
        self._start_thread(self._run, (self._wake_read, self._exited))
        self._thread_count_with_worker = _os_thread_count()

    def stop(self):
        """Wake the thread, wait until it has exited (it finishes a commit in progress first)."""
        if self._wake_write is None:
            return
        wake_write, self._wake_write = self._wake_write, None
        try:
            os.write(wake_write, b"x")
        except OSError:
            pass
        self._exited.acquire()
        self._exited.release()
        os.close(wake_write)
        os.close(self._wake_read)
        _wait_for_os_thread_exit(self._thread_count_with_worker)

    def _run(self, wake_read, exited):
        try:
            self._loop(wake_read)
        finally:
            exited.release()

    def _loop(self, wake_read):
        watched = [wake_read] + ([self.control_fd] if self.control_fd is not None else [])
        next_tick = time.monotonic() + PROGRESS_INTERVAL_S
        while not self.recorder.finalized:
            try:
                readable, _, _ = select.select(watched, [], [], max(0.0, next_tick - time.monotonic()))
            except InterruptedError:
                continue
            if wake_read in readable:
                return
            if self.control_fd is not None and self.control_fd in readable and self._control_says_stop():
                self.control_fd = None
                self.on_stop()
                return
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + PROGRESS_INTERVAL_S
                self._tick()

    def _control_says_stop(self):
        try:
            chunk = os.read(self.control_fd, 4096)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            chunk = b""
        if not chunk:
            return True  # EOF: the adapter went away or closed the channel, which means stop
        lines = (self._pending + chunk).split(b"\n")
        self._pending = lines.pop()
        return any(line.strip() == b"stop" for line in lines)

    def _tick(self):
        recorder = self.recorder
        steps = recorder.step + 1
        if steps != self._last_steps:
            self._last_steps = steps
            self.progress.send(
                {"event": "progress", "steps": steps,
                 "elapsedMs": int((time.monotonic() - self.started) * 1000)}
            )
        now = time.monotonic()
        if now - self._last_flush >= FLUSH_INTERVAL_S:
            self._last_flush = now
            # A program that went quiet (sleeping, waiting on input) still gets its last steps on disk.
            with recorder.lock:
                pending = getattr(recorder, "pending_steps", None) or recorder.writer.pending_steps
                if recorder.active and not recorder.finalized and pending():
                    recorder.flush()


def _os_thread_count():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def _wait_for_os_thread_exit(count_with_worker, limit_s=0.1):
    """The thread releases its lock just before it ends; fork() must come after the OS thread is gone."""
    if count_with_worker is None:
        return
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        count = _os_thread_count()
        if count is None or count < count_with_worker:
            return
        time.sleep(0.0005)
