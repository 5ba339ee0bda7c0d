# Tests of the reference chunk codec (native/watercodeflow/chunk_codec.py) against docs/recording-format.md:
# round trips of every column encoding, the binary value tags decoding to Python's repr, zlib, damaged blobs.
# Hand-built blobs come from the format's own rules (varint, zigzag), never from the codec under test.
from __future__ import annotations

import math
import os
import struct
import sys
import unittest
import zlib

NATIVE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "native"))
if NATIVE_DIR not in sys.path:
    sys.path.insert(0, NATIVE_DIR)
from watercodeflow.chunk_codec import (CHUNKED_TABLES, ChunkError, decode_chunk, decode_rows,  # noqa: E402
                                       encode_chunk, encode_chunk_smallest)

U64_MAX = (1 << 64) - 1
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1


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


if __name__ == "__main__":
    unittest.main()
