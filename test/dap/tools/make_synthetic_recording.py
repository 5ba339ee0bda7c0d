# Writes a small WaterCodeFlow recording by hand, straight from docs/recording-format.md (schema version 1),
# as a third-party writer would: the DAP tests replay it to check the adapter reads the documented format.
"""Usage: make_synthetic_recording.py OUTPUT.wcf SCHEMA.sql SCHEMA_INDEXES.sql SOURCE.py

The recording describes one run of SOURCE (programs/synthetic_source.py): the module sets value = 3, calls
square(3), which binds result = 9 and returns it, then builds items = [9, 3]. Line numbers come from the
source's "# @name" markers.
"""
import json
import re
import sqlite3
import sys

LINE, CALL, RETURN = 0, 1, 2


def markers(source_path):
    found = {}
    with open(source_path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            match = re.search(r"#\s*@([A-Za-z_]\w*)\s*$", text)
            if match:
                found[match.group(1)] = number
    return found


def main():
    output, schema, indexes, source = sys.argv[1:5]
    at = markers(source)
    db = sqlite3.connect(output)
    with open(schema, encoding="utf-8") as handle:
        db.executescript(handle.read())
    meta = {
        "schema_version": "1", "format": "watercodeflow-recording", "created_at": "2026-11-22T00:00:00Z",
        "recorder": "python", "tracer": "settrace", "python_version": "3.11.7",
        "python_executable": "/usr/bin/python3", "program": source, "argv": json.dumps([source]),
        "cwd": "/", "mode": "balanced", "just_my_code": "1",
        "limits": json.dumps({"maxRepr": 200, "maxItems": 100, "maxDepth": 1, "maxSize": 2000000000}),
        "status": "complete", "exit_code": "0", "step_count": "9", "start_ns": "1000", "end_ns": "2000",
    }
    db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    db.execute("INSERT INTO files VALUES (1, ?)", (source,))
    db.executemany("INSERT INTO code VALUES (?, ?, ?, ?, ?)", [
        (1, 1, "<module>", "<module>", 1),
        (2, 1, "square", "square", at["sq_def"]),
    ])
    db.execute("INSERT INTO threads VALUES (1, 4242, 'MainThread', 0)")
    db.executemany("INSERT INTO scopes VALUES (?, ?, ?, ?)", [
        (1, "globals", None, "__main__"),
        (2, "locals", 2, None),
    ])
    # frame_id, parent_id, code_id, thread_id, depth, locals_scope, globals_scope, call_step, end_step.
    # A module frame's locals are its globals, so both point at the globals scope.
    db.executemany("INSERT INTO frames VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (1, None, 1, 1, 0, 1, 1, 0, 8),
        (2, 1, 2, 1, 1, 2, 1, 3, 6),
    ])
    db.executemany("INSERT INTO steps VALUES (?, ?, ?, ?)", [
        (0, CALL, 1, 1),
        (1, LINE, 1, at["set_value"]),
        (2, LINE, 1, at["call_square"]),
        (3, CALL, 2, at["sq_def"]),
        (4, LINE, 2, at["sq_body"]),
        (5, LINE, 2, at["sq_return"]),
        (6, RETURN, 2, at["sq_return"]),
        (7, LINE, 1, at["make_items"]),
        (8, RETURN, 1, at["make_items"]),
    ])
    db.executemany("INSERT INTO names VALUES (?, ?)", [
        (1, "value"), (2, "answer"), (3, "items"), (4, "n"), (5, "result"),
    ])
    db.executemany("INSERT INTO vals VALUES (?, ?, ?, ?)", [
        (1, "int", "3", None),
        (2, "int", "9", None),
        (3, "list", None, 1),
    ])
    db.execute("INSERT INTO objects VALUES (1, 'list', 'list', 8)")
    db.execute("INSERT INTO object_states VALUES (1, 8, 2, ?, 0)", (json.dumps([[0, 2], [1, 1]]),))
    # A binding is visible from its step on: the state at a line step is before that line runs.
    db.executemany("INSERT INTO bindings VALUES (?, ?, ?, ?)", [
        (2, 1, 1, 1),  # value = 3 (after the set_value line ran)
        (3, 2, 4, 1),  # n = 3 bound at the call
        (5, 2, 5, 2),  # result = 9 (after the sq_body line ran)
        (7, 1, 2, 2),  # answer = 9
        (8, 1, 3, 3),  # items = [9, 3]
    ])
    db.execute("INSERT INTO returns VALUES (6, 2, 2)")
    with open(indexes, encoding="utf-8") as handle:
        db.executescript(handle.read())
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
