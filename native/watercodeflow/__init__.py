# WaterCodeFlow's Python recorder package; the public API for recorded programs is watch().
# Must stay import-cheap and side-effect free: the recorder and tracers load only in `record`.
__all__ = ["watch"]

_active_recorder = None  # set by the recorder while a recording runs in this process


def watch(value, name="value"):
    """Record `value` under `name` at the current step (in every mode) and return it unchanged."""
    recorder = _active_recorder
    if recorder is not None:
        try:
            recorder.on_watch(value, name)
        except Exception:
            pass
    return value
