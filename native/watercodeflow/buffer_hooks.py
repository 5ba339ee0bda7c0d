# What both recorder cores call for buffer tracking (docs/buffer-tracking.md): the BufferTracker is made at
# the first buffer a recording meets (opening libwcf costs a kernel probe), then told of new objects, step
# boundaries, forgotten objects and the end. Runs in the debuggee: never raises into the program.

# The share of --max-size buffer contents may take before buffers are only fingerprinted (then steps and
# values go on being recorded instead of the recording stopping at --max-size because of arrays).
CONTENT_SHARE = 0.5
FLUSH_NOW, WATCHING = 1, 2


class BufferHooks:
    def __init__(self, rows, options):
        self.rows = rows
        self.options = options
        self.tracker = None
        self.failed = not options.buffers  # --buffers off: nothing is ever tracked

    def track(self, obj, object_id, step):
        """A new object the recorder captured; returns True while some buffer is watched."""
        if self.failed:
            return False
        try:
            if self.tracker is None:
                from .buffers import BufferTracker

                options = self.options
                self.tracker = BufferTracker(
                    self.rows, content_budget=int(options.max_size * CONTENT_SHARE),
                    full_copy_limit=options.buffer_full_limit, diff_limit=options.buffer_diff_limit,
                    diff_huge=options.buffer_diff_huge, snapshots=options.buffer_snapshots)
            self.tracker.track(obj, object_id, step)
            return self.watching()
        except Exception as error:
            self._give_up(step, error)
            return False

    def watching(self):
        tracker = self.tracker
        return tracker is not None and bool(tracker.regions)

    def collect(self, step):
        """At the start of `step`: the buffer writes made since the previous step. FLUSH_NOW | WATCHING bits."""
        tracker = self.tracker
        if tracker is None:
            return 0
        try:
            flush = tracker.collect(step)
        except Exception as error:
            self._give_up(step, error)
            return 0
        return (FLUSH_NOW if flush else 0) | (WATCHING if tracker.regions else 0)

    def release(self, object_id):
        if self.tracker is not None:
            try:
                self.tracker.release(object_id)
            except Exception:
                pass

    def close(self):
        tracker, self.tracker = self.tracker, None
        if tracker is not None:
            try:
                tracker.close()
            except Exception:
                pass

    def abandon(self):
        """In a forked child: the parent's tracker is not ours; forget it without closing it."""
        self.tracker = None
        self.failed = True

    def _give_up(self, step, error):
        self.failed = True
        try:
            self.rows["notices"].append(
                (step, "buffer-tracking", "buffer tracking stopped at step %d: %s: %s (values and steps are still "
                                          "recorded)" % (step, type(error).__name__, error)))
        except Exception:
            pass
        self.close()
