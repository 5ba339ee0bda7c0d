# Command-line entry: `python -m watercodeflow record|inspect|export ...`; dispatches, nothing more.
# inspect/export live in other modules (inspect_cli.py, export_jsonl.py) and are imported only when asked for.
import sys

_USAGE = """usage: python -m watercodeflow <command> ...

commands:
  record [options] [--] program.py [args...]   run a program and record it (see `record --help`)
  inspect REC ...                              print what a recording holds
  export REC --format jsonl|sqlite            export a recording as JSON lines, or as plain SQL tables
"""


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(_USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "record":
        from .record_cli import main as record_main

        return record_main(rest)
    if command == "inspect":
        from .inspect_cli import main as inspect_main

        return inspect_main(rest)
    if command == "export":
        from .export_jsonl import main as export_main

        return export_main(rest)
    sys.stderr.write("watercodeflow: error: unknown command %r\n\n%s" % (command, _USAGE))
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
