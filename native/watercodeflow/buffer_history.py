# Reads buffer_writes back (docs/buffer-tracking.md): a buffer's bytes, numpy array or torch tensor at step N,
# and the steps that wrote chosen elements with their old and new values. Read-only over a recording's sqlite3
# connection; imports numpy (torch) only when an array or a numpy dtype (a tensor) is asked for.
import json
import struct

_BASE_KINDS = ("snapshot", "full", "gone")
_CONTENT_KINDS = ("snapshot", "full", "diff", "gone", "fingerprint")
_NEWEST = 1 << 62


class BufferHistoryError(Exception):
    """The recording cannot answer this buffer question; the message says why (and what to change, if anything)."""


def layout_at(conn, object_id, step=_NEWEST):
    """The object's layout (region, offset, shape, strides, dtype, ...) as recorded at or before `step`."""
    row = conn.execute(
        "SELECT step, offset, length, after FROM buffer_writes WHERE object_id = ? AND kind = 'layout'"
        " AND step <= ? ORDER BY step DESC, rowid DESC LIMIT 1", (object_id, step)).fetchone()
    if row is None:
        first = conn.execute("SELECT MIN(step) FROM buffer_writes WHERE object_id = ? AND kind = 'layout'",
                             (object_id,)).fetchone()[0]
        if first is None:
            raise BufferHistoryError("object %d has no buffer history: it was never tracked as a buffer (not a "
                                     "writable numpy array/bytearray/array.array/mmap/memoryview, or buffer "
                                     "tracking was off; see the notices table)" % object_id)
        raise BufferHistoryError("object %d has no buffer history at step %d: it was first seen at step %d"
                                 % (object_id, step, first))
    layout = json.loads(row[3])
    layout["since"], layout["offset"], layout["nbytes"] = row[0], row[1], row[2]
    return layout


def _latest_base(conn, region_id, step):
    return conn.execute(
        "SELECT step, rowid, kind, after FROM buffer_writes WHERE object_id = ? AND step <= ?"
        " AND kind IN ('snapshot', 'full', 'gone') ORDER BY step DESC, rowid DESC LIMIT 1",
        (region_id, step)).fetchone()


def _explain_missing(conn, region_id, step):
    kinds = {kind for (kind,) in conn.execute(
        "SELECT DISTINCT kind FROM buffer_writes WHERE object_id = ?", (region_id,))}
    if "fingerprint" in kinds:
        return BufferHistoryError(
            "buffer %d was recorded as fingerprints only (larger than the diff limit, 10 MB by default): its "
            "bytes cannot be reconstructed; record again with diffs for huge buffers enabled" % region_id)
    layouts = conn.execute("SELECT after FROM buffer_writes WHERE kind = 'layout' AND after LIKE '%on-write%'")
    if any(json.loads(text).get("region") == region_id for (text,) in layouts):
        return BufferHistoryError(
            "buffer %d has no recorded content at step %d: it was recorded with snapshots='on-write' and was "
            "not written in place after it was first seen; record with snapshots='always' to keep such buffers"
            % (region_id, step))
    return BufferHistoryError("buffer %d has no recorded content at or before step %d" % (region_id, step))


def region_bytes_at(conn, region_id, step):
    """The watched region's bytes as the program had them at `step` (every write before `step` included)."""
    base = _latest_base(conn, region_id, step)
    if base is None:
        raise _explain_missing(conn, region_id, step)
    base_step, base_rowid, kind, after = base
    if kind == "gone":
        raise BufferHistoryError("buffer %d was freed (or closed) before step %d (noticed at step %d)"
                                 % (region_id, step, base_step))
    (fingerprinted,), = conn.execute(
        "SELECT MIN(step) FROM buffer_writes WHERE object_id = ? AND kind = 'fingerprint' AND step <= ?"
        " AND (step > ? OR (step = ? AND rowid > ?))", (region_id, step, base_step, base_step, base_rowid))
    if fingerprinted is not None:  # it grew past the diff limit, or the content budget ran out
        raise BufferHistoryError(
            "buffer %d was recorded as fingerprints only from step %d on (it grew past the diff limit, 10 MB by "
            "default, or the recording's buffer content budget was reached: see the notices): its bytes at step "
            "%d cannot be reconstructed" % (region_id, fingerprinted, step))
    data = bytearray(after)
    for offset, length, diff in conn.execute(
            "SELECT offset, length, after FROM buffer_writes WHERE object_id = ? AND kind = 'diff'"
            " AND step <= ? AND (step > ? OR (step = ? AND rowid > ?)) ORDER BY step, rowid",
            (region_id, step, base_step, base_step, base_rowid)):
        data[offset:offset + length] = diff
    return bytes(data)


def _unravel(flat, shape):
    index = []
    for count in reversed(shape):
        flat, rest = divmod(flat, count)
        index.append(rest)
    return tuple(reversed(index))


def _count(shape):
    count = 1
    for n in shape:
        count *= n
    return count


def _selected(layout, index):
    """[(flat index, byte offset in the region)] for index: None (all), an int (flat, C order), a tuple
    (one multi-index) or a slice over flat indices."""
    shape, strides, offset = layout["shape"], layout["strides"], layout["offset"]
    size = _count(shape)
    if index is None:
        flats = range(size)
    elif isinstance(index, slice):
        flats = range(*index.indices(size))
    elif isinstance(index, tuple):
        if len(index) != len(shape) or not all(-n <= i < n for i, n in zip(index, shape)):
            raise BufferHistoryError("index %r is outside shape %r" % (index, tuple(shape)))
        flat = 0
        for i, n in zip(index, shape):
            flat = flat * n + (i % n)
        flats = [flat]
    else:
        flat = int(index)
        if not -size <= flat < size:
            raise BufferHistoryError("flat index %d is outside an object of %d elements" % (flat, size))
        flats = [flat % size]
    return [(flat, offset + sum(i * s for i, s in zip(_unravel(flat, shape), strides))) for flat in flats]


def object_bytes_at(conn, object_id, step):
    """The object's elements at `step` as bytes, in C order (its own shape, whatever its strides)."""
    layout = layout_at(conn, object_id, step)
    data = region_bytes_at(conn, layout["region"], step)
    itemsize = layout["itemsize"]
    return b"".join(data[at:at + itemsize] for _, at in _selected(layout, None))


# torch dtypes numpy has none of (a tensor layout's `descr`): their elements' storage and their numpy stand-in.
_TORCH_ONLY_DTYPES = {"torch.bfloat16": "<u2", "torch.complex32": "<u4"}


def _torch_only(layout):
    descr = layout.get("descr")
    return descr if isinstance(descr, str) and descr in _TORCH_ONLY_DTYPES else None


def _torch_only_value(name, raw):
    """A bfloat16 element as a float (the upper half of a float32), a complex32 one as a complex."""
    if name == "torch.bfloat16":
        return struct.unpack("<f", b"\0\0" + raw)[0]
    real, imag = struct.unpack("<ee", raw)
    return complex(real, imag)


def numpy_dtype(layout):
    """The numpy dtype of the layout's elements; for bfloat16 / complex32 tensors, unsigned ints of their size
    (their bits: array_at converts them)."""
    import numpy as np
    name = _torch_only(layout)
    if name is not None:
        return np.dtype(_TORCH_ONLY_DTYPES[name])
    if layout.get("descr"):
        return np.dtype([tuple(tuple(part) if isinstance(part, list) else part for part in field)
                         for field in layout["descr"]])
    if layout.get("dtype"):
        return np.dtype(layout["dtype"])
    try:
        dtype = np.dtype(layout.get("format") or "B")
        if dtype.itemsize == layout["itemsize"]:
            return dtype
    except TypeError:
        pass
    return np.dtype("V%d" % layout["itemsize"])


def array_at(conn, object_id, step):
    """A numpy copy of the object as it was at `step` (same shape and dtype; a bfloat16 tensor as float32, a
    complex32 one as complex64, exactly). Needs numpy."""
    import numpy as np
    layout = layout_at(conn, object_id, step)
    data = region_bytes_at(conn, layout["region"], step)
    if _count(layout["shape"]) == 0:  # a tensor that lost its elements (resize_(0)) has no place in the region
        data, layout["offset"] = b"", 0
    view = np.ndarray(tuple(layout["shape"]), numpy_dtype(layout), buffer=data, offset=layout["offset"],
                      strides=tuple(layout["strides"]))
    name = _torch_only(layout)
    if name == "torch.bfloat16":  # the upper half of a float32
        return (view.astype("<u4") << 16).view("<f4")
    if name == "torch.complex32":  # two float16
        halves = view.copy().view("<f2").reshape(view.shape + (2,)).astype("<f4")
        return halves.view("<c8").reshape(view.shape)
    return view.copy()


def tensor_at(conn, object_id, step):
    """A torch copy of a recorded tensor as it was at `step`, with its own shape and dtype (bfloat16 too),
    contiguous. Needs torch."""
    import torch
    layout = layout_at(conn, object_id, step)
    name = layout.get("torchDtype")
    if not isinstance(name, str) or not name.startswith("torch."):
        raise BufferHistoryError("object %d is not a torch tensor (its type is %s)" % (object_id, layout.get("type")))
    dtype = getattr(torch, name[len("torch."):])
    shape = tuple(layout["shape"])
    if _count(shape) == 0:
        return torch.empty(shape, dtype=dtype)
    data = bytearray(object_bytes_at(conn, object_id, step))
    return torch.frombuffer(data, dtype=dtype).reshape(shape).clone()


def _decoder(layout):
    name = _torch_only(layout)
    if name is not None:
        return lambda raw: _torch_only_value(name, raw)
    try:
        import numpy as np
        dtype = numpy_dtype(layout)
        return lambda raw: np.frombuffer(raw, dtype)[0].item()
    except ImportError:
        pass
    fmt = layout.get("format")
    if fmt:
        try:
            if struct.calcsize(fmt) == layout["itemsize"]:
                return lambda raw: struct.unpack(fmt, raw)[0]
        except struct.error:
            pass
    return bytes


def element_history(conn, object_id, index=None, decode=True):
    """The steps that changed the selected elements, oldest first: [{"step", "index", "before", "after"}].

    `step` is the first step whose state shows the new value (the write happened before it, during the
    previous step); only steps after the object was first seen are listed, though writes through other views
    of its memory count. `index` is the flat C-order index in the object; `before`/`after` are Python scalars
    (bytes when decode=False). Writes made through any view of the same memory count.
    """
    layout = layout_at(conn, object_id)
    first_seen = conn.execute("SELECT MIN(step) FROM buffer_writes WHERE object_id = ? AND kind = 'layout'",
                              (object_id,)).fetchone()[0]
    selected = _selected(layout, index)
    if not selected:
        return []
    itemsize = layout["itemsize"]
    low = min(at for _, at in selected)
    high = max(at for _, at in selected) + itemsize
    decode_value = _decoder(layout) if decode else bytes
    history = []
    window = None
    rows = conn.execute(
        "SELECT step, kind, offset, length,"
        " CASE WHEN kind IN ('snapshot', 'full', 'diff') THEN substr(after, max(offset, ?1) - offset + 1,"
        "      min(offset + length, ?2) - max(offset, ?1)) END"
        " FROM buffer_writes WHERE object_id = ?3 AND kind IN ('snapshot', 'full', 'diff', 'gone', 'fingerprint')"
        " AND (kind != 'diff' OR (offset < ?2 AND offset + length > ?1)) ORDER BY step, rowid",
        (low, high, layout["region"]))
    for step, kind, offset, length, part in rows:
        if kind == "fingerprint":
            raise _explain_missing(conn, layout["region"], step)
        if kind == "gone":
            break
        if kind == "diff":
            if window is None:
                continue  # cannot happen in a well-formed recording: diffs follow a snapshot
            new = bytearray(window)
            start = max(offset, low) - low
            new[start:start + len(part)] = part
        else:
            new = bytearray(part)
            if len(new) < high - low:  # the buffer shrank: missing elements read as absent
                new.extend(b"\0" * (high - low - len(new)))
        if window is not None and step > first_seen:
            for flat, at in selected:
                old_raw = bytes(window[at - low:at - low + itemsize])
                new_raw = bytes(new[at - low:at - low + itemsize])
                if old_raw != new_raw:
                    history.append({"step": step, "index": flat, "before": decode_value(old_raw),
                                    "after": decode_value(new_raw)})
        window = new
    return history


# -- byte-level deltas for the export stream -------------------------------------------------------------------

_DELTA_LEAF = 16  # elements compared one by one once a bisected range is this small


def _c_strides(shape, itemsize):
    strides, size = [], itemsize
    for n in reversed(shape):
        strides.append(size)
        size *= n
    return list(reversed(strides))


class _ObjectGeometry:
    """Where an object's elements sit in its region: C-contiguous (one byte range) or strided (positions)."""

    def __init__(self, layout):
        self.region = layout["region"]
        self.itemsize = layout["itemsize"]
        self.first = layout["offset"]
        self.count = _count(layout["shape"])
        self.contiguous = layout["strides"] == _c_strides(layout["shape"], self.itemsize) or self.count <= 1
        self.positions = None if self.contiguous else [at for _, at in _selected(layout, None)]
        if self.contiguous:
            self.low, self.high = self.first, self.first + self.count * self.itemsize
        else:
            self.low, self.high = min(self.positions), max(self.positions) + self.itemsize

    def changed(self, old, new, low, high):
        """Flat indices, ascending, of the elements whose bytes differ between old and new within [low, high)."""
        size = self.itemsize
        out = []

        def differs(at):
            return old[at:at + size] != new[at:at + size] or len(old) < at + size

        if not self.contiguous:
            return [flat for flat, at in enumerate(self.positions) if at + size > low and at < high and differs(at)]
        first = max(0, (low - self.first) // size)
        last = min(self.count, -(-(high - self.first) // size))
        pending = [(first, last)]
        while pending:  # bisect: equal halves are skipped at C speed, so sparse writes cost O(log n) compares
            start, end = pending.pop()
            a, b = self.first + start * size, self.first + end * size
            if start >= end or (old[a:b] == new[a:b] and len(old) >= b):
                continue
            if end - start <= _DELTA_LEAF:
                out.extend(flat for flat in range(start, end) if differs(self.first + flat * size))
            else:
                middle = (start + end) // 2
                pending.append((middle, end))
                pending.append((start, middle))
        out.sort()
        return out

    def position(self, flat):
        return self.first + flat * self.itemsize if self.contiguous else self.positions[flat]


def _hex(data, max_chars):
    text = data.hex()
    return text if not max_chars or len(text) <= max_chars else text[:max_chars] + "\u2026"


class BufferDeltaStream:
    """Replays buffer_writes rows in (step, rowid) order and says, step by step, which elements of which objects
    the program wrote: {object_id: [{"offset", "length", "index", "before", "after"}]}. `offset` and `length` are
    bytes of the object's elements in C order (as obj.tobytes() lays them out), `index` the flat index of the
    first element of the run, `before`/`after` hex (cut after `max_chars` characters with …; `before` None for
    bytes that did not exist yet). Fingerprint rows give {"offset", "length", "fingerprint"}: no values."""

    def __init__(self, rows, max_chars=0):
        self._rows = iter(rows)  # (step, object_id, kind, offset, length, after), ordered by step, rowid
        self._next = next(self._rows, None)
        self._bytes = {}  # region -> bytearray of its content as replayed so far
        self._objects = {}  # object_id -> _ObjectGeometry (its latest layout)
        self._by_region = {}  # region -> {object_id}
        self.max_chars = max_chars

    def is_tracked(self, object_id):
        """True once a layout row described the object (its writes come as deltas from then on)."""
        return object_id in self._objects

    def next_step(self):
        """The step of the next row not yet taken, or None at the end."""
        return None if self._next is None else self._next[0]

    def take(self, step):
        """Every row up to `step` applied; the deltas of the rows of `step` itself, by object id."""
        before = {}  # region -> its bytes before this step's first write
        dirty = {}  # region -> [low, high) written at this step
        fingerprints = []
        while self._next is not None and self._next[0] <= step:
            row_step, object_id, kind, offset, length, after = self._next
            self._next = next(self._rows, None)
            if kind == "layout":
                self._add_layout(object_id, after, offset)
                continue
            if kind in ("snapshot", "full", "diff") and after is not None:
                current = self._bytes.get(object_id)
                if current is not None and row_step == step and object_id not in before:
                    before[object_id] = bytes(current)
                if kind == "diff":
                    if current is None:
                        continue  # a diff without a snapshot: not in a well-formed recording
                    if offset + len(after) > len(current):
                        current.extend(b"\0" * (offset + len(after) - len(current)))
                    current[offset:offset + len(after)] = after
                    low, high = offset, offset + len(after)
                else:
                    self._bytes[object_id] = bytearray(after)
                    low, high = 0, max(len(after), len(current) if current is not None else 0)
                if current is not None and row_step == step:
                    span = dirty.get(object_id)
                    dirty[object_id] = (low, high) if span is None else (min(span[0], low), max(span[1], high))
            elif kind == "gone":
                self._bytes.pop(object_id, None)
                for gone in self._by_region.pop(object_id, ()):
                    self._objects.pop(gone, None)
            elif kind == "fingerprint":
                self._bytes.pop(object_id, None)  # its content is no longer known
                if row_step == step:
                    fingerprints.append((object_id, offset, length, after))
        out = {}
        for region, (low, high) in dirty.items():
            old, new = before.get(region), self._bytes.get(region)
            if old is None or new is None:
                continue
            for object_id in self._by_region.get(region, ()):
                geometry = self._objects[object_id]
                if geometry.high <= low or geometry.low >= high:
                    continue
                deltas = self._deltas(geometry, old, new, low, high)
                if deltas:
                    out.setdefault(object_id, []).extend(deltas)
        for region, offset, length, digest in fingerprints:
            for object_id in self._by_region.get(region, ()):
                geometry = self._objects[object_id]
                low, high = max(offset, geometry.low), min(offset + length, geometry.high)
                if low < high:
                    out.setdefault(object_id, []).append({"offset": low - geometry.low, "length": high - low,
                                                          "fingerprint": bytes(digest or b"").hex()})
        return out

    def _add_layout(self, object_id, text, offset):
        try:
            layout = json.loads(text)
            layout["offset"] = offset  # where element 0 is: the row's offset column
        except (TypeError, ValueError):
            return
        old = self._objects.get(object_id)
        if old is not None:
            self._by_region.get(old.region, set()).discard(object_id)
        self._objects[object_id] = geometry = _ObjectGeometry(layout)
        self._by_region.setdefault(geometry.region, set()).add(object_id)

    def _deltas(self, geometry, old, new, low, high):
        """Runs of consecutive changed elements (split where the old bytes stop existing: a buffer that grew)."""
        flats = geometry.changed(old, new, low, high)
        deltas = []
        start = 0
        for k in range(1, len(flats) + 1):
            if k == len(flats) or flats[k] != flats[k - 1] + 1 or \
                    self._absent(geometry, old, flats[k]) != self._absent(geometry, old, flats[start]):
                deltas.append(self._delta(geometry, old, new, flats[start], flats[k - 1] + 1))
                start = k
        return deltas

    @staticmethod
    def _absent(geometry, old, flat):
        return len(old) < geometry.position(flat) + geometry.itemsize

    @staticmethod
    def _elements(geometry, data, start, end):
        size = geometry.itemsize
        if geometry.contiguous:
            at = geometry.position(start)
            return bytes(data[at:at + (end - start) * size])
        return b"".join(bytes(data[at:at + size]) for at in map(geometry.position, range(start, end)))

    def _delta(self, geometry, old, new, start, end):
        size = geometry.itemsize
        before = None if self._absent(geometry, old, start) else \
            _hex(self._elements(geometry, old, start, end), self.max_chars)
        return {"offset": start * size, "length": (end - start) * size, "index": start, "before": before,
                "after": _hex(self._elements(geometry, new, start, end), self.max_chars)}
