# The tracer interface and its selection: a tracer feeds Recorder events and can be removed again.
# A future C tracer implements the same three members; nothing here knows how events are stored.
import sys


class Tracer:
    """install(recorder) starts event delivery for every thread; uninstall() stops it (any thread)."""

    name = "abstract"

    def install(self, recorder):
        raise NotImplementedError

    def uninstall(self):
        raise NotImplementedError

    def lost_in_current_thread(self):
        """True when the interpreter removed this tracer from the calling thread behind our back."""
        return False


def available_tracers():
    names = ["settrace"]
    if sys.version_info >= (3, 12) and hasattr(sys, "monitoring"):
        names.insert(0, "monitoring")
    return names


def resolve_tracer(choice="auto"):
    """The tracer name for a --tracer choice ('auto': sys.monitoring on CPython >= 3.12, settrace below);
    ValueError saying what is available when the interpreter lacks it."""
    names = available_tracers()
    if choice == "auto":
        choice = names[0]
    if choice not in names:
        raise ValueError(
            "tracer %r is not available on Python %d.%d (available: %s)"
            % (choice, sys.version_info[0], sys.version_info[1], ", ".join(names))
        )
    return choice


def make_tracer(choice="auto"):
    choice = resolve_tracer(choice)
    if choice == "monitoring":
        from .tracer_monitoring import MonitoringTracer

        return MonitoringTracer()
    from .tracer_settrace import SettraceTracer

    return SettraceTracer()
