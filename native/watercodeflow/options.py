# Record options: the modes, the limits and their defaults, as one immutable value.
# Owns no behaviour: parsing lives in record_cli.py, enforcement in values.py / writer.py / recorder.py.
import collections

MODES = ("lite", "balanced", "deep")

# maxDepth default per mode; lite captures arguments, return values and watch()ed values shallowly.
DEFAULT_MAX_DEPTH = {"lite": 1, "balanced": 1, "deep": 4}
DEFAULT_MAX_REPR = 200
DEFAULT_MAX_ITEMS = 100
DEFAULT_MAX_SIZE = 2 * 1024 * 1024 * 1024
# Buffer tracking's storage tiers (docs/buffer-tracking.md): a full copy per change below the first, changed
# element ranges up to the second, fingerprints of written pages above it (unless diffs are asked for).
DEFAULT_BUFFER_FULL_LIMIT = 100 * 1024
DEFAULT_BUFFER_DIFF_LIMIT = 10 * 1024 * 1024
BUFFER_SNAPSHOTS = ("always", "on-write")

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
        "buffers",  # bool: element-level write history of buffers (numpy arrays, bytearray, ...)
        "buffer_full_limit",  # bytes: smaller buffers are copied whole at each change
        "buffer_diff_limit",  # bytes: up to here changed element ranges; above, fingerprints
        "buffer_diff_huge",  # bool: diff buffers above buffer_diff_limit too
        "buffer_snapshots",  # "always" or "on-write" (a buffer's first content only once it is written)
    ],
)

