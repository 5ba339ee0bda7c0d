# `watercodeflow inspect REC --summary | --at STEP | --history NAME`: prints what a recording holds, as text or
# --json. Only formats what reader.Recording answers; it never opens SQLite itself and never writes.
# Exit codes: 0 ok, 2 bad arguments or an unreadable recording (message on stderr).
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from typing import Dict, List, Optional, TextIO

from .cli_arguments import Parser, parse
from .reader import (UNBOUNDED, Recording, RecordingError, RenderLimits, Value, damaged_recording_error,
                     is_definition)

EXIT_OK = 0
EXIT_USAGE = 2
TEXT_MAX_CHARS = 300  # a value per line stays readable in a terminal; --json keeps the reader's default



def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="watercodeflow inspect",
                     description="Show what a WaterCodeFlow recording holds.")
    parser.add_argument("recording", metavar="REC", help="the recording file (.wcf)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--summary", action="store_true", help="steps, duration, files, functions, threads, "
                      "exceptions, output and file size, status, exit code (the default)")
    what.add_argument("--at", type=int, metavar="STEP", help="the stack at STEP and the variables of each frame")
    what.add_argument("--history", metavar="NAME", help="every value NAME took, with step and line")
    parser.add_argument("--function", metavar="F", help="with --history: only locals of function F")
    parser.add_argument("--all", action="store_true", help="with --at: also show modules, functions, classes "
                        "and dunder names among globals")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--max-chars", type=int, metavar="N",
                        help="cut each rendered value after N characters (default %d as text, %d with --json; "
                        "0: no limit)" % (TEXT_MAX_CHARS, RenderLimits().max_chars))
    return parser


def main(argv: List[str], stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    args, code = parse(parser, argv, err, "inspect")
    if args is None:
        return code
    if args.function and args.history is None:
        err.write("watercodeflow inspect: --function only applies to --history NAME\n")
        return EXIT_USAGE
    if args.all and args.at is None:
        err.write("watercodeflow inspect: --all only applies to --at STEP\n")
        return EXIT_USAGE
    max_chars = args.max_chars
    if max_chars is None:
        max_chars = RenderLimits().max_chars if args.json else TEXT_MAX_CHARS
    limits = UNBOUNDED if max_chars == 0 else RenderLimits(max_chars=max(max_chars, 1))
    try:
        summary_only = args.at is None and args.history is None
        with Recording(args.recording, limits, summary_only) as recording:
            if args.at is not None:
                return _show_step(recording, args.at, args.all, args.json, out)
            if args.history is not None:
                return _show_history(recording, args.history, args.function, args.json, out, err)
            return _show_summary(recording, args.json, out)
    except RecordingError as error:
        err.write("watercodeflow inspect: %s\n" % error)
        return EXIT_USAGE
    except sqlite3.DatabaseError as error:  # damage found past the header, while reading
        err.write("watercodeflow inspect: %s\n" % damaged_recording_error(args.recording, error))
        return EXIT_USAGE
    except BrokenPipeError:  # `inspect ... | head`
        return EXIT_OK


# --- summary -------------------------------------------------------------------------------------------------
def _show_summary(recording: Recording, as_json: bool, out: TextIO) -> int:
    summary = recording.summary()
    if as_json:
        json.dump(summary, out, indent=2)
        out.write("\n")
        return EXIT_OK
    status = summary["status"]
    if status == "recording":
        status += " (never closed: the run was killed; readable up to its last flushed step)"
    kinds = summary["steps_by_kind"]
    duration = summary["duration_ns"]
    lines = [
        "recording   %s" % summary["path"],
        "format      version %d, %s" % (summary["schema_version"], _bytes(summary["file_bytes"])),
        "status      %s" % status,
        "program     %s %s" % (summary["program"] or "?", _argv_tail(summary["argv"])),
        "recorded    %s, python %s, %s recorder, %s, mode %s" % (
            summary["created_at"] or "?", summary["python_version"] or "?", summary["recorder"] or "?",
            summary["tracer"] or "?", summary["mode"] or "?"),
        "exit code   %s" % _exit_text(summary),
        "steps       %d (line %d, call %d, return %d, exception %d)" % (
            summary["steps"], kinds["line"], kinds["call"], kinds["return"], kinds["exception"]),
        "duration    %s" % ("unknown" if duration is None else "%.3f s" % (duration / 1e9)),
    ]
    lines.append("files       %d" % len(summary["files"]))
    for item in summary["files"]:
        lines.append("              %8d steps  %s" % (item["steps"], item["path"]))
    functions = summary["functions"]
    lines.append("functions   %d%s" % (len(functions), " (top 10 by steps)" if len(functions) > 10 else ""))
    for item in functions[:10]:
        lines.append("              %8d steps  %s (%s:%d)" % (item["steps"], item["function"], item["file"],
                                                           item["first_line"]))
    lines.append("threads     %d" % len(summary["threads"]))
    for item in summary["threads"]:
        lines.append("              #%d %s (from step %d)" % (item["thread_id"], item["name"], item["first_step"]))
    exceptions = summary["exceptions"]
    uncaught = [item for item in exceptions if item["kind"] == "uncaught"]
    lines.append("exceptions  %d raised, %d uncaught" % (sum(1 for e in exceptions if e["kind"] == "raised"),
                                                        len(uncaught)))
    for item in uncaught:
        lines.append("              step %d: %s: %s" % (item["step"], item["type"], item["message"]))
    output = summary["output"]
    lines.append("output      stdout %s in %d chunks, stderr %s in %d chunks" % (
        _bytes(output["stdout"]["bytes"]), output["stdout"]["chunks"], _bytes(output["stderr"]["bytes"]),
        output["stderr"]["chunks"]))
    if summary["notices"]:
        lines.append("notices     %d" % len(summary["notices"]))
        for item in summary["notices"][:10]:
            lines.append("              step %s %s: %s" % (item["step"], item["kind"], item["message"]))
    out.write("\n".join(lines) + "\n")
    return EXIT_OK


def _argv_tail(argv) -> str:
    if isinstance(argv, list):
        return " ".join(str(arg) for arg in argv[1:])
    return "" if argv is None else str(argv)


def _exit_text(summary: dict) -> str:
    if summary["exit_signal"]:
        return "killed by signal %s" % summary["exit_signal"]
    if summary["exit_code"] is None:
        return "unknown (the run did not finish under the recorder)"
    return str(summary["exit_code"])


def _bytes(count: int) -> str:
    if count < 1024:
        return "%d B" % count
    if count < 1024 * 1024:
        return "%.1f KiB" % (count / 1024)
    return "%.1f MiB" % (count / (1024 * 1024))


# --- at ------------------------------------------------------------------------------------------------------
def _visible_globals(values: Dict[str, Value], show_all: bool) -> Dict[str, Value]:
    if show_all:
        return values
    return {name: value for name, value in values.items()
            if not (name.startswith("__") and name.endswith("__")) and not is_definition(value)}


def _show_step(recording: Recording, step: int, show_all: bool, as_json: bool, out: TextIO) -> int:
    kind, _frame_id, _line = recording.step_info(step)
    stack = recording.stack_at(step)
    thread_id = stack[0].thread_id if stack else 0
    frames = []
    shown_globals = set()
    for frame in stack:
        # a module-level frame's locals are its module's globals: show them once, filtered, as globals
        module_level = frame.locals_scope == frame.globals_scope
        locals_values = {} if module_level else recording.scope_values(frame.locals_scope, step)
        entry = {"frame_id": frame.frame_id, "file": frame.file, "line": frame.line, "function": frame.qualname,
                 "locals": _values_json(locals_values), "module_level": module_level}
        if frame.globals_scope not in shown_globals:
            shown_globals.add(frame.globals_scope)
            all_globals = recording.scope_values(frame.globals_scope, step)
            visible = _visible_globals(all_globals, show_all)
            entry["globals"] = _values_json(visible)
            entry["globals_hidden"] = len(all_globals) - len(visible)
        frames.append(entry)
    if as_json:
        json.dump({"step": step, "kind": kind, "thread_id": thread_id,
                   "thread_name": recording.thread_name(thread_id), "frames": frames}, out, indent=2)
        out.write("\n")
        return EXIT_OK
    lines = ["step %d of %d: %s, thread %d (%s)" % (step, recording.step_count - 1, kind, thread_id,
                                                    recording.thread_name(thread_id))]
    for index, entry in enumerate(frames):
        lines.append("#%d %s:%d %s" % (index, entry["file"], entry["line"], entry["function"]))
        if not entry["module_level"]:
            _append_values(lines, "locals", entry["locals"])
        if "globals" not in entry and entry["module_level"]:
            lines.append("    globals: as shown above")
        if "globals" in entry:
            hidden = entry["globals_hidden"]
            note = " (%d modules/functions/classes/dunders hidden; --all shows them)" % hidden if hidden else ""
            _append_values(lines, "globals" + note, entry["globals"])
    out.write("\n".join(lines) + "\n")
    return EXIT_OK


def _values_json(values: Dict[str, Value]) -> List[dict]:
    return [{"name": name, "type": value.type, "value": value.text} for name, value in values.items()]


def _append_values(lines: List[str], title: str, values: List[dict]) -> None:
    if not values:
        lines.append("    %s: (none)" % title)
        return
    lines.append("    %s:" % title)
    for item in values:
        lines.append("      %s = %s  (%s)" % (item["name"], item["value"], item["type"]))


# --- history -------------------------------------------------------------------------------------------------
def _show_history(recording: Recording, name: str, function: Optional[str], as_json: bool, out: TextIO,
                  err: TextIO) -> int:
    if name not in recording.name_ids:
        close = sorted(n for n in recording.name_ids if n.lower().startswith(name[:1].lower()))[:10]
        hint = "; names starting alike: %s" % ", ".join(close) if close else ""
        err.write("watercodeflow inspect: no variable named %r was recorded%s\n" % (name, hint))
        return EXIT_USAGE
    entries = recording.history(name, function)
    if function is None and not entries:  # interned only as an attribute name, never bound to a variable
        err.write("watercodeflow inspect: no variable named %r was recorded (attributes have no history of "
                  "their own: ask for the variable holding the object)\n" % name)
        return EXIT_USAGE
    if function is not None and not entries:
        err.write("watercodeflow inspect: %r was never a local of a function named %r (try without "
                  "--function)\n" % (name, function))
        return EXIT_USAGE
    if as_json:
        json.dump({"name": name, "function": function, "values": [
            {"step": e.step, "line": e.line, "file": e.file, "function": e.function, "scope": e.scope,
             "frame_id": e.frame_id, "type": e.type, "value": e.text} for e in entries]}, out, indent=2)
        out.write("\n")
        return EXIT_OK
    lines = ["%s: %d values" % (name, len(entries))]
    for entry in entries:
        where = "%s:%d %s" % (entry.file, entry.line, entry.function)
        owner = "global" if entry.scope == "global" else "local of frame %s" % entry.frame_id
        lines.append("  step %-8d %s = %s  [%s; %s]" % (entry.step, name, entry.text, owner, where))
    out.write("\n".join(lines) + "\n")
    return EXIT_OK
