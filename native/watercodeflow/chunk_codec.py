# The chunk codec of recording format v2: encodes rows of the high-volume tables into column blobs and back.
# The reference implementation of docs/recording-format.md "Chunks"; the C recorder (native/wcfcore) writes the
# same bytes, and its decode_column (wcf_decode.c) decodes columns where a build exists, falling back to this
# module's decoder. Knows column layouts and encodings only, nothing of SQLite files or Python frames.
import itertools
import operator
import os
import struct
import sys

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
_FIXED_VALUE_TAGS = {text: tag for tag, text in _FIXED_VALUE_REPRS.items()}
_FIXED_REPRS_BY_TAG = tuple(_FIXED_VALUE_REPRS.get(tag) for tag in range(256))  # for the C decoder
_DOUBLE = struct.Struct("<d")
MAX_VARINT_BYTES = 10
_U64_LIMIT = 1 << 64
_INT64_MIN, _INT64_LIMIT = -(1 << 63), 1 << 63
# A float's 8 binary bytes beat its text (length varint + UTF-8) only past this many characters.
_FLOAT_TEXT_BREAK_EVEN = 7
_COMPRESS_AT_LEAST = 64  # bytes; shorter chunks rarely shrink
_NUMBER_STARTS = frozenset("-0123456789")
# zigzag decoding of one-byte varints, for columns whose values all fit in 7 bits
_UNZIGZAG_BYTE = tuple((value >> 1) ^ -(value & 1) for value in range(128))


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


def _put_unsigned(out, values):
    """varints of non-negative ints below 2**64 (one byte each, at C speed, when they all fit in 7 bits)."""
    if not values:
        return
    largest = max(values)
    if largest < 0x80:
        out += bytes(values)  # ValueError for a negative value, like the loop below
        return
    if largest >= _U64_LIMIT or min(values) < 0:
        raise ValueError("a varint value must be in [0, 2**64): got %d" % (largest if largest >= _U64_LIMIT
                                                                            else min(values)))
    append = out.append
    for value in values:
        while value > 0x7F:
            append((value & 0x7F) | 0x80)
            value >>= 7
        append(value)


def _zigzags(values):
    return [value + value if value >= 0 else -value - value - 1 for value in values]


def _put_value(out, value):
    """One `v` value: the shortest form whose display is exactly `value` (binary ints, floats and constants
    decode back to this very text, so the choice is lossless whatever the value's type)."""
    if value is None:
        out.append(VALUE_NULL)
        return
    tag = _FIXED_VALUE_TAGS.get(value)
    if tag is not None:
        out.append(tag)
        return
    if value[:1] in _NUMBER_STARTS:
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is not None:
            if _INT64_MIN <= number < _INT64_LIMIT and str(number) == value:
                out.append(VALUE_INT)
                _varint(out, _zigzag(number))
                return
        elif len(value) > _FLOAT_TEXT_BREAK_EVEN:
            try:
                number = float(value)
            except ValueError:
                number = None
            if number is not None and repr(number) == value:
                out.append(VALUE_FLOAT)
                out += _DOUBLE.pack(number)
                return
    data = value.encode("utf-8", "surrogatepass")
    out.append(VALUE_TEXT)
    _varint(out, len(data))
    out += data


def _encode_column(encoding, values):
    out = bytearray()
    if encoding == "u":
        _put_unsigned(out, values)
    elif encoding == "s":
        _put_unsigned(out, _zigzags(values))
    elif encoding == "d":
        _put_unsigned(out, _zigzags(list(map(operator.sub, values, itertools.chain((0,), values)))))
    elif encoding == "n":
        _put_unsigned(out, [0 if value is None else value + 1 for value in values])
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
            _put_value(out, value)
    else:
        raise ValueError("unknown column encoding %r" % (encoding,))
    return out


def encode_chunk(table, rows, compress=False):
    """The data blob for `rows` of a chunked table (tuples in the table's column order; `steps` rows are
    (kind, frame_id, line)). `vals.repr` values are given as text (or None); they are stored in binary (int,
    float, True/False/None) where that is shorter and decodes to the same text."""
    columns = CHUNKED_TABLES[table]
    payload = bytearray()
    for index, (_, encoding) in enumerate(columns):
        data = _encode_column(encoding, [row[index] for row in rows])
        _varint(payload, len(data))
        payload += data
    if compress:
        import zlib  # here: the C recorder never compresses, and its start-up need not load zlib

        return bytes((FLAG_ZLIB,)) + zlib.compress(bytes(payload), 1)
    return bytes((0,)) + bytes(payload)


def encode_chunk_smallest(table, rows):
    """encode_chunk(), zlib-compressed when that is smaller (level 1: ~1 ms per 100 kB, typically 2-100x on steps
    and bindings)."""
    plain = encode_chunk(table, rows)
    if len(plain) < _COMPRESS_AT_LEAST:
        return plain
    import zlib

    packed = zlib.compress(plain[1:], 1)
    return bytes((FLAG_ZLIB,)) + packed if len(packed) + 1 < len(plain) else plain


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
            if shift >= 7 * MAX_VARINT_BYTES:
                raise ChunkError("a varint is longer than %d bytes" % MAX_VARINT_BYTES)
        self.pos = pos
        return result

    def take(self, count):
        if self.pos + count > self.end:
            raise ChunkError("a value runs past the end of its column")
        start = self.pos
        self.pos += count
        return self.data[start:self.pos]


def render_float(value):
    """The repr the recorder's interpreter would print for a float (Python's shortest round-trip repr)."""
    return repr(value)


def _long_varint(data, pos, first):
    """(value, position after it) of a varint whose first byte `first` (>= 0x80) was read before `pos`. Callers
    decode one-byte varints inline (the common case) and turn an IndexError into a ChunkError."""
    value, shift = first & 0x7F, 7
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift >= 7 * MAX_VARINT_BYTES:
            raise ChunkError("a varint is longer than %d bytes" % MAX_VARINT_BYTES)


def _texts(reader, count, tagged):
    """`count` values of a `t` column, or of a `v` column when `tagged` (its tag byte first), as text or None."""
    data, pos, end = reader.data, reader.pos, reader.end
    out = [None] * count
    try:
        for index in range(count):
            if tagged:
                tag = data[pos]
                pos += 1
                if tag != VALUE_TEXT:
                    if tag == VALUE_INT:
                        value = data[pos]
                        pos += 1
                        if value >= 0x80:
                            value, pos = _long_varint(data, pos, value)
                        out[index] = str((value >> 1) ^ -(value & 1))
                    elif tag == VALUE_FLOAT:
                        start, pos = pos, pos + 8
                        if pos > end:
                            break
                        out[index] = render_float(_DOUBLE.unpack(data[start:pos])[0])
                    elif tag != VALUE_NULL:
                        fixed = _FIXED_VALUE_REPRS.get(tag)
                        if fixed is None:
                            raise ChunkError("unknown value tag %d" % tag)
                        out[index] = fixed
                    continue
            size = data[pos]
            pos += 1
            if size >= 0x80:
                size, pos = _long_varint(data, pos, size)
            if not tagged:
                if size == 0:
                    continue  # NULL
                size -= 1
            start, pos = pos, pos + size
            if pos > end:
                break
            out[index] = data[start:pos].decode("utf-8", "surrogatepass")
    except IndexError:
        pos = end + 1
    except UnicodeDecodeError as error:
        raise ChunkError("a text value is not UTF-8: %s" % error) from None
    if pos > end:
        raise ChunkError("a value runs past the end of its column")
    reader.pos = pos
    return out


def _varints(reader, count):
    """`count` unsigned varints filling the reader's column exactly."""
    data, pos, end = reader.data, reader.pos, reader.end
    if end - pos == count:
        column = data[pos:end]
        if not column or max(column) < 0x80:  # every value is one byte: decode at C speed
            reader.pos = end
            return column
    out = [0] * count
    try:
        for index in range(count):
            byte = data[pos]
            pos += 1
            if byte >= 0x80:
                byte, pos = _long_varint(data, pos, byte)
            out[index] = byte
    except IndexError:
        pos = end + 1
    if pos > end:
        raise ChunkError("a varint runs past the end of its column")
    reader.pos = pos
    return out


def _decode_column(encoding, reader, count):
    if encoding == "u":
        out = list(_varints(reader, count))
    elif encoding == "s":
        out = [(value >> 1) ^ -(value & 1) for value in _varints(reader, count)]
    elif encoding == "d":
        raw = _varints(reader, count)
        if isinstance(raw, bytes):
            out = list(itertools.accumulate(map(_UNZIGZAG_BYTE.__getitem__, raw)))
        else:
            out = list(itertools.accumulate((value >> 1) ^ -(value & 1) for value in raw))
    elif encoding == "n":
        out = [value - 1 if value else None for value in _varints(reader, count)]
    elif encoding == "t" or encoding == "v":
        out = _texts(reader, count, encoding == "v")
    else:
        raise ChunkError("unknown column encoding %r" % (encoding,))
    if reader.pos != reader.end:
        raise ChunkError("a column has %d bytes left over after %d values" % (reader.end - reader.pos, count))
    return out


# The C twin of _decode_column: decode_column() of the C recorder core's build for this interpreter
# (native/wcfcore/wcf_decode.c), loaded at the first decode_chunk() call. It returns a column's values, or None
# where this module must decide (a damaged column, values wider than 64 bits): _decode_column then decodes that
# column, so both paths give the same values and the same ChunkError. Without a build (Python 3.8, a newer
# interpreter, a build that does not load) the pure-Python decoder does all the work.
# WATERCODEFLOW_PY_DECODE=1 forces the pure-Python decoder (tests compare the two; benchmarks time them).
_UNLOADED = object()
_c_decode_column = _UNLOADED


def _load_c_decoder():
    """The C core's decode_column, or None. Loads only an existing build (never compiles one); any failure
    means the pure-Python decoder."""
    if os.environ.get("WATERCODEFLOW_PY_DECODE") == "1":
        return None
    try:
        module = sys.modules.get("watercodeflow._wcfcore")
        if module is None:
            from . import wcfcore_location  # here: sysconfig is not for every importer of the codec

            path = wcfcore_location.core_build_path()
            if not os.path.exists(path):
                return None
            module = wcfcore_location.load_build(path)
        decode = getattr(module, "decode_column", None)
        return decode if callable(decode) else None
    except Exception:  # a build of other sources, for another interpreter, unloadable: decode in Python
        return None


def decode_chunk(table, data, row_count):
    """The rows of one chunk as a list of column lists, in the table's column order."""
    global _c_decode_column
    decode_c = _c_decode_column
    if decode_c is _UNLOADED:
        decode_c = _c_decode_column = _load_c_decoder()
    columns = CHUNKED_TABLES.get(table)
    if columns is None:
        raise ChunkError("unknown chunked table %r" % (table,))
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ChunkError("a chunk's data is %s, not a blob" % type(data).__name__)
    data = bytes(data)
    if not data:
        raise ChunkError("an empty chunk")
    flags = data[0]
    if flags & ~FLAG_ZLIB:
        raise ChunkError("unknown chunk flags 0x%02x (written by a newer WaterCodeFlow?)" % flags)
    payload = data[1:]
    if flags & FLAG_ZLIB:
        import zlib

        try:
            payload = zlib.decompress(payload)
        except zlib.error as error:
            raise ChunkError("a compressed chunk does not inflate: %s" % error) from None
    outer = _Reader(payload, 0, len(payload))
    if decode_c is not None and not (isinstance(row_count, int) and 0 <= row_count <= len(payload)):
        decode_c = None  # a row count no column can hold (or not a count): the Python decoder says what it makes of it
    result = []
    for _, encoding in columns:
        size = outer.varint()
        start = outer.pos
        if start + size > len(payload):
            raise ChunkError("a column of %d bytes runs past the end of the chunk" % size)
        column = None if decode_c is None else decode_c(encoding, payload, start, start + size, row_count,
                                                       _FIXED_REPRS_BY_TAG)
        if column is None:
            column = _decode_column(encoding, _Reader(payload, start, start + size), row_count)
        result.append(column)
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
