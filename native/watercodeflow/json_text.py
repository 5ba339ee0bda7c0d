# JSON text for the recorder's small metadata (meta values, progress events) without importing `json`, whose
# decoder pulls in `re` (a few ms of start-up on every recorded run). Encodes None, bool, int, float, str,
# list/tuple and dict with str keys, compactly; anything else is a TypeError (a bug of the caller).
import math

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _string(text):
    out = ['"']
    for ch in text:
        escaped = _ESCAPES.get(ch)
        if escaped is not None:
            out.append(escaped)
        elif ch < " " or "\ud800" <= ch <= "\udfff":  # control characters and lone surrogates
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def dumps(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise TypeError("JSON has no %r" % value)
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("JSON object keys must be str, got %r" % (key,))
            parts.append(_string(key) + ":" + dumps(item))
        return "{" + ",".join(parts) + "}"
    raise TypeError("cannot write %s as JSON" % type(value).__name__)
