# Test helper: drives a BufferTracker step by step like the recorder would, keeps the test's own copies of every
# tracked buffer at every step, and checks the recording's reconstruction against those copies (never against
# the tracker's own view).
import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
NATIVE_DIR = os.path.join(REPO_ROOT, "native")
if NATIVE_DIR not in sys.path:
    sys.path.insert(0, NATIVE_DIR)

from watercodeflow import buffer_history, buffers  # noqa: E402

try:
    import numpy as np
except ImportError:  # the non-numpy cases still run
    np = None

SCHEMA_PATH = os.path.join(NATIVE_DIR, "watercodeflow", "schema.sql")
# Storage tiers under test: the default thresholds (small arrays are copied whole per change), diffs for all
# (without the `before` bytes, the default, and with them), and snapshots stored only for buffers written in place.
TIERS = {"full": {}, "diff": {"full_copy_limit": 0}, "diff-with-before": {"full_copy_limit": 0, "keep_before": True},
         "on-write": {"snapshots": "on-write"}}


def mechanisms():
    """The libwcf mechanisms this kernel and process allow (all three on the dev machine)."""
    from watercodeflow.buffer_wcf_driver import available_mechanisms
    return available_mechanisms()


def _torch():
    return sys.modules.get("torch")  # imported by the torch tests only (it takes a second)


def is_tensor(obj):
    torch = _torch()
    return torch is not None and isinstance(obj, torch.Tensor)


def tensor_bytes(tensor):
    """A tensor's elements as bytes in C order (any dtype, bfloat16 too)."""
    torch = _torch()
    flat = tensor.detach().contiguous().reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""


def contents(obj):
    """The test's own copy of a buffer: a numpy copy, a torch clone, or the raw bytes of a builtin buffer."""
    if np is not None and isinstance(obj, np.ndarray):
        return obj.copy()
    if is_tensor(obj):
        return obj.detach().clone()
    return bytes(memoryview(obj).cast("B")) if not isinstance(obj, bytes) else obj


class BufferSession:
    """One recording in memory: step() collects like the recorder's step boundary, then copies every buffer."""

    def __init__(self, mechanism="auto", **limits):
        self.conn = sqlite3.connect(":memory:")
        with open(SCHEMA_PATH, encoding="utf-8") as schema:
            self.conn.executescript(schema.read())
        self.rows = {"buffer_writes": [], "notices": []}
        self.tracker = buffers.BufferTracker(self.rows, mechanism=mechanism, **limits)
        self.step_index = 0
        self.live = {}  # object_id -> object, for the copies
        self.expected = {}  # object_id -> {step: copy}

    def track(self, obj, object_id):
        self.tracker.track(obj, object_id, self.step_index)
        self.live[object_id] = obj
        self.expected.setdefault(object_id, {})[self.step_index] = contents(obj)

    def forget(self, object_id):
        """The test drops its own reference (the tracker must cope with the object being freed)."""
        del self.live[object_id]

    def step(self):
        self.step_index += 1
        self.tracker.collect(self.step_index)
        for object_id, obj in self.live.items():
            self.expected[object_id][self.step_index] = contents(obj)
        return self.step_index

    def flush(self):
        self.conn.executemany(buffers.BUFFER_WRITES_INSERT, self.rows["buffer_writes"])
        self.rows["buffer_writes"].clear()

    def rows_of(self, object_id, kind=None):
        self.flush()
        sql = "SELECT step, offset, length, before, after, kind FROM buffer_writes WHERE object_id = ?"
        args = [object_id]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        return self.conn.execute(sql + " ORDER BY step, rowid", args).fetchall()

    def close(self):
        self.tracker.close()
        self.conn.close()

    # -- checks -----------------------------------------------------------------------------------

    def check_states(self, test):
        """Every tracked object's reconstruction equals the test's copy at every step."""
        self.flush()
        for object_id, copies in self.expected.items():
            for step, copy in copies.items():
                with test.subTest(object_id=object_id, step=step):
                    if np is not None and isinstance(copy, np.ndarray):
                        got = buffer_history.array_at(self.conn, object_id, step)
                        test.assertEqual((got.shape, got.dtype), (copy.shape, copy.dtype))
                        test.assertEqual(got.tobytes(), copy.tobytes())
                    elif is_tensor(copy):
                        got = buffer_history.tensor_at(self.conn, object_id, step)
                        test.assertEqual((tuple(got.shape), got.dtype), (tuple(copy.shape), copy.dtype))
                        test.assertEqual(tensor_bytes(got), tensor_bytes(copy))
                    else:
                        test.assertEqual(buffer_history.object_bytes_at(self.conn, object_id, step), copy)
        self.check_diff_rows(test)

    def check_diff_rows(self, test):
        """Each diff row's before/after bytes equal the test's copies of the region's own object, at the steps
        either side of the row (for objects that are their region, contiguous, and copied at both steps)."""
        self.flush()
        for object_id, copies in self.expected.items():
            layout = buffer_history.layout_at(self.conn, object_id)
            if layout["region"] != object_id or layout["offset"] != 0 or layout["regionBytes"] != layout["nbytes"]:
                continue  # a view, or a tensor using part of its storage: its copies are not the region's bytes
            if layout["strides"] != buffer_history._c_strides(layout["shape"], layout["itemsize"]):
                continue
            raw = {step: (copy.tobytes() if np is not None and isinstance(copy, np.ndarray)
                          else tensor_bytes(copy) if is_tensor(copy) else copy)
                   for step, copy in copies.items()}
            if any(len(data) != layout["nbytes"] for data in raw.values()):
                continue  # resized: the copies are no longer the region's bytes
            for step, offset, length, before, after, _ in self.rows_of(object_id, "diff"):
                if step in raw:
                    test.assertEqual(after, raw[step][offset:offset + length])
                if step - 1 in raw and before is not None:
                    test.assertEqual(before, raw[step - 1][offset:offset + length])

    def expected_history(self, object_id, flat_indices):
        """[(step, flat index, before, after)] from the test's copies of a numpy array or a torch tensor."""
        copies = sorted(self.expected[object_id].items())
        history = []
        as_bytes = tensor_bytes if is_tensor(copies[0][1]) else (lambda elements: elements.tobytes())
        for (_, old), (step, new) in zip(copies, copies[1:]):
            old_flat, new_flat = old.reshape(-1), new.reshape(-1)
            for flat in flat_indices:
                if as_bytes(old_flat[flat:flat + 1]) != as_bytes(new_flat[flat:flat + 1]):
                    history.append((step, flat, old_flat[flat].item(), new_flat[flat].item()))
        return history

    def check_history(self, test, object_id, selection, flat_indices):
        self.flush()
        got = [(entry["step"], entry["index"], entry["before"], entry["after"])
               for entry in buffer_history.element_history(self.conn, object_id, selection)]
        test.assertEqual(got, self.expected_history(object_id, flat_indices))
