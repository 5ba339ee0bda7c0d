# Argument parsing for the reader's commands (inspect, export): argparse that returns an exit code with a usage
# message instead of exiting the process, so each command's main() stays testable. Knows no command's options.
import argparse

EXIT_OK, EXIT_USAGE = 0, 2


class ArgumentError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse that reports errors by raising ArgumentError."""

    def error(self, message):  # type: ignore[override]
        raise ArgumentError(message)


def parse(parser, argv, err, command):
    """(args, None) or (None, exit code) after writing `watercodeflow COMMAND: error` and the usage to `err`."""
    try:
        return parser.parse_args(argv), None
    except ArgumentError as error:
        err.write("watercodeflow %s: %s\n%s" % (command, error, parser.format_usage()))
        return None, EXIT_USAGE
    except SystemExit as leave:  # --help
        return None, EXIT_OK if leave.code in (0, None) else EXIT_USAGE
