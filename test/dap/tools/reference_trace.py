# Independent reference for the DAP tests: runs a fixture under a naive sys.settrace tracer and writes every
# line/call/return event with the frame's locals (repr) as JSON. Must not import or trust WaterCodeFlow code.
"""Usage: reference_trace.py OUTPUT.json PROGRAM.py [ARGS...]

Only frames whose code lives in the program's directory are recorded (the fixtures and their helper
modules), which is what a just-my-code debugger shows.
"""
import json
import os
import runpy
import sys
import threading


def main():
    output_path, program = sys.argv[1], os.path.abspath(sys.argv[2])
    sys.argv = [program] + sys.argv[3:]
    sys.path.insert(0, os.path.dirname(program))
    program_dir = os.path.dirname(program) + os.sep
    events = []
    frame_ids = {}
    lock = threading.Lock()

    def frame_id(frame):
        # id(frame) can be reused after a frame dies, so key on the frame object while it is alive.
        key = id(frame)
        entry = frame_ids.get(key)
        if entry is None or entry[0] is not frame:
            entry = (frame, next_id[0])
            next_id[0] += 1
            frame_ids[key] = entry
        return entry[1]

    next_id = [1]

    def depth_of(frame):
        depth = 0
        parent = frame.f_back
        while parent is not None:
            if parent.f_code.co_filename.startswith(program_dir):
                depth += 1
            parent = parent.f_back
        return depth

    def snapshot_locals(frame):
        values = {}
        for name, value in list(frame.f_locals.items()):
            try:
                values[name] = repr(value)
            except Exception as error:  # a broken __repr__ must not stop the reference run
                values[name] = "<repr failed: %s>" % type(error).__name__
        return values

    def tracer(frame, event, arg):
        if not frame.f_code.co_filename.startswith(program_dir):
            return None
        if event in ("line", "call", "return", "exception"):
            with lock:
                record = {
                    "event": event,
                    "thread": threading.current_thread().name,
                    "frame": frame_id(frame),
                    "function": frame.f_code.co_name,
                    "path": os.path.abspath(frame.f_code.co_filename),
                    "line": frame.f_lineno,
                    "depth": depth_of(frame),
                    "locals": snapshot_locals(frame) if frame.f_code.co_name != "<module>" else {},
                }
                if event == "return":
                    record["returned"] = repr(arg)
                if event == "exception":
                    record["exception"] = arg[0].__name__
                events.append(record)
        return tracer

    threading.settrace(tracer)
    sys.settrace(tracer)
    exit_error = None
    try:
        runpy.run_path(program, run_name="__main__")
    except BaseException as error:  # the fixture's own uncaught exception is part of the reference
        exit_error = "%s: %s" % (type(error).__name__, error)
    finally:
        sys.settrace(None)
        threading.settrace(None)
    with open(output_path, "w", encoding="utf-8") as handle:
        json.dump({"program": program, "events": events, "uncaught": exit_error}, handle)


if __name__ == "__main__":
    main()
