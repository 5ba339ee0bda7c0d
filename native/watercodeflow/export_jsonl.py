# `watercodeflow export REC [--format jsonl] [--out FILE]`: one Watcher-shaped JSON event per variable change
# (shape documented in docs/jsonl-events.md); `--format sqlite --out FILE` is export_sqlite.py's. Only serialises
# reader.Recording.iter_events(); never writes the recording. Exit codes: 0 ok, 2 bad arguments or an unreadable
# recording (message on stderr).
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from typing import List, Optional, TextIO

from .cli_arguments import Parser, parse
from .reader import (UNBOUNDED, Recording, RecordingError, RenderLimits, VariableChange,
                     damaged_recording_error)

EXIT_OK = 0
EXIT_USAGE = 2
FORMATS = ("jsonl", "sqlite")



def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="watercodeflow export",
                     description="Export the variable changes of a WaterCodeFlow recording.")
    parser.add_argument("recording", metavar="REC", help="the recording file (.wcf)")
    parser.add_argument("--format", default="jsonl", help="output format: jsonl (one event per line) or sqlite "
                        "(the recording as plain SQL tables, format v1's row layout, indexed; needs --out)")
    parser.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    parser.add_argument("--max-chars", type=int, default=RenderLimits().max_chars, metavar="N",
                        help="cut each rendered value after N characters (default %(default)s; 0: no limit)")
    return parser


def event_json(event_id: int, change: VariableChange, timestamp_ns: int) -> dict:
    return {
        "event_id": event_id,
        "timestamp_ns": timestamp_ns,
        "variable_name": change.variable_name,
        "function": change.function,
        "file": change.file,
        "line": change.line,
        "thread_id": change.thread_id,
        "scope": change.scope,
        "step": change.step,
        "type": change.type,
        "value": change.value,
        "previous": change.previous,
        "deltas": change.deltas,
    }


def write_events(recording: Recording, out: TextIO) -> int:
    count = 0
    for change in recording.iter_events():
        count += 1
        out.write(json.dumps(event_json(count, change, recording.timestamp_ns(change.step)),
                             ensure_ascii=False))
        out.write("\n")
    return count


def main(argv: List[str], stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    args, code = parse(parser, argv, err, "export")
    if args is None:
        return code
    if args.format not in FORMATS:
        err.write("watercodeflow export: unknown --format %r; supported: %s\n" % (args.format, ", ".join(FORMATS)))
        return EXIT_USAGE
    if args.out and os.path.abspath(args.out) == os.path.abspath(args.recording):
        err.write("watercodeflow export: --out would overwrite the recording itself; choose another file\n")
        return EXIT_USAGE
    if args.format == "sqlite":
        return _export_sqlite(args, err)
    limits = UNBOUNDED if args.max_chars == 0 else RenderLimits(max_chars=max(args.max_chars, 1))
    try:
        with Recording(args.recording, limits) as recording:
            if not args.out:
                write_events(recording, out)
                return EXIT_OK
            partial = args.out + ".partial"
            try:
                with open(partial, "w", encoding="utf-8") as handle:
                    write_events(recording, handle)
                os.replace(partial, args.out)
            except OSError as error:
                err.write("watercodeflow export: cannot write %s: %s\n" % (args.out, error.strerror or error))
                return EXIT_USAGE
            finally:
                if os.path.exists(partial):
                    os.unlink(partial)
            return EXIT_OK
    except RecordingError as error:
        err.write("watercodeflow export: %s\n" % error)
        return EXIT_USAGE
    except sqlite3.DatabaseError as error:  # damage found past the header, while reading
        err.write("watercodeflow export: %s\n" % damaged_recording_error(args.recording, error))
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


def _export_sqlite(args: argparse.Namespace, err: TextIO) -> int:
    from .export_sqlite import write_expanded

    if not args.out:
        err.write("watercodeflow export: --format sqlite needs --out FILE (a database is not written to stdout)\n")
        return EXIT_USAGE
    try:
        write_expanded(args.recording, args.out)
    except RecordingError as error:
        err.write("watercodeflow export: %s\n" % error)
        return EXIT_USAGE
    except (OSError, sqlite3.Error) as error:
        err.write("watercodeflow export: cannot write %s: %s\n" % (args.out, getattr(error, "strerror", None) or error))
        return EXIT_USAGE
    return EXIT_OK
