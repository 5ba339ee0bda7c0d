# Tests of the reference chunk codec (native/watercodeflow/chunk_codec.py) against docs/recording-format.md:
# round trips of every column encoding, the binary value tags decoding to Python's repr, zlib, damaged blobs.
# Hand-built blobs come from the format's own rules (varint, zigzag), never from the codec under test.
# Every decode here runs through both decoders, the pure-Python one and the C core's decode_column
# (native/wcfcore/wcf_decode.c) where this interpreter has a build, which must agree exactly: same values of the
# same types, or the same ChunkError message. The classes that exist only to compare them skip, saying why,
# where there is no C decoder.
from __future__ import annotations

import math
import os
import random
import sqlite3
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib
from unittest import mock

NATIVE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "native"))
if NATIVE_DIR not in sys.path:
    sys.path.insert(0, NATIVE_DIR)
from watercodeflow import chunk_codec, wcfcore_location  # noqa: E402
from watercodeflow.chunk_codec import CHUNKED_TABLES, ChunkError, encode_chunk, encode_chunk_smallest  # noqa: E402

U64_MAX = (1 << 64) - 1
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
PROGRAMS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "fidelity", "programs"))


def c_decoder():
    """(the C core's decode_column, None), or (None, why this interpreter has none)."""
    if os.environ.get("WATERCODEFLOW_PY_DECODE") == "1":
        return None, "WATERCODEFLOW_PY_DECODE=1 forces the pure-Python decoder"
    path = wcfcore_location.core_build_path()
    if "watercodeflow._wcfcore" not in sys.modules and not os.path.exists(path):
        return None, "no C core build for Python %s at %s (native/wcfcore/build.py makes one)" % (
            sys.version.split()[0], path)
    decode = chunk_codec._load_c_decoder()
    if decode is None:
        return None, "the C core build at %s does not load or has no decode_column (rebuild it)" % path
    return decode, None


C_DECODE, NO_C_DECODE = c_decoder()


def typed(value):
    """`value` with the type of every part spelled out, so that 1 and True or 1 and 1.0 differ."""
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [typed(item) for item in value]
    return type(value).__name__, value


def outcome(decoder, function, *args):
    """What function(*args) gives with `decoder` as chunk_codec's C decoder (None: pure Python): ("values",
    typed result) or ("ChunkError", message)."""
    with mock.patch.object(chunk_codec, "_c_decode_column", decoder):
        try:
            return "values", typed(function(*args))
        except ChunkError as error:
            return "ChunkError", str(error)


def agreeing(function, *args):
    """function(*args) by the pure-Python decoder, after checking the C decoder (if any) gives the same."""
    python = outcome(None, function, *args)
    if C_DECODE is not None:
        both = outcome(C_DECODE, function, *args)
        if both != python:
            raise AssertionError("the decoders disagree on %s%r:\n  python: %.600r\n  c:      %.600r"
                                 % (function.__name__, args[:1] + args[2:], python, both))
    with mock.patch.object(chunk_codec, "_c_decode_column", None):
        return function(*args)


def decode_chunk(table, data, row_count):
    return agreeing(chunk_codec.decode_chunk, table, data, row_count)


def decode_rows(table, data, row_count, first_row):
    return agreeing(chunk_codec.decode_rows, table, data, row_count, first_row)


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def zigzag(value: int) -> int:
    return 2 * value if value >= 0 else -2 * value - 1


def blob(*columns: bytes, flags: int = 0) -> bytes:
    """A chunk built by the format's rules: flags byte, then varint(length) + bytes per column."""
    return bytes((flags,)) + b"".join(varint(len(column)) + column for column in columns)


def value_column(*values: bytes) -> bytes:
    return b"".join(values)


def tagged_int(number: int) -> bytes:
    return b"\x02" + varint(zigzag(number))


def tagged_float(number: float) -> bytes:
    return b"\x03" + struct.pack("<d", number)


def tagged_text(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"\x01" + varint(len(data)) + data


def vals_chunk(*reprs: bytes) -> bytes:
    """A vals chunk of len(reprs) rows: value ids 1.., type_id 1, the given `repr` values, object_id NULL."""
    count = len(reprs)
    return blob(b"\x02" * count, b"\x01" * count, value_column(*reprs), b"\x00" * count)


class RoundTrips(unittest.TestCase):
    def round_trip(self, table: str, rows: list) -> None:
        for compress in (False, True):
            with self.subTest(table=table, compress=compress):
                data = encode_chunk(table, rows, compress=compress)
                self.assertEqual(data[0], 1 if compress else 0)
                self.assertEqual(list(zip(*decode_chunk(table, data, len(rows)))), [tuple(row) for row in rows])

    def test_unsigned_signed_delta_and_nullable_ints_at_their_limits(self) -> None:
        # frames: frame_id d, parent_id n, code_id u, thread_id u, depth u, locals_scope d, globals_scope u, call_step d
        rows = [(1, None, 0, 1, 0, 1, 1, 0), (U64_MAX // 4, 0, 127, 128, U64_MAX, 5, 2, 10),
                (3, U64_MAX - 1, 1 << 40, 16383, 16384, 2, 1 << 63, 3), (2, 7, 1, 1, 1, 1, 1, 2)]
        self.round_trip("frames", rows)
        # object_states.cut is `s`: negative (-1 = beyond the depth limit) and int64 extremes
        states = [(1, 0, 0, -1, 0, "[]"), (1, 1, 3, I64_MIN, 0, "[]"), (2, 1, 3, I64_MAX, 1, "[[0,0,1]]"),
                  (9, 2, 0, 0, 0, None)]
        self.round_trip("object_states", states)

    def test_delta_columns_go_down_as_well_as_up(self) -> None:
        rows = [(0, 5, 100), (1, 1, 1), (2, 1 << 50, 3), (3, 2, 2)]
        data = encode_chunk("steps", rows)
        self.assertEqual(decode_rows("steps", data, 4, 7), [(7 + i,) + rows[i] for i in range(4)])

    def test_text_columns_keep_null_empty_non_ascii_and_lone_surrogates(self) -> None:
        texts = [None, "", "plain", "caf\u00e9 \u20ac \U0001f600", "\udc80 from a bytes path", "x" * 300]
        self.round_trip("scopes", [(i + 1, i % 2, None if i % 2 else i + 1, text) for i, text in enumerate(texts)])

    def test_every_table_round_trips(self) -> None:
        samples = {"u": 3, "s": -3, "d": 7, "n": None, "t": "t\u00e9xt", "v": "'v'"}
        for table, columns in CHUNKED_TABLES.items():
            rows = [tuple(samples[encoding] for _name, encoding in columns)] * 3
            self.round_trip(table, rows)

    def test_value_displays_come_back_as_the_same_text(self) -> None:
        displays = [None, "0", "-1", "7", str(I64_MAX), str(I64_MIN), str(I64_MAX + 1), str(I64_MIN - 1), "007",
                    "-0", "+5", "1_000", "\u0661\u0662", "0.1", "0.30000000000000004", "1e+16", "1e16", "-0.0",
                    "inf", "nan", "-inf", "1.0000000000000002", "123456789.123", "True", "False", "None", "'True'",
                    "", "'caf\u00e9'", "[1, 2]", "-", "1e400", "<function f at 0x7f00>"]
        self.round_trip("vals", [(i + 1, 1, text, None) for i, text in enumerate(displays)])

    def test_encoder_stores_ints_long_floats_and_constants_in_binary(self) -> None:
        def repr_column(text):
            data = encode_chunk("vals", [(1, 1, text, None)])
            value_id, type_id, repr_bytes = data[1:3], data[3:5], data[5:]
            self.assertEqual((value_id, type_id), (b"\x01\x02", b"\x01\x01"))  # varint(1) + zigzag(1) / varint(1) + 1
            size = repr_bytes[0]
            return repr_bytes[1:1 + size]

        self.assertEqual(repr_column("-3"), tagged_int(-3))
        self.assertEqual(repr_column(str(I64_MAX)), tagged_int(I64_MAX))
        self.assertEqual(repr_column("0.30000000000000004"), tagged_float(0.30000000000000004))
        self.assertEqual(repr_column("True"), b"\x04")
        self.assertEqual(repr_column("False"), b"\x05")
        self.assertEqual(repr_column("None"), b"\x06")
        self.assertEqual(repr_column(None), b"\x00")
        self.assertEqual(repr_column("0.1"), tagged_text("0.1"))  # shorter as text
        self.assertEqual(repr_column(str(I64_MAX + 1)), tagged_text(str(I64_MAX + 1)))  # past int64
        self.assertEqual(repr_column("007"), tagged_text("007"))  # would not decode to the same text

    def test_zlib_flag(self) -> None:
        rows = [(0, 1, line) for line in range(1000)]
        packed = encode_chunk("steps", rows, compress=True)
        self.assertEqual(packed[0], 1)
        plain = encode_chunk("steps", rows)
        self.assertEqual(zlib.decompress(packed[1:]), plain[1:])
        smallest = encode_chunk_smallest("steps", rows)
        self.assertEqual(smallest, packed if len(packed) < len(plain) else plain)
        self.assertEqual(encode_chunk_smallest("steps", rows[:2]), encode_chunk("steps", rows[:2]))
        hand_packed = bytes((1,)) + zlib.compress(plain[1:], 9)
        self.assertEqual(decode_rows("steps", hand_packed, 1000, 0), [(i, 0, 1, i) for i in range(1000)])

    def test_empty_chunk_of_zero_rows(self) -> None:
        data = encode_chunk("bindings", [])
        self.assertEqual(data, b"\x00" + b"\x00" * 4)
        self.assertEqual(decode_rows("bindings", data, 0, 0), [])

    def test_encoder_refuses_what_does_not_fit_a_varint(self) -> None:
        with self.assertRaises(ValueError):
            encode_chunk("steps", [(1 << 64, 1, 1)])
        with self.assertRaises(ValueError):
            encode_chunk("steps", [(-1, 1, 1)])
        with self.assertRaises(ValueError):
            encode_chunk("object_states", [(1, 1, 1, 1 << 63, 0, "[]")])


class BinaryValueTags(unittest.TestCase):
    """Tags 2..6 decode to what Python's repr() prints; the C recorder writes them from raw numbers."""

    def decoded(self, *reprs: bytes) -> list:
        return [row[2] for row in decode_rows("vals", vals_chunk(*reprs), len(reprs), 0)]

    def test_floats_print_as_python_repr(self) -> None:
        floats = [0.1, 1e16, 1e-05, -0.0, 0.0, 1.0, 1e-4, 9999999999999998.0, 1e22, 2.5e-300, 5e-324,
                  1.7976931348623157e308, math.inf, -math.inf, math.nan, 0.30000000000000004, 100.0, -123.456]
        self.assertEqual(self.decoded(*map(tagged_float, floats)), [repr(number) for number in floats])
        self.assertEqual(self.decoded(tagged_float(0.1), tagged_float(1e16), tagged_float(1e-05),
                                      tagged_float(-0.0), tagged_float(math.inf), tagged_float(math.nan)),
                         ["0.1", "1e+16", "1e-05", "-0.0", "inf", "nan"])

    def test_ints_and_constants(self) -> None:
        self.assertEqual(self.decoded(tagged_int(0), tagged_int(-1), tagged_int(I64_MIN), tagged_int(I64_MAX),
                                      b"\x04", b"\x05", b"\x06", b"\x00", tagged_text("'s'")),
                         ["0", "-1", str(I64_MIN), str(I64_MAX), "True", "False", "None", None, "'s'"])

    def test_unknown_tag_and_short_float_are_damage(self) -> None:
        with self.assertRaisesRegex(ChunkError, "unknown value tag 7"):
            self.decoded(b"\x07")
        with self.assertRaisesRegex(ChunkError, "past the end"):
            self.decoded(b"\x03" + b"\x00" * 7)


class DamagedChunks(unittest.TestCase):
    STEPS = encode_chunk("steps", [(0, 1, 1), (0, 1, 300), (1, 2, 1)])

    def test_unknown_flags_are_refused(self) -> None:
        with self.assertRaisesRegex(ChunkError, "unknown chunk flags 0x02"):
            decode_chunk("steps", b"\x02" + self.STEPS[1:], 3)
        with self.assertRaisesRegex(ChunkError, "unknown chunk flags 0x81"):
            decode_chunk("steps", b"\x81" + self.STEPS[1:], 3)

    def test_truncated_and_oversized_blobs(self) -> None:
        for cut in range(1, len(self.STEPS)):
            with self.subTest(cut=cut):
                with self.assertRaises(ChunkError):
                    decode_chunk("steps", self.STEPS[:cut], 3)
        with self.assertRaisesRegex(ChunkError, "left over after the last column"):
            decode_chunk("steps", self.STEPS + b"\x00", 3)
        with self.assertRaisesRegex(ChunkError, "an empty chunk"):
            decode_chunk("steps", b"", 3)
        with self.assertRaisesRegex(ChunkError, "is str, not a blob"):
            decode_chunk("steps", "\x00\x01\x00", 1)

    def test_row_count_that_disagrees_with_the_columns(self) -> None:
        with self.assertRaises(ChunkError):
            decode_chunk("steps", self.STEPS, 4)
        with self.assertRaisesRegex(ChunkError, "left over"):
            decode_chunk("steps", self.STEPS, 2)
        # exactly `count` bytes but one two-byte varint: fewer values than rows
        with self.assertRaisesRegex(ChunkError, "past the end of its column"):
            decode_chunk("frame_ends", blob(b"\x80\x01", b"\x00\x00"), 2)

    def test_varints_longer_than_ten_bytes_are_refused(self) -> None:
        ten = b"\xff" * 9 + b"\x01"
        self.assertEqual(decode_chunk("frame_ends", blob(ten, b"\x00"), 1)[0], [-(1 << 63)])
        with self.assertRaisesRegex(ChunkError, "longer than 10 bytes"):
            decode_chunk("frame_ends", blob(b"\xff" * 10 + b"\x01", b"\x00"), 1)
        with self.assertRaisesRegex(ChunkError, "longer than 10 bytes"):
            decode_chunk("scopes", blob(b"\x02", b"\x00", b"\x00", b"\xff" * 10 + b"\x01"), 1)

    def test_broken_zlib_and_bad_utf8(self) -> None:
        with self.assertRaisesRegex(ChunkError, "does not inflate"):
            decode_chunk("steps", b"\x01not zlib", 3)
        with self.assertRaisesRegex(ChunkError, "not UTF-8"):
            decode_chunk("scopes", blob(b"\x02", b"\x00", b"\x00", b"\x03\xff\xfe"), 1)

    def test_unknown_table(self) -> None:
        with self.assertRaisesRegex(ChunkError, "unknown chunked table 'stepz'"):
            decode_chunk("stepz", self.STEPS, 3)



# -- the C decoder against the Python one ----------------------------------------------------------------

# (program of test/python/fidelity/programs, recorder core) recorded for real chunks
RECORDED_PROGRAMS = (("scalars.py", "c"), ("containers.py", "c"), ("classes.py", "c"), ("limits.py", "c"),
                     ("exceptions.py", "c"), ("generators.py", "c"), ("scalars.py", "python"),
                     ("containers.py", "python"))
_recorded = []


def record(program, core, out):
    completed = subprocess.run([sys.executable, "-m", "watercodeflow", "record", "--out", out, "--",
                                os.path.join(PROGRAMS_DIR, program)], cwd=PROGRAMS_DIR, capture_output=True,
                               env=dict(os.environ, PYTHONPATH=NATIVE_DIR, WATERCODEFLOW_RECORDER=core), timeout=180)
    if not os.path.exists(out):
        raise AssertionError("recording %s with the %s core failed (exit %d): %s" % (
            program, core, completed.returncode, completed.stderr.decode(errors="replace")[-2000:]))


def recorded_chunks():
    """(label, table, row_count, data) of every chunk of RECORDED_PROGRAMS, recorded once by this interpreter."""
    if not _recorded:
        with tempfile.TemporaryDirectory() as directory:
            for program, core in RECORDED_PROGRAMS:
                out = os.path.join(directory, "%s.%s.wcf" % (program, core))
                record(program, core, out)
                conn = sqlite3.connect(out)
                try:
                    _recorded.extend(("%s (%s core) %s #%d" % (program, core, table, seq), table, row_count,
                                      bytes(data)) for table, seq, row_count, data in
                                     conn.execute("SELECT tbl, seq, row_count, data FROM chunks ORDER BY tbl, seq"))
                finally:
                    conn.close()
    return _recorded


def plain_payload(data):
    """A chunk blob's column bytes (inflated when it is compressed)."""
    return zlib.decompress(data[1:]) if data[0] & 1 else data[1:]


def read_varint(data, pos):
    value = shift = 0
    while True:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if byte < 0x80:
            return value, pos


def column_spans(table, payload):
    """(encoding, start, end) of each column of a well-formed chunk payload, by the format's layout."""
    spans, pos = [], 0
    for _name, encoding in CHUNKED_TABLES[table]:
        size, pos = read_varint(payload, pos)
        spans.append((encoding, pos, pos + size))
        pos += size
    return spans


def python_column(encoding, data, start, end, count):
    try:
        return "values", typed(chunk_codec._decode_column(encoding, chunk_codec._Reader(data, start, end), count))
    except ChunkError as error:
        return "ChunkError", str(error)


def c_column(encoding, data, start, end, count):
    return C_DECODE(encoding, data, start, end, count, chunk_codec._FIXED_REPRS_BY_TAG)


def u_column(*values):
    return b"".join(map(varint, values))


def s_column(*values):
    return b"".join(varint(zigzag(value)) for value in values)


def d_column(*values):
    deltas = [value - previous for previous, value in zip((0,) + values, values)]
    assert all(I64_MIN <= delta <= I64_MAX for delta in deltas), deltas
    return s_column(*deltas)


def n_column(*values):
    return b"".join(b"\x00" if value is None else varint(value + 1) for value in values)


def t_column(*values):
    return b"".join(b"\x00" if value is None else varint(len(value.encode("utf-8", "surrogatepass")) + 1)
                    + value.encode("utf-8", "surrogatepass") for value in values)


# A float's 8 bytes, little-endian: a NaN with a payload and a negative NaN
NAN_WITH_PAYLOAD = b"\x01\x00\x00\x00\x00\x00\xf8\x7f"
NEGATIVE_NAN = b"\x00\x00\x00\x00\x00\x00\xf8\xff"
TEN_BYTE_WIDE = b"\xff" * 9 + b"\x7f"  # a ten-byte varint of 70 bits: decodes in Python, not in 64 bits


@unittest.skipIf(C_DECODE is None, "no C decoder to compare: %s" % NO_C_DECODE)
class DecodersAgree(unittest.TestCase):
    """The C core's decode_column gives what chunk_codec's Python decoder gives: the same values (of the same
    types), or None where that decoder must decide, which then raises the same ChunkError or decodes values
    past 64 bits."""

    def in_chunk(self, table, index, column, count, in_c=True):
        """Column `index` of a `table` chunk holding `column` (the other columns: `count` zero bytes, valid in
        every encoding), decoded by both decoders, which must agree; decode_column on `column` alone gives its
        values, or None when `in_c` is false. Returns ("values", that column's values) or ("ChunkError", message)."""
        columns = [b"\x00" * count] * len(CHUNKED_TABLES[table])
        columns[index] = column
        data = blob(*columns)
        python = outcome(None, chunk_codec.decode_chunk, table, data, count)
        self.assertEqual(outcome(C_DECODE, chunk_codec.decode_chunk, table, data, count), python)
        direct = c_column(CHUNKED_TABLES[table][index][1], column, 0, len(column), count)
        if in_c:
            self.assertEqual(("values", typed(direct)), python_column(CHUNKED_TABLES[table][index][1], column, 0,
                                                                      len(column), count))
        else:
            self.assertIsNone(direct)
        if python[0] == "ChunkError":
            return python
        with mock.patch.object(chunk_codec, "_c_decode_column", None):
            return "values", chunk_codec.decode_chunk(table, data, count)[index]

    def test_real_recordings_decode_the_same_every_column_in_c(self) -> None:
        tables, tags = set(), set()
        for label, table, row_count, data in recorded_chunks():
            with self.subTest(chunk=label):
                python = outcome(None, chunk_codec.decode_chunk, table, data, row_count)
                self.assertEqual(python[0], "values")
                self.assertEqual(outcome(C_DECODE, chunk_codec.decode_chunk, table, data, row_count), python)
                payload = plain_payload(data)
                for encoding, start, end in column_spans(table, payload):
                    direct = c_column(encoding, payload, start, end, row_count)
                    self.assertIsNotNone(direct, "decode_column handed a well-formed %s column to Python" % encoding)
                    self.assertEqual(("values", typed(direct)), python_column(encoding, payload, start, end,
                                                                              row_count))
                    if encoding == "v":
                        tags.update(payload[pos] for pos in range(start, end))  # a superset of the tags used
                tables.add(table)
        self.assertEqual(tables, set(CHUNKED_TABLES))
        self.assertTrue({1, 2, 4, 5, 6} <= tags, tags)

    def test_unsigned_and_nullable_varints_of_every_length(self) -> None:
        values = [0, 1, 127, 128, 300, 16383, 16384, 1 << 32, I64_MAX, 1 << 63, U64_MAX]
        self.assertEqual(self.in_chunk("steps", 0, u_column(*values), len(values)), ("values", values))
        nullable = [None, 0, 1, 126, 127, 128, 1 << 40, U64_MAX - 1]
        self.assertEqual(self.in_chunk("returns", 2, n_column(*nullable), len(nullable)), ("values", nullable))
        # non-canonical forms (padding bytes of zero) decode to their value, as in Python
        self.assertEqual(self.in_chunk("steps", 0, b"\x80\x00\xff\x80\x00\x81\x80\x80\x80\x80\x80\x80\x80\x80\x00",
                                       3), ("values", [0, 127, 1]))

    def test_signed_and_delta_ints_at_the_64_bit_limits(self) -> None:
        signed = [0, -1, 1, -2, -300, 300, I64_MIN, I64_MAX, -(1 << 40)]
        self.assertEqual(self.in_chunk("object_states", 3, s_column(*signed), len(signed)), ("values", signed))
        values = [5, 3, -100, I64_MAX - 200, I64_MAX, I64_MAX - 5, -1, I64_MIN + 10, I64_MIN, -7, 0, 1 << 40]
        self.assertEqual(self.in_chunk("steps", 1, d_column(*values), len(values)), ("values", values))

    def test_values_past_64_bits_are_left_to_python(self) -> None:
        wide = (1 << 70) - 1
        self.assertEqual(self.in_chunk("steps", 0, TEN_BYTE_WIDE + b"\x01", 2, in_c=False), ("values", [wide, 1]))
        self.assertEqual(self.in_chunk("steps", 0, b"\x80" * 9 + b"\x02", 1, in_c=False), ("values", [1 << 64]))
        self.assertEqual(self.in_chunk("returns", 2, TEN_BYTE_WIDE, 1, in_c=False), ("values", [wide - 1]))
        self.assertEqual(self.in_chunk("object_states", 3, TEN_BYTE_WIDE, 1, in_c=False),
                         ("values", [-(1 << 69)]))
        self.assertEqual(self.in_chunk("vals", 2, b"\x02" + TEN_BYTE_WIDE, 1, in_c=False),
                         ("values", [str(-(1 << 69))]))
        # a delta column whose running sum leaves int64 (each delta fits)
        for values in ([I64_MAX, I64_MAX + 1, 1], [I64_MIN, I64_MIN - 1, -2], [1, I64_MAX + 1]):
            with self.subTest(values=values):
                self.assertEqual(self.in_chunk("steps", 1, d_column(*values), len(values), in_c=False),
                                 ("values", values))

    def test_texts(self) -> None:
        texts = [None, "", "plain", "caf\u00e9 \u20ac \U0001f600", "\udc80 from a bytes path", "\ud800", "x" * 300,
                 "nul\x00inside", "\u0661\u0662"]
        self.assertEqual(self.in_chunk("scopes", 3, t_column(*texts), len(texts)), ("values", texts))
        self.assertEqual(self.in_chunk("object_states", 5, t_column(*texts), len(texts)), ("values", texts))

    def test_tagged_values(self) -> None:
        floats = [0.1, 1e16, 1e-05, -0.0, 0.0, 1.0, 1e22, 5e-324, 1.7976931348623157e308, math.inf, -math.inf,
                  math.nan, 0.30000000000000004, 123456789.123, -123.456, 9999999999999998.0]
        ints = [0, -1, 1, 63, -64, 64, 1 << 40, I64_MIN, I64_MAX]
        texts = ["'s'", "", "caf\u00e9", "\udcff lone", "x" * 200]
        column = (b"".join(map(tagged_float, floats)) + b"\x03" + NAN_WITH_PAYLOAD + b"\x03" + NEGATIVE_NAN
                  + b"".join(map(tagged_int, ints)) + b"\x04\x05\x06\x00"
                  + b"".join(b"\x01" + varint(len(text.encode("utf-8", "surrogatepass")))
                             + text.encode("utf-8", "surrogatepass") for text in texts))
        expected = ([repr(number) for number in floats] + ["nan", "nan"] + [str(number) for number in ints]
                    + ["True", "False", "None", None] + texts)
        self.assertEqual(self.in_chunk("vals", 2, column, len(expected)), ("values", expected))

    def test_damage_gives_the_same_error(self) -> None:
        long_varint = b"\xff" * 10 + b"\x01"
        cases = [  # (table, column index, column, row count, the Python decoder's message)
            ("steps", 0, b"\x80", 1, "a varint runs past the end of its column"),
            ("steps", 0, b"\x01\x02", 1, "a column has 1 bytes left over after 1 values"),
            ("steps", 0, b"\x01\x02", 0, "a column has 2 bytes left over after 0 values"),
            ("steps", 0, b"\x80\x01", 2, "a varint runs past the end of its column"),
            ("steps", 0, b"\x01", 2, "a varint runs past the end of its column"),
            ("steps", 0, long_varint, 1, "a varint is longer than 10 bytes"),
            ("steps", 1, long_varint, 1, "a varint is longer than 10 bytes"),
            ("object_states", 3, b"\x81", 1, "a varint runs past the end of its column"),
            ("returns", 2, b"\x00\xff", 2, "a varint runs past the end of its column"),
            ("scopes", 3, b"\x05ab", 1, "a value runs past the end of its column"),
            ("scopes", 3, b"\x80", 1, "a value runs past the end of its column"),
            ("scopes", 3, long_varint, 1, "a varint is longer than 10 bytes"),
            ("scopes", 3, b"\x00\x01\x01", 2, "a column has 1 bytes left over after 2 values"),
            ("vals", 2, b"\x07", 1, "unknown value tag 7"),
            ("vals", 2, b"\xff", 1, "unknown value tag 255"),
            ("vals", 2, b"\x03" + b"\x00" * 7, 1, "a value runs past the end of its column"),
            ("vals", 2, b"\x01\x05ab", 1, "a value runs past the end of its column"),
            ("vals", 2, b"\x02\x80", 1, "a value runs past the end of its column"),
            ("vals", 2, b"\x02" + long_varint, 1, "a varint is longer than 10 bytes"),
            ("vals", 2, b"\x01" + long_varint, 1, "a varint is longer than 10 bytes"),
            ("vals", 2, b"\x04\x00", 1, "a column has 1 bytes left over after 1 values"),
        ]
        for text, data in (("a 1-byte", b"\xff"), ("a cut", b"\xc3"), ("an overlong", b"\xc0\x80"),
                           ("a 5-byte", b"\xf8\x88\x80\x80\x80"), ("a cut 4-byte", b"\xf0\x9f\x98")):
            for table, index, prefix in (("scopes", 3, varint(len(data) + 1)),
                                         ("vals", 2, b"\x01" + varint(len(data)))):
                try:
                    data.decode("utf-8", "surrogatepass")
                except UnicodeDecodeError as error:
                    cases.append((table, index, prefix + data, 1, "a text value is not UTF-8: %s" % error))
                else:
                    self.fail("%s sequence decodes" % text)
        for table, index, column, count, message in cases:
            with self.subTest(table=table, column=column, count=count):
                self.assertEqual(self.in_chunk(table, index, column, count, in_c=False), ("ChunkError", message))

    def test_damage_the_python_decoder_finds_past_the_column_end(self) -> None:
        # The Python decoder reads the int's varint on into the next column (whose length, 3, ends it), then
        # takes that column's first byte as the third value's tag: its message is about the tag. The C decoder
        # stops at the column's end and hands the column to it.
        data = blob(b"\x02" * 3, b"\x01" * 3, b"\x04\x02\x80", b"\x09\x00\x00")
        python = outcome(None, chunk_codec.decode_chunk, "vals", data, 3)
        self.assertEqual(python, ("ChunkError", "unknown value tag 9"))
        self.assertEqual(outcome(C_DECODE, chunk_codec.decode_chunk, "vals", data, 3), python)
        encoding, start, end = column_spans("vals", plain_payload(data))[2]
        self.assertEqual(plain_payload(data)[start:end], b"\x04\x02\x80")
        self.assertIsNone(c_column(encoding, plain_payload(data), start, end, 3))

    def test_row_counts_no_column_can_hold(self) -> None:
        data = encode_chunk("steps", [(0, 1, 1), (0, 1, 300), (1, 2, 1)])
        for count in (-1, 0, 2, 4, 11, 10 ** 6, True):
            with self.subTest(count=count):
                python = outcome(None, chunk_codec.decode_chunk, "steps", data, count)
                self.assertEqual(outcome(C_DECODE, chunk_codec.decode_chunk, "steps", data, count), python)
        for count in (-1, 5, 10 ** 12):
            self.assertIsNone(c_column("u", b"\x00\x01\x02\x03", 0, 4, count))
        self.assertEqual(c_column("u", b"\x00\x01\x02\x03", 1, 3, 2), [1, 2])
        self.assertEqual(c_column("d", b"", 0, 0, 0), [])
        with self.assertRaises(ValueError):
            c_column("u", b"\x00\x01", 1, 3, 2)  # bounds outside the data are the caller's error
        with self.assertRaises(ValueError):
            c_column("u", b"\x00\x01", 2, 1, 0)
        self.assertIsNone(c_column("x", b"\x00", 0, 1, 1))  # an unknown encoding: chunk_codec says so

    def test_fuzzed_chunks_decode_the_same(self) -> None:
        rng = random.Random(20261202)
        bases = [(table, row_count, plain_payload(data)) for _label, table, row_count, data in recorded_chunks()]
        bases += [("vals", 3, vals_chunk(tagged_float(math.nan), tagged_int(I64_MIN), tagged_text("caf\u00e9"))[1:]),
                  ("scopes", 2, blob(b"\x02\x02", b"\x00\x01", b"\x00\x02", t_column("\udc80", "\u20ac"))[1:])]
        results = {"values": 0, "ChunkError": 0}
        for case in range(4000):
            table, row_count, payload = rng.choice(bases)
            mutated = bytearray(payload)
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                how = rng.randrange(6)
                pos = rng.randrange(len(mutated) + 1)
                if how == 0 and pos < len(mutated):
                    mutated[pos] ^= 1 << rng.randrange(8)
                elif how == 1 and pos < len(mutated):
                    mutated[pos] = rng.randrange(256)
                elif how == 2:
                    del mutated[pos:]
                elif how == 3:
                    mutated.insert(pos, rng.choice((0, 1, 2, 3, 0x7F, 0x80, 0xFF, rng.randrange(256))))
                elif how == 4:
                    del mutated[pos:pos + rng.randrange(1, 4)]
                else:
                    row_count = max(0, row_count + rng.choice((-1, 1)))
            data = bytes((0,)) + bytes(mutated)
            python = outcome(None, chunk_codec.decode_chunk, table, data, row_count)
            if outcome(C_DECODE, chunk_codec.decode_chunk, table, data, row_count) != python:
                self.fail("case %d: the decoders disagree on %s, %d rows, %r" % (case, table, row_count, data))
            results[python[0]] += 1
        # the mutations make damage of many kinds, and leave some chunks decodable (a changed value)
        self.assertGreater(results["values"], 200, results)
        self.assertGreater(results["ChunkError"], 2000, results)

    def test_fuzzed_columns_alone(self) -> None:
        rng = random.Random(7)
        decoded = 0
        for case in range(6000):
            encoding = rng.choice("usdntv")
            size = rng.randrange(12)
            data = bytes(rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 0x7F, 0x80, 0xC3, 0xFF, rng.randrange(256)))
                         for _ in range(size + 4))
            start = rng.randrange(3)
            end = start + size
            count = rng.randrange(size + 2)
            direct = c_column(encoding, data, start, end, count)
            if direct is not None:
                decoded += 1
                self.assertEqual(("values", typed(direct)), python_column(encoding, data, start, end, count),
                                 "case %d: %s %r[%d:%d] %d" % (case, encoding, data, start, end, count))
        self.assertGreater(decoded, 500)

    def test_the_comparison_catches_a_wrong_decoder(self) -> None:
        data = vals_chunk(tagged_int(5), b"\x04")
        right = C_DECODE

        def off_by_one(encoding, data, start, end, count, fixed):
            values = right(encoding, data, start, end, count, fixed)
            return [value + 1 if isinstance(value, int) else value for value in values]

        with mock.patch.object(sys.modules[__name__], "C_DECODE", off_by_one):
            with self.assertRaisesRegex(AssertionError, "the decoders disagree"):
                decode_chunk("vals", data, 2)
        with mock.patch.object(sys.modules[__name__], "C_DECODE", lambda *args: [True, True]):
            with self.assertRaisesRegex(AssertionError, "the decoders disagree"):
                decode_chunk("vals", data, 2)  # the value ids are the ints 1 and 2: True is not 1

    def test_cli_export_is_the_same_either_way(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            out = os.path.join(directory, "scalars.wcf")
            record("scalars.py", "c", out)
            exports = []
            for forced in ("0", "1"):
                exported = subprocess.run([sys.executable, "-m", "watercodeflow", "export", out, "--format", "jsonl"],
                                          env=dict(os.environ, PYTHONPATH=NATIVE_DIR,
                                                   WATERCODEFLOW_PY_DECODE=forced),
                                          capture_output=True, text=True, timeout=120)
                self.assertEqual(exported.returncode, 0, exported.stderr)
                exports.append(exported.stdout)
        self.assertGreater(len(exports[0].splitlines()), 10)
        self.assertEqual(exports[0], exports[1])


class CDecoderLoading(unittest.TestCase):
    """chunk_codec loads the C decoder at its first decode, from an existing build only, and decodes in Python
    when there is none, it does not load, or WATERCODEFLOW_PY_DECODE=1."""

    PROBE = ("import sys; from watercodeflow import chunk_codec as c; "
             "print('watercodeflow._wcfcore' in sys.modules, c._c_decode_column is c._UNLOADED); "
             "print(c.decode_chunk('returns', b'\\x00\\x01\\x01\\x01\\x01\\x01\\x00', 1)); "
             "print(c._c_decode_column is None)")

    def probe(self, **env):
        environment = dict(os.environ, PYTHONPATH=NATIVE_DIR)
        environment.pop("WATERCODEFLOW_PY_DECODE", None)
        environment.update(env)
        completed = subprocess.run([sys.executable, "-c", self.PROBE], env=environment, capture_output=True,
                                   text=True, timeout=60)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        return completed.stdout.splitlines()

    def test_import_loads_nothing_and_the_switch_forces_python(self) -> None:
        self.assertEqual(self.probe(WATERCODEFLOW_PY_DECODE="1"), ["False True", "[[-1], [-1], [None]]", "True"])

    @unittest.skipIf(C_DECODE is None, "no C decoder to load: %s" % NO_C_DECODE)
    def test_the_first_decode_loads_the_c_decoder(self) -> None:
        self.assertEqual(self.probe(), ["False True", "[[-1], [-1], [None]]", "False"])

    def test_no_build_an_unloadable_one_or_one_without_the_function_means_python(self) -> None:
        with tempfile.TemporaryDirectory() as directory, mock.patch.dict(sys.modules):
            sys.modules.pop("watercodeflow._wcfcore", None)
            junk = os.path.join(directory, "_wcfcore.so")
            with open(junk, "wb") as out:
                out.write(b"not a shared object")
            for path in (junk, os.path.join(directory, "missing.so")):
                with mock.patch.object(wcfcore_location, "core_build_path", lambda: path):
                    self.assertIsNone(chunk_codec._load_c_decoder())
                self.assertNotIn("watercodeflow._wcfcore", sys.modules)
            sys.modules["watercodeflow._wcfcore"] = type(sys)("watercodeflow._wcfcore")  # an older build
            self.assertIsNone(chunk_codec._load_c_decoder())
            sys.modules["watercodeflow._wcfcore"].decode_column = len
            self.assertIs(chunk_codec._load_c_decoder(), len)
            with mock.patch.dict(os.environ, WATERCODEFLOW_PY_DECODE="1"):
                self.assertIsNone(chunk_codec._load_c_decoder())


if __name__ == "__main__":
    unittest.main()
