# The chunk codec of recording format v2: encodes rows of the high-volume tables into column blobs and back.
# The reference implementation of docs/recording-format.md "Chunks"; the C recorder (native/wcfcore) writes the
# same bytes. Knows column layouts and encodings only, nothing of SQLite files or Python frames.
import struct
import zlib

# Logical table -> its columns in storage order, each (name, encoding). `steps` has no stored `step` column:
# the step of row i of a chunk is first_row + i.
CHUNKED_TABLES = {
    "steps": (("kind", "u"), ("frame_id", "d"), ("line", "d")),
    "frames": (("frame_id", "d"), ("parent_id", "n"), ("code_id", "u"), ("thread_id", "u"), ("depth", "u"),
               ("locals_scope", "d"), ("globals_scope", "u"), ("call_step", "d")),
    "frame_ends": (("frame_id", "d"), ("end_step", "d")),
    "scopes": (("scope_id", "d"), ("kind", "u"), ("frame_id", "n"), ("module", "t")),
    "bindings": (("step", "d"), ("scope_id", "d"), ("name_id", "d"), ("value_id", "n")),
    "vals": (("value_id", "d"), ("type_id", "u"), ("repr", "v"), ("object_id", "n")),
    "objects": (("object_id", "d"), ("type_id", "u"), ("kind", "t"), ("first_step", "d")),
    "object_states": (("object_id", "d"), ("step", "d"), ("length", "u"), ("cut", "s"), ("delta", "u"),
                      ("children", "t")),
    "returns": (("step", "d"), ("frame_id", "d"), ("value_id", "n")),
}
SCOPE_KIND_CODES = {"locals": 0, "globals": 1}
SCOPE_KIND_NAMES = {0: "locals", 1: "globals"}

FLAG_ZLIB = 0x01
VALUE_NULL, VALUE_TEXT, VALUE_INT, VALUE_FLOAT, VALUE_TRUE, VALUE_FALSE, VALUE_NONE = range(7)
_FIXED_VALUE_REPRS = {VALUE_TRUE: "True", VALUE_FALSE: "False", VALUE_NONE: "None"}
_DOUBLE = struct.Struct("<d")


class ChunkError(ValueError):
    """A chunk blob that does not decode: the recording is damaged (or was written by a buggy writer)."""


# -- encoding ------------------------------------------------------------------------------------------


def _varint(out, value):
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _zigzag(value):
    return (value << 1) if value >= 0 else ((-value) << 1) - 1


def _encode_column(encoding, values):
    out = bytearray()
    if encoding == "u":
        for value in values:
            _varint(out, value)
    elif encoding == "s":
        for value in values:
            _varint(out, _zigzag(value))
    elif encoding == "d":
        previous = 0
        for value in values:
            _varint(out, _zigzag(value - previous))
            previous = value
    elif encoding == "n":
        for value in values:
            _varint(out, 0 if value is None else value + 1)
    elif encoding == "t":
        for value in values:
            if value is None:
                out.append(0)
            else:
                data = value.encode("utf-8", "surrogatepass")
                _varint(out, len(data) + 1)
                out += data
    elif encoding == "v":
        for value in values:
            if value is None:
                out.append(VALUE_NULL)
            else:
                data = value.encode("utf-8", "surrogatepass")
                out.append(VALUE_TEXT)
                _varint(out, len(data))
                out += data
    else:
        raise ValueError("unknown column encoding %r" % (encoding,))
    return out


def encode_chunk(table, rows, compress=False):
    """The data blob for `rows` of a chunked table (tuples in the table's column order; `steps` rows are
    (kind, frame_id, line)). `vals.repr` values are given as text (or None); the C recorder also writes the
    binary int/float forms."""
    columns = CHUNKED_TABLES[table]
    payload = bytearray()
    for index, (_, encoding) in enumerate(columns):
        data = _encode_column(encoding, [row[index] for row in rows])
        _varint(payload, len(data))
        payload += data
    if compress:
        return bytes((FLAG_ZLIB,)) + zlib.compress(bytes(payload), 1)
    return bytes((0,)) + bytes(payload)


# -- decoding ------------------------------------------------------------------------------------------


class _Reader:
    __slots__ = ("data", "pos", "end")

    def __init__(self, data, pos, end):
        self.data, self.pos, self.end = data, pos, end

    def varint(self):
        data, pos, end = self.data, self.pos, self.end
        result = shift = 0
        while True:
            if pos >= end:
                raise ChunkError("a varint runs past the end of its column")
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                break
            shift += 7
            if shift > 70:
                raise ChunkError("a varint is longer than 10 bytes")
        self.pos = pos
        return result

    def take(self, count):
        if self.pos + count > self.end:
            raise ChunkError("a value runs past the end of its column")
        start = self.pos
        self.pos += count
        return self.data[start:self.pos]


def _unzigzag(value):
    return (value >> 1) if not value & 1 else -((value + 1) >> 1)


def render_float(value):
    """The repr the recorder's interpreter would print for a float (Python's shortest round-trip repr)."""
    return repr(value)


def _decode_value(reader):
    tag = reader.take(1)[0]
    if tag == VALUE_NULL:
        return None
    if tag == VALUE_TEXT:
        return reader.take(reader.varint()).decode("utf-8", "surrogatepass")
    if tag == VALUE_INT:
        return str(_unzigzag(reader.varint()))
    if tag == VALUE_FLOAT:
        return render_float(_DOUBLE.unpack(reader.take(8))[0])
    fixed = _FIXED_VALUE_REPRS.get(tag)
    if fixed is None:
        raise ChunkError("unknown value tag %d" % tag)
    return fixed


def _decode_column(encoding, reader, count):
    out = []
    append = out.append
    if encoding == "u":
        for _ in range(count):
            append(reader.varint())
    elif encoding == "s":
        for _ in range(count):
            append(_unzigzag(reader.varint()))
    elif encoding == "d":
        previous = 0
        for _ in range(count):
            previous += _unzigzag(reader.varint())
            append(previous)
    elif encoding == "n":
        for _ in range(count):
            value = reader.varint()
            append(None if value == 0 else value - 1)
    elif encoding == "t":
        for _ in range(count):
            size = reader.varint()
            append(None if size == 0 else reader.take(size - 1).decode("utf-8", "surrogatepass"))
    elif encoding == "v":
        for _ in range(count):
            append(_decode_value(reader))
    else:
        raise ChunkError("unknown column encoding %r" % (encoding,))
    if reader.pos != reader.end:
        raise ChunkError("a column has %d bytes left over after %d values" % (reader.end - reader.pos, count))
    return out


def decode_chunk(table, data, row_count):
    """The rows of one chunk as a list of column lists, in the table's column order."""
    columns = CHUNKED_TABLES.get(table)
    if columns is None:
        raise ChunkError("unknown chunked table %r" % (table,))
    data = bytes(data)
    if not data:
        raise ChunkError("an empty chunk")
    flags = data[0]
    if flags & ~FLAG_ZLIB:
        raise ChunkError("unknown chunk flags 0x%02x (written by a newer WaterCodeFlow?)" % flags)
    payload = data[1:]
    if flags & FLAG_ZLIB:
        try:
            payload = zlib.decompress(payload)
        except zlib.error as error:
            raise ChunkError("a compressed chunk does not inflate: %s" % error) from None
    outer = _Reader(payload, 0, len(payload))
    result = []
    for _, encoding in columns:
        size = outer.varint()
        if outer.pos + size > len(payload):
            raise ChunkError("a column of %d bytes runs past the end of the chunk" % size)
        result.append(_decode_column(encoding, _Reader(payload, outer.pos, outer.pos + size), row_count))
        outer.pos += size
    if outer.pos != len(payload):
        raise ChunkError("%d bytes left over after the last column" % (len(payload) - outer.pos))
    return result


def decode_rows(table, data, row_count, first_row):
    """The rows of one chunk as tuples in the logical column order (`steps` rows get their step first)."""
    columns = decode_chunk(table, data, row_count)
    if table == "steps":
        return list(zip(range(first_row, first_row + row_count), *columns))
    return list(zip(*columns))
