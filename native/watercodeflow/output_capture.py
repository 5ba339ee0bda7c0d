# Output capture: sys.stdout/sys.stderr become text wrappers over a raw stream that writes every byte to the
# real file descriptor at once and records (step, stream, text). Never buffers, reorders or drops output.
import io
import os


class RecordingRawStream(io.RawIOBase):
    """Binary sink: os.write() to the real fd first, then hand the text to the recorder."""

    def __init__(self, fd, stream_name, encoding, errors, record_output):
        super().__init__()
        self._fd = fd
        self._stream_name = stream_name
        self._encoding = encoding
        self._errors = errors
        self._record_output = record_output  # callable(stream_name, text) or None once recording ended
        # held here: at interpreter exit module globals are cleared before the program's last objects are
        # finalized, and what their __del__ prints must still reach the fd (as under plain python)
        self._os_write = os.write

    def writable(self):
        return True

    def fileno(self):
        return self._fd

    def isatty(self):
        return os.isatty(self._fd)

    def write(self, data):
        view = memoryview(data).cast("B")
        total = len(view)
        written = 0
        while written < total:
            written += self._os_write(self._fd, view[written:])
        record_output = self._record_output
        if record_output is not None and total:
            try:
                text = bytes(view).decode(self._encoding, "replace" if self._errors == "strict" else self._errors)
                record_output(self._stream_name, text)
            except Exception:
                pass  # recording output must never break the program's own output
        return total

    def stop_recording(self):
        self._record_output = None


def _wrap(original, fd, stream_name, record_output):
    encoding = getattr(original, "encoding", None) or "utf-8"
    errors = getattr(original, "errors", None) or "strict"
    raw = RecordingRawStream(fd, stream_name, encoding, errors, record_output)
    wrapper = io.TextIOWrapper(raw, encoding=encoding, errors=errors, line_buffering=True, write_through=True)
    return wrapper, raw


class OutputCapture:
    """install() swaps sys.stdout/sys.stderr (when they are real fds); stop() ends the recording of text."""

    def __init__(self, record_output):
        self._record_output = record_output
        self._raws = []
        self.originals = None

    def install(self):
        import sys

        self.originals = (sys.stdout, sys.stderr)
        for name in ("stdout", "stderr"):
            original = getattr(sys, name)
            try:
                original.flush()
                fd = original.fileno()
            except Exception:
                continue  # no real fd behind it (e.g. already replaced): leave it alone
            wrapper, raw = _wrap(original, fd, name, self._record_output)
            self._raws.append(raw)
            setattr(sys, name, wrapper)
            if getattr(sys, "__%s__" % name) is original:
                # As under plain python, sys.__stdout__ is sys.stdout: writes through either stay in order.
                setattr(sys, "__%s__" % name, wrapper)

    def stop(self):
        for raw in self._raws:
            raw.stop_recording()
