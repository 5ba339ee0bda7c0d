# What both recorder cores (recorder.Recorder and recorder_c.CRecorder) do alike outside events: output rows,
# stop requests, a tracer the interpreter removed, the uncaught exception, finalizing, with their notices.
# Knows nothing of events; the cores supply step, active, lock, rows and the hooks named below.
import time

from .values import type_name

# How the program ended as far as the recording knows, when the recorder could not say more.
_UNKNOWN_FRAME = None


def tell_user(text):
    """A message of the recorder's own on fd 2, past sys.stderr (which the program's output capture records)."""
    import os

    try:
        os.write(2, text.encode("utf-8", "replace"))
    except OSError:
        pass


class RecordingLifecycle:
    """Mixin. Needs: self.lock, self.step, self.active, self.status, self.finalized, self.writer,
    self.tracer_name, self._notice_rows, and the hooks _stop_tracing(), _tracer_lost(), _flush_pending(),
    _release_objects(), _frame_id_of(frame) (None when not recorded) and _last_frame_id()."""

    def _notice(self, kind, message):
        self._notice_rows.append((max(self.step, 0), kind, message))

    def on_output(self, stream, text):
        """The program wrote `text` to `stream`: one output row per step and stream, in order."""
        with self.lock:
            if self.active:
                step = max(self.step, 0)
                rows = self.writer.rows["output"]
                if rows and rows[-1][0] == step and rows[-1][1] == stream:
                    rows[-1] = (step, stream, rows[-1][2] + text)
                else:
                    rows.append((step, stream, text))

    def request_stop(self):
        with self.lock:
            if self.active:
                self._stop_tracing()
                self.status = "stopped"
                self._notice("stopped", "recording stopped by the user at step %d" % self.step)

    def check_tracer(self):
        """At the end of the program (main thread): a tracer that vanished means steps are missing."""
        with self.lock:
            if self.active and self._tracer_lost():
                self._stop_tracing()
                self.status = "limit"
                self._notice(
                    "tracer-lost",
                    "recording stopped early: the interpreter removed the %s tracer from the main thread after "
                    "step %d (an exception inside the tracer callback: a RecursionError at the recursion limit "
                    "or a KeyboardInterrupt, or the program installed its own trace function); later steps are "
                    "missing" % (self.tracer_name, self.step))

    def record_uncaught(self, exc, text):
        """The exception that ended the program, at the last step, in the innermost recorded frame it passed."""
        from .recorder import safe_exception_message

        with self.lock:
            frame_id = _UNKNOWN_FRAME
            tb = exc.__traceback__
            while tb is not None:
                found = self._frame_id_of(tb.tb_frame)
                if found is not None:
                    frame_id = found
                tb = tb.tb_next
            if frame_id is None:
                frame_id = self._last_frame_id()
            self.writer.rows["exceptions"].append(
                (max(self.step, 0), frame_id, type_name(type(exc)), safe_exception_message(exc), text, "uncaught"))

    def finalize(self, exit_code=None, exit_signal=None, status=None):
        """Close the recording (idempotent). Returns the final status."""
        with self.lock:
            if self.finalized:
                return self.status
            self._stop_tracing()
            if status is not None and self.status == "recording":
                self.status = status
            if self.status == "recording":
                self.status = "complete"
            self.finalized = True
            try:
                self._flush_pending()
                self.writer.close(
                    [("status", self.status), ("exit_code", exit_code), ("exit_signal", exit_signal),
                     ("step_count", self.step + 1), ("end_ns", time.time_ns())])
            except Exception as error:
                self.status = "error"
                tell_user("watercodeflow: closing the recording failed: %s\n" % (error,))
            try:
                # the recorder's references to the program's objects go: what the program still holds (its
                # globals) dies at interpreter exit as under plain python, __del__ included
                self._release_objects()
            except Exception:
                pass
            return self.status
