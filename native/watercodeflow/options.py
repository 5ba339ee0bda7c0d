# Record options: the modes, the limits and their defaults, as one immutable value.
# Owns no behaviour: parsing lives in record_cli.py, enforcement in values.py / writer.py / recorder.py.
import collections

MODES = ("lite", "balanced", "deep")

# maxDepth default per mode; lite captures arguments, return values and watch()ed values shallowly.
DEFAULT_MAX_DEPTH = {"lite": 1, "balanced": 1, "deep": 4}
DEFAULT_MAX_REPR = 200
DEFAULT_MAX_ITEMS = 100
DEFAULT_MAX_SIZE = 2 * 1024 * 1024 * 1024

RecordOptions = collections.namedtuple(
    "RecordOptions",
    [
        "program",  # path of the program as given on the command line; None with -m
        "module",  # the module name given with -m / --module, else None
        "args",  # the program's own arguments (sys.argv[1:])
        "out",  # recording path (absolute)
        "mode",  # one of MODES
        "just_my_code",  # bool
        "max_size",  # bytes
        "max_repr",  # characters
        "max_items",  # children per object state
        "max_depth",  # nesting levels with children
        "exit_code_policy",  # "watcher" or "program"
        "progress_fd",  # int or None
        "control_fd",  # int or None
        "verbose",  # bool
        "tracer",  # "auto", "settrace" or "monitoring"
        "recorder",  # "auto" (the C core where it loads), "c" or "python"
    ],
)

