// Test helper: encodes rows of the chunked tables of recording format v2 into chunk blobs (the inverse of
// adapter/timeline/chunk-decoder.ts), including the binary int/float value forms. Test-only; the reference
// encoder is native/watercodeflow/chunk_codec.py (chunk-decoder.test.ts checks the decoder against it).
import * as zlib from 'zlib';
import { CHUNK_FLAG_ZLIB, CHUNKED_TABLES, ColumnEncoding, ValueTag } from '../../adapter/timeline/chunk-decoder';

/** A `v` column value: display text, NULL, or one of the binary forms. */
export type EncodedValue = string | null | { int: bigint } | { float: number } | { fixed: 'True' | 'False' | 'None' };
export type Cell = number | string | null | EncodedValue;

export function varint(out: number[], value: number | bigint): void {
  let v = BigInt(value);
  if (v < 0n) throw new Error(`varint of a negative number ${v}`);
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function pushAll(out: number[], bytes: Uint8Array): void {
  for (const b of bytes) out.push(b);
}

export function zigzag(value: number | bigint): bigint {
  const v = BigInt(value);
  return v >= 0n ? v << 1n : ((-v) << 1n) - 1n;
}

function encodeColumn(encoding: ColumnEncoding, values: Cell[]): number[] {
  const out: number[] = [];
  let previous = 0;
  for (const value of values) {
    switch (encoding) {
      case 'u': varint(out, value as number); break;
      case 's': varint(out, zigzag(value as number)); break;
      case 'd': varint(out, zigzag((value as number) - previous)); previous = value as number; break;
      case 'n': varint(out, value === null ? 0 : (value as number) + 1); break;
      case 't':
        if (value === null) out.push(0);
        else { const bytes = Buffer.from(value as string, 'utf8'); varint(out, bytes.length + 1); pushAll(out, bytes); }
        break;
      case 'v': encodeValue(out, value as EncodedValue); break;
    }
  }
  return out;
}

function encodeValue(out: number[], value: EncodedValue): void {
  if (value === null) { out.push(ValueTag.Null); return; }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    out.push(ValueTag.Text);
    varint(out, bytes.length);
    pushAll(out, bytes);
  } else if ('int' in value) {
    out.push(ValueTag.Int);
    varint(out, zigzag(value.int));
  } else if ('float' in value) {
    out.push(ValueTag.Float);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value.float);
    pushAll(out, b);
  } else {
    out.push(value.fixed === 'True' ? ValueTag.True : value.fixed === 'False' ? ValueTag.False : ValueTag.None);
  }
}

/** The data blob for `rows` (tuples in the table's stored column order; `steps` rows are [kind, frame_id, line]). */
export function encodeChunk(table: string, rows: Cell[][], compress = false): Buffer {
  const columns = CHUNKED_TABLES[table];
  if (!columns) throw new Error(`unknown chunked table ${table}`);
  const payload: number[] = [];
  columns.forEach(([, encoding], c) => {
    const bytes = encodeColumn(encoding, rows.map((r) => r[c]));
    varint(payload, bytes.length);
    pushAll(payload, Uint8Array.from(bytes));
  });
  const body = Buffer.from(payload);
  return compress ? Buffer.concat([Buffer.from([CHUNK_FLAG_ZLIB]), zlib.deflateSync(body)]) : Buffer.concat([Buffer.from([0]), body]);
}
