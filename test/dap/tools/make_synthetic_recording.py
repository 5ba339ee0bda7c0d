# Writes a small WaterCodeFlow recording by hand, straight from docs/recording-format.md (schema version 2),
# as a third-party writer would: the DAP tests replay it to check the adapter reads the documented format.
# The chunk blobs come from the reference codec (native/watercodeflow/chunk_codec.py); nothing else is shared.
"""Usage: make_synthetic_recording.py OUTPUT.wcf NATIVE_DIR SOURCE.py

The recording describes one run of SOURCE (programs/synthetic_source.py): the module sets value = 3, calls
square(3), which binds result = 9 and returns it, then builds items = [9, 3]. Line numbers come from the
source's "# @name" markers. NATIVE_DIR is the folder holding watercodeflow/ (schema.sql, chunk_codec.py).
"""
import json
import os
import re
import sqlite3
import sys

LINE, CALL, RETURN = 0, 1, 2
LOCALS, GLOBALS = 0, 1  # scopes.kind codes


def markers(source_path):
    found = {}
    with open(source_path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            match = re.search(r"#\s*@([A-Za-z_]\w*)\s*$", text)
            if match:
                found[match.group(1)] = number
    return found


def write_chunks(db, codec, table, rows, rows_per_chunk):
    """`rows` of a chunked table as consecutive chunks; every second chunk zlib-compressed."""
    first = 0
    for seq, start in enumerate(range(0, len(rows), rows_per_chunk)):
        part = rows[start:start + rows_per_chunk]
        data = codec.encode_chunk(table, part, compress=seq % 2 == 1)
        db.execute("INSERT INTO chunks VALUES (?, ?, ?, ?, ?)", (table, seq, first, len(part), data))
        first += len(part)


def main():
    output, native, source = sys.argv[1:4]
    sys.path.insert(0, native)
    from watercodeflow import chunk_codec as codec  # noqa: E402 (the path is only known here)

    at = markers(source)
    db = sqlite3.connect(output)
    with open(os.path.join(native, "watercodeflow", "schema.sql"), encoding="utf-8") as handle:
        db.executescript(handle.read())
    meta = {
        "schema_version": "2", "format": "watercodeflow-recording", "created_at": "2026-12-01T00:00:00Z",
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
    db.executemany("INSERT INTO names VALUES (?, ?)", [
        (1, "value"), (2, "answer"), (3, "items"), (4, "n"), (5, "result"),
    ])
    db.executemany("INSERT INTO types VALUES (?, ?)", [(1, "int"), (2, "list")])

    write_chunks(db, codec, "scopes", [
        (1, GLOBALS, None, "__main__"),
        (2, LOCALS, 2, None),
    ], 10)
    # frame_id, parent_id, code_id, thread_id, depth, locals_scope, globals_scope, call_step.
    # A module frame's locals are its globals, so both point at the globals scope.
    write_chunks(db, codec, "frames", [
        (1, None, 1, 1, 0, 1, 1, 0),
        (2, 1, 2, 1, 1, 2, 1, 3),
    ], 10)
    # In the order the frames ended: square at its return (6), the module at its return (8).
    write_chunks(db, codec, "frame_ends", [(2, 6), (1, 8)], 10)
    # kind, frame_id, line; row i of the table is step i. Two chunks: steps 0-4 and 5-8.
    write_chunks(db, codec, "steps", [
        (CALL, 1, 1),
        (LINE, 1, at["set_value"]),
        (LINE, 1, at["call_square"]),
        (CALL, 2, at["sq_def"]),
        (LINE, 2, at["sq_body"]),
        (LINE, 2, at["sq_return"]),
        (RETURN, 2, at["sq_return"]),
        (LINE, 1, at["make_items"]),
        (RETURN, 1, at["make_items"]),
    ], 5)
    # value_id, type_id, repr, object_id: the codec stores "3" and "9" as binary ints.
    write_chunks(db, codec, "vals", [
        (1, 1, "3", None),
        (2, 1, "9", None),
        (3, 2, None, 1),
    ], 10)
    write_chunks(db, codec, "objects", [(1, 2, "list", 8)], 10)
    # object_id, step, length, cut, delta, children (a full row: delta 0).
    write_chunks(db, codec, "object_states", [(1, 8, 2, 0, 0, json.dumps([[0, 2], [1, 1]]))], 10)
    # step, scope_id, name_id, value_id, in step order. A binding is visible from its step on: the state at
    # a line step is before that line runs.
    write_chunks(db, codec, "bindings", [
        (2, 1, 1, 1),  # value = 3 (after the set_value line ran)
        (3, 2, 4, 1),  # n = 3 bound at the call
        (5, 2, 5, 2),  # result = 9 (after the sq_body line ran)
        (7, 1, 2, 2),  # answer = 9
        (8, 1, 3, 3),  # items = [9, 3]
    ], 3)
    write_chunks(db, codec, "returns", [(6, 2, 2)], 10)
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
