// Unit tests of the v2 chunk decoder: every column encoding, agreement with the reference codec
// (native/watercodeflow/chunk_codec.py), and damaged chunks refused with a message naming what is wrong.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ChunkError, ChunkRow, decodeTable, utf8, valueDisplay } from '../../adapter/timeline/chunk-decoder';
import { encodeChunk, varint } from './chunk-encoder';
import { NATIVE_DIR, referencePython, runPython } from './python';

const chunk = (tbl: string, seq: number, firstRow: number, rows: unknown[][], compress = false): ChunkRow =>
  ({ tbl, seq, first_row: firstRow, row_count: rows.length, data: encodeChunk(tbl, rows as never, compress) });

const displays = (table: ReturnType<typeof decodeTable>, column: string) =>
  Array.from({ length: table.rows }, (_, i) => valueDisplay(table.values[column], i));

test('u, s, d, n and t columns decode exactly, across chunks, plain and compressed', () => {
  const states = [
    [7, 0, 0, 0, 0, '[]'], [3, 5, 2147483647, -1, 1, null], [3, 4, 1, -2147483648, 0, ''],
    [2147483647, 2000000000, 300, 12345, 1, 'naïve ☃ 😀'], [1, 1, 0, 2, 0, '[[0, 1]]'],
  ];
  const t = decodeTable('object_states', [chunk('object_states', 0, 0, states.slice(0, 2)), chunk('object_states', 1, 2, states.slice(2), true)]);
  assert.equal(t.rows, 5);
  assert.deepEqual([...t.ints.object_id], states.map((r) => r[0]), 'd: deltas up and down, to the int32 maximum');
  assert.deepEqual([...t.ints.step], states.map((r) => r[1]));
  assert.deepEqual([...t.ints.length], states.map((r) => r[2]), 'u: multi-byte varints');
  assert.deepEqual([...t.ints.cut], states.map((r) => r[3]), 's: zigzag down to the int32 minimum');
  assert.deepEqual([...t.ints.delta], states.map((r) => r[4]));
  assert.deepEqual(t.texts.children.toArray(), states.map((r) => r[5]), 't: NULL, empty and non-ASCII text');

  const frames = [[1, null, 1, 1, 0, 1, 2, 0], [2, 0, 2, 1, 1, 3, 2, 5], [3, 1, 2, 1, 1, 4, 2, 9]];
  const withNull = decodeTable('frames', [chunk('frames', 0, 0, frames)], { nullAs: -1 });
  assert.deepEqual([...withNull.ints.parent_id], [-1, 0, 1], 'n: NULL and 0 are different values');
  assert.deepEqual([...decodeTable('frames', [chunk('frames', 0, 0, frames)]).ints.parent_id], [0, 0, 1], 'n: NULL is 0 by default');
});

test('v values: NULL, text, ints (also past 2^53 and at the int64 limits), floats, True / False / None', () => {
  const reprs: Array<[unknown, string | null]> = [
    [null, null], ['<function f>', '<function f>'], ["'héllo'", "'héllo'"], [{ int: 0n }, '0'], [{ int: -1n }, '-1'],
    [{ int: 100n }, '100'], [{ int: -8192n }, '-8192'], [{ int: 1234567n }, '1234567'], [{ int: -100000000n }, '-100000000'],
    [{ int: 2n ** 31n }, '2147483648'], [{ int: 2n ** 53n + 1n }, '9007199254740993'], [{ int: -(2n ** 63n) }, '-9223372036854775808'],
    [{ int: 2n ** 63n - 1n }, '9223372036854775807'], [{ int: 2n ** 48n - 1n }, '281474976710655'], [{ float: 0.1 }, '0.1'],
    [{ float: 1e16 }, '1e+16'], [{ float: -0 }, '-0.0'], [{ float: NaN }, 'nan'], [{ float: 3 }, '3.0'], [{ fixed: 'True' }, 'True'],
    [{ fixed: 'False' }, 'False'], [{ fixed: 'None' }, 'None'],
  ];
  const rows = reprs.map(([stored], i) => [i + 1, 1, stored, null]);
  const t = decodeTable('vals', [chunk('vals', 0, 0, rows.slice(0, 12), true), chunk('vals', 1, 12, rows.slice(12))]);
  assert.deepEqual(displays(t, 'repr'), reprs.map(([, shown]) => shown));
  assert.deepEqual([...t.ints.value_id], rows.map((r) => r[0]));
});

test('text written with surrogatepass keeps its lone surrogates', () => {
  const bytes = Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x62, 0xe2, 0x98, 0x83]); // a, U+D800 (surrogatepass), b, ☃
  assert.equal(utf8(bytes, 0, bytes.length), 'a\ud800b\u2603');
  assert.equal(utf8(Buffer.from('plain ascii text, longer than sixteen bytes'), 0, 43), 'plain ascii text, longer than sixteen bytes');
});

const python = referencePython();
const codec = path.join(NATIVE_DIR, 'watercodeflow', 'chunk_codec.py');

test('chunks written by the reference codec (chunk_codec.py) decode to the rows it decodes', { skip: (!python && 'no CPython found') || (!fs.existsSync(codec) && 'chunk_codec.py missing') }, () => {
  const script = `
import json, sys
from watercodeflow import chunk_codec as c
samples = {
  "steps": [(1, 1, 1), (0, 1, 5), (0, 1, 4), (1, 2, 10), (2, 2, 12), (0, 1, 300000)],
  "frames": [(1, None, 1, 1, 0, 1, 2, 0), (2, 1, 3, 1, 1, 3, 2, 3), (9, 2, 4, 2, 2, 17, 2, 70000)],
  "frame_ends": [(2, 4), (1, 5), (9, 100000)],
  "scopes": [(1, 0, 1, None), (2, 1, None, "__main__"), (3, 0, 2, None), (4, 1, None, "pkg.m\\u00f6d")],
  "bindings": [(0, 2, 1, 1), (1, 2, 2, None), (1, 3, 1, 700000), (5, 2, 1, 0)],
  "vals": [(1, 1, "1", None), (2, 2, "1.5", None), (3, 3, "'a\\\\nb'", None), (4, 4, None, 1), (5, 1, "-123456789012345678901", None),
           (6, 5, "True", None), (7, 6, "None", None), (8, 2, "1e+16", None), (9, 2, "0.30000000000000004", None),
           (10, 1, "9223372036854775807", None), (11, 1, "-9223372036854775808", None), (12, 2, "nan", None), (13, 7, "<function f at 0x7f>", 3)],
  "objects": [(1, 4, "list", 3), (2, 8, "dict", 4), (3, 9, "opaque", 4)],
  "object_states": [(1, 3, 2, 0, 0, "[[0, 1], [1, 2]]"), (1, 4, 3, 0, 1, "[[2, 2, 5]]"), (2, 4, 150, 50, 0, "[]"), (1, 9, 1, -1, 0, None)],
  "returns": [(4, 2, 1), (5, 1, None)],
}
out = []
for table, rows in samples.items():
    for compress in (False, True):
        data = c.encode_chunk(table, rows, compress=compress)
        decoded = c.decode_chunk(table, data, len(rows))
        out.append({"table": table, "hex": data.hex(), "rows": len(rows), "columns": decoded})
print(json.dumps(out))
`;
  const cases = JSON.parse(runPython(python!, script)) as Array<{ table: string; hex: string; rows: number; columns: unknown[][] }>;
  assert.equal(cases.length, 18);
  for (const { table, hex, rows, columns } of cases) {
    const t = decodeTable(table, [{ tbl: table, seq: 0, first_row: 0, row_count: rows, data: Buffer.from(hex, 'hex') }], { nullAs: -1 });
    columns.forEach((expected, c) => {
      const [name, encoding] = columnOf(table, c);
      const got = encoding === 't' ? t.texts[name].toArray() : encoding === 'v' ? displays(t, name)
        : [...t.ints[name]].map((v) => (encoding === 'n' && v === -1 ? null : v));
      assert.deepEqual(got, expected, `${table}.${name}`);
    });
  }
});

/** A local copy of the documented layout, so a wrong layout in the decoder cannot hide behind itself. */
function columnOf(table: string, index: number): [string, string] {
  const layout: Record<string, string> = {
    steps: 'kind u, frame_id d, line d',
    frames: 'frame_id d, parent_id n, code_id u, thread_id u, depth u, locals_scope d, globals_scope u, call_step d',
    frame_ends: 'frame_id d, end_step d',
    scopes: 'scope_id d, kind u, frame_id n, module t',
    bindings: 'step d, scope_id d, name_id d, value_id n',
    vals: 'value_id d, type_id u, repr v, object_id n',
    objects: 'object_id d, type_id u, kind t, first_step d',
    object_states: 'object_id d, step d, length u, cut s, delta u, children t',
    returns: 'step d, frame_id d, value_id n',
  };
  return layout[table].split(', ')[index].split(' ') as [string, string];
}

// ---- damaged chunks ---------------------------------------------------------------------------------

const rowsOfSteps = [[1, 1, 1], [0, 1, 2], [0, 1, 3], [2, 1, 3]];
const good = () => [chunk('steps', 0, 0, rowsOfSteps.slice(0, 2)), chunk('steps', 1, 2, rowsOfSteps.slice(2), true)];
const refuses = (chunks: ChunkRow[], message: RegExp) => assert.throws(() => decodeTable('steps', chunks), (err: unknown) =>
  err instanceof ChunkError && message.test(err.message) || assert.fail(`wrong error: ${(err as Error).message}`));

test('a missing chunk, a first chunk that is not 0, and a first_row gap are refused', () => {
  assert.equal(decodeTable('steps', good()).rows, 4);
  refuses([good()[1]], /table steps has no chunk 0 \(its first chunk is number 1\)/);
  const gap = good();
  gap[1] = { ...gap[1], seq: 2 };
  refuses(gap, /table steps jumps from chunk 0 to chunk 2 \(a chunk is missing\)/);
  const shifted = good();
  shifted[1] = { ...shifted[1], first_row: 3 };
  refuses(shifted, /chunk steps#1 starts at row 3, but the chunks before it hold 2 rows/);
});

test('a truncated blob, unknown flags, a bad varint, bad zlib and left-over bytes are refused', () => {
  const [first] = good();
  const data = first.data as Buffer;
  refuses([{ ...first, data: data.subarray(0, data.length - 2) }], /chunk steps#0: column .* runs past the end/);
  refuses([{ ...first, data: Buffer.from([0x04, ...data.subarray(1)]) }], /unknown chunk flags 0x04 \(written by a newer WaterCodeFlow\?\)/);
  const eleven: number[] = [0];
  varint(eleven, 11);
  eleven.push(...Array(10).fill(0xff), 0x01);
  refuses([{ ...first, row_count: 1, data: Buffer.from(eleven) }], /column kind: a varint is longer than 10 bytes/);
  const twoBytesTwoValues = [0, 2, 0x80, 0x01, 2, 2, 2, 2, 2, 2]; // kind: one 2-byte varint where 2 values belong
  refuses([{ ...first, row_count: 2, data: Buffer.from(twoBytesTwoValues) }], /column kind: a varint runs past the end of its column/);
  refuses([{ ...first, data: Buffer.from([0x01, 1, 2, 3, 4]) }], /a compressed chunk does not inflate/);
  refuses([{ ...first, data: Buffer.concat([data, Buffer.from([0])]) }], /1 bytes left over after the last column/);
  refuses([{ ...first, row_count: 1 }], /column kind: 1 bytes left over after 1 values/);
  refuses([{ ...first, data: Buffer.alloc(0) }], /the chunk is empty/);
  refuses([{ ...first, data: 'text, not a blob' }], /data is a string, not a blob/);
});

test('an unknown value tag and an id beyond 32 bits are refused', () => {
  const bad: number[] = [0];
  for (const column of [[2], [2], [9], [1]]) { varint(bad, column.length); bad.push(...column); }
  assert.throws(() => decodeTable('vals', [{ tbl: 'vals', seq: 0, first_row: 0, row_count: 1, data: Buffer.from(bad) }]), /column repr: unknown value tag 9/);
  const huge = chunk('frame_ends', 0, 0, [[2 ** 31, 1]]);
  assert.throws(() => decodeTable('frame_ends', [huge]), /column frame_id: value 2147483648 does not fit a 32-bit integer/);
});
