// Decodes the column chunks of recording format v2 (docs/recording-format.md "Physical storage") straight into
// typed arrays (text as byte ranges, values as tag + number), checking that a table's chunks are contiguous.
// Knows layouts and encodings only: no SQLite, no meaning of the columns. Reference: native/watercodeflow/chunk_codec.py.
import * as zlib from 'zlib';
import { pyFloatRepr } from './py-float-repr';

/** A chunk blob (or a table's chunk list) that does not decode: the recording is damaged. */
export class ChunkError extends Error {}

export type ColumnEncoding = 'u' | 's' | 'd' | 'n' | 't' | 'v';

/** Logical table -> its stored columns in storage order (`steps` stores no `step`: row i is step first_row + i). */
export const CHUNKED_TABLES: Readonly<Record<string, ReadonlyArray<readonly [string, ColumnEncoding]>>> = {
  steps: [['kind', 'u'], ['frame_id', 'd'], ['line', 'd']],
  frames: [['frame_id', 'd'], ['parent_id', 'n'], ['code_id', 'u'], ['thread_id', 'u'], ['depth', 'u'],
    ['locals_scope', 'd'], ['globals_scope', 'u'], ['call_step', 'd']],
  frame_ends: [['frame_id', 'd'], ['end_step', 'd']],
  scopes: [['scope_id', 'd'], ['kind', 'u'], ['frame_id', 'n'], ['module', 't']],
  bindings: [['step', 'd'], ['scope_id', 'd'], ['name_id', 'd'], ['value_id', 'n']],
  vals: [['value_id', 'd'], ['type_id', 'u'], ['repr', 'v'], ['object_id', 'n']],
  objects: [['object_id', 'd'], ['type_id', 'u'], ['kind', 't'], ['first_step', 'd']],
  object_states: [['object_id', 'd'], ['step', 'd'], ['length', 'u'], ['cut', 's'], ['delta', 'u'], ['children', 't']],
  returns: [['step', 'd'], ['frame_id', 'd'], ['value_id', 'n']],
};

export const CHUNK_FLAG_ZLIB = 0x01;
export const enum ValueTag { Null = 0, Text = 1, Int = 2, Float = 3, True = 4, False = 5, None = 6 }

/** One row of the `chunks` table as the sqlite3 driver returns it. */
export interface ChunkRow { tbl: string; seq: number; first_row: number; row_count: number; data: unknown }

/**
 * A decoded `v` column, one entry per row: the tag, the number of an int (exact below 2^53) or float, and
 * the text of a text value (or the decimal text of an int beyond 2^53). Displays are made on demand.
 */
export interface ValueColumn {
  tag: Uint8Array;
  num: Float64Array;
  /** Made on the first text (an all-number column, the common case, has none: nothing for the GC to scan). */
  text?: (string | undefined)[];
}

/**
 * A decoded `t` column: where each row's UTF-8 bytes lie in the chunk payloads (kept alive), made into a
 * string only when asked, so a million object states create no string at load.
 */
export class TextColumn {
  constructor(
    private readonly payloads: Buffer[],
    /** Per row: index into `payloads`, and the bytes start .. end (start -1: NULL). */
    private readonly payload: Int32Array, private readonly start: Int32Array, private readonly end: Int32Array,
  ) {}

  static empty(): TextColumn {
    const none = new Int32Array(0);
    return new TextColumn([], none, none, none);
  }

  get length(): number { return this.start.length; }

  get(row: number): string | null {
    const start = this.start[row];
    return start === undefined || start < 0 ? null : utf8(this.payloads[this.payload[row]], start, this.end[row]);
  }

  /** The same texts in another row order: row j of the result is row order[j] of this column. */
  reordered(order: Int32Array): TextColumn {
    const n = order.length;
    const payload = new Int32Array(n);
    const start = new Int32Array(n);
    const end = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const i = order[j];
      payload[j] = this.payload[i]; start[j] = this.start[i]; end[j] = this.end[i];
    }
    return new TextColumn(this.payloads, payload, start, end);
  }

  /** Every row as a string (tests, small tables). */
  toArray(): (string | null)[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i));
  }
}

/** Where decodeTexts writes: the payloads seen so far and the per-row positions. */
interface TextTarget { payloads: Buffer[]; payload: Int32Array; start: Int32Array; end: Int32Array }

/** A decoded table: integer columns (u, s, d, n) as Int32Array, text columns (t), value columns (v). */
export interface DecodedTable {
  rows: number;
  ints: Record<string, Int32Array>;
  texts: Record<string, TextColumn>;
  values: Record<string, ValueColumn>;
}

export interface DecodeOptions {
  /** What a NULL of an `n` column becomes (default 0: ids start at 1, so 0 and NULL both mean "none"). */
  nullAs?: number;
}

/**
 * Decodes every chunk of one table (in `seq` order) into whole-table columns. Throws ChunkError when the
 * chunks are not numbered 0..k-1 with continuous `first_row`s, or when a blob does not decode.
 */
export function decodeTable(table: string, chunks: readonly ChunkRow[], options: DecodeOptions = {}): DecodedTable {
  const columns = CHUNKED_TABLES[table];
  if (!columns) throw new ChunkError(`unknown chunked table '${table}'`);
  let rows = 0;
  chunks.forEach((c, i) => {
    if (c.seq !== i) {
      throw new ChunkError(i === 0 && c.seq !== 0 ? `table ${table} has no chunk 0 (its first chunk is number ${c.seq})`
        : `table ${table} jumps from chunk ${i - 1} to chunk ${c.seq} (a chunk is missing)`);
    }
    if (!Number.isSafeInteger(c.row_count) || c.row_count < 0) throw new ChunkError(`chunk ${table}#${c.seq} has an invalid row_count ${String(c.row_count)}`);
    if (c.first_row !== rows) {
      throw new ChunkError(`chunk ${table}#${c.seq} starts at row ${String(c.first_row)}, but the chunks before it hold ${rows} rows (rows are missing or doubled)`);
    }
    rows += c.row_count;
  });
  const ints: Record<string, Int32Array> = {};
  const textTargets: Record<string, TextTarget> = {};
  const values: Record<string, ValueColumn> = {};
  const targets: ColumnTarget[] = columns.map(([name, encoding]) => {
    if (encoding === 't') return (textTargets[name] = { payloads: [], payload: new Int32Array(rows), start: new Int32Array(rows), end: new Int32Array(rows) });
    if (encoding === 'v') return (values[name] = { tag: new Uint8Array(rows), num: new Float64Array(rows) });
    return (ints[name] = new Int32Array(rows));
  });
  const nullAs = options.nullAs ?? 0;
  for (const c of chunks) {
    try {
      decodeChunkInto(table, asBuffer(c.data), c.row_count, targets, c.first_row, nullAs);
    } catch (err) {
      if (err instanceof ChunkError) throw new ChunkError(`chunk ${table}#${c.seq}: ${err.message}`);
      throw err;
    }
  }
  const texts: Record<string, TextColumn> = {};
  for (const [name, t] of Object.entries(textTargets)) texts[name] = new TextColumn(t.payloads, t.payload, t.start, t.end);
  return { rows, ints, texts, values };
}

type ColumnTarget = Int32Array | TextTarget | ValueColumn;

/** Decodes one chunk blob into `targets` (one per stored column) from index `offset` on. */
export function decodeChunkInto(table: string, data: Buffer, rowCount: number,
  targets: readonly ColumnTarget[], offset: number, nullAs = 0): void {
  const columns = CHUNKED_TABLES[table];
  if (!columns) throw new ChunkError(`unknown chunked table '${table}'`);
  const payload = chunkPayload(data);
  let pos = 0;
  for (let c = 0; c < columns.length; c++) {
    const size = readVarint(payload, pos, payload.length, 'the size of a column');
    pos = cursor;
    const end = pos + size;
    if (end > payload.length) throw new ChunkError(`column ${columns[c][0]} (${size} bytes) runs past the end of the chunk`);
    const target = targets[c];
    const encoding = columns[c][1];
    try {
      if (encoding === 't') decodeTexts(payload, pos, end, rowCount, target as TextTarget, offset);
      else if (encoding === 'v') decodeValues(payload, pos, end, rowCount, target as ValueColumn, offset);
      else decodeInts(encoding, payload, pos, end, rowCount, target as Int32Array, offset, nullAs);
    } catch (err) {
      if (err instanceof ChunkError) throw new ChunkError(`column ${columns[c][0]}: ${err.message}`);
      throw err;
    }
    pos = end;
  }
  if (pos !== payload.length) throw new ChunkError(`${payload.length - pos} bytes left over after the last column`);
}

/** The column bytes of a chunk: the flags byte checked, inflated when it says zlib. */
export function chunkPayload(data: Buffer): Buffer {
  if (data.length === 0) throw new ChunkError('the chunk is empty (no flags byte)');
  const flags = data[0];
  if (flags & ~CHUNK_FLAG_ZLIB) {
    throw new ChunkError(`unknown chunk flags 0x${flags.toString(16).padStart(2, '0')} (written by a newer WaterCodeFlow?)`);
  }
  const rest = data.subarray(1);
  if (!(flags & CHUNK_FLAG_ZLIB)) return rest;
  try {
    return zlib.inflateSync(rest);
  } catch (err) {
    throw new ChunkError(`a compressed chunk does not inflate: ${(err as Error).message}`);
  }
}

function asBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new ChunkError(`data is ${data === null ? 'NULL' : `a ${typeof data}`}, not a blob`);
}

// ---- varints ---------------------------------------------------------------------------------------

/** Where the last varint read stopped (a module-level cursor: no allocation per value). */
let cursor = 0;

/** An unsigned LEB128 varint at `pos` (< 2^53 exactly; more is refused); sets `cursor` past it. */
function readVarint(data: Uint8Array, pos: number, end: number, what = 'a varint'): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; ; i++) {
    if (pos >= end) throw new ChunkError(`${what} runs past the end of its column`);
    const b = data[pos++];
    result += (b & 0x7f) * scale;
    if (b < 0x80) break;
    if (i === 9) throw new ChunkError(`${what} is longer than 10 bytes`);
    scale *= 128;
  }
  if (result > Number.MAX_SAFE_INTEGER) throw new ChunkError(`${what} is too large (${result})`);
  cursor = pos;
  return result;
}

const INT32_MAX = 0x7fffffff;

function outOfRange(value: number): ChunkError {
  return new ChunkError(`value ${value} does not fit a 32-bit integer`);
}

/**
 * An unsigned varint at `pos` for an integer column: up to 4 bytes (28 bits) decoded with integer
 * arithmetic (inlined into the column loops), longer ones by readVarint. Sets `cursor` past it.
 */
function intVarint(data: Uint8Array, pos: number, end: number): number {
  if (pos + 4 <= end) {
    const b0 = data[pos];
    if (b0 < 0x80) { cursor = pos + 1; return b0; }
    const b1 = data[pos + 1];
    if (b1 < 0x80) { cursor = pos + 2; return (b0 & 0x7f) | (b1 << 7); }
    const b2 = data[pos + 2];
    if (b2 < 0x80) { cursor = pos + 3; return (b0 & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14); }
    const b3 = data[pos + 3];
    if (b3 < 0x80) { cursor = pos + 4; return (b0 & 0x7f) | ((b1 & 0x7f) << 7) | ((b2 & 0x7f) << 14) | (b3 << 21); }
  }
  return readVarint(data, pos, end);
}

function decodeInts(encoding: ColumnEncoding, data: Buffer, pos: number, end: number, count: number,
  out: Int32Array, offset: number, nullAs: number): void {
  const last = offset + count;
  if (end - pos === count) {
    decodeOneByteInts(encoding, data, pos, count, out, offset, nullAs);
    return;
  }
  let value = 0;
  // One loop per encoding; zigzag values above 2^32 cannot be 32-bit integers.
  switch (encoding) {
    case 'u':
      for (let i = offset; i < last; i++) {
        const raw = intVarint(data, pos, end); pos = cursor;
        if (raw > INT32_MAX) throw outOfRange(raw);
        out[i] = raw;
      }
      break;
    case 's':
      for (let i = offset; i < last; i++) {
        const raw = intVarint(data, pos, end); pos = cursor;
        if (raw > 0xffffffff) throw outOfRange(raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2);
        out[i] = (raw >>> 1) ^ -(raw & 1);
      }
      break;
    case 'd':
      for (let i = offset; i < last; i++) {
        const raw = intVarint(data, pos, end); pos = cursor;
        if (raw > 0xffffffff) throw outOfRange(value + (raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2));
        value += (raw >>> 1) ^ -(raw & 1);
        if ((value | 0) !== value) throw outOfRange(value);
        out[i] = value;
      }
      break;
    case 'n':
      for (let i = offset; i < last; i++) {
        const raw = intVarint(data, pos, end); pos = cursor;
        if (raw - 1 > INT32_MAX) throw outOfRange(raw - 1);
        out[i] = raw === 0 ? nullAs : raw - 1;
      }
      break;
    default:
      throw new ChunkError(`unknown column encoding '${encoding}'`);
  }
  if (pos !== end) throw new ChunkError(`${end - pos} bytes left over after ${count} values`);
}

/**
 * A column of exactly `count` bytes for `count` values: each value must be a one-byte varint (a byte with its
 * high bit set would make a value run past the end). The common case of steps and bindings columns.
 */
function decodeOneByteInts(encoding: ColumnEncoding, data: Buffer, pos: number, count: number, out: Int32Array,
  offset: number, nullAs: number): void {
  let seen = 0;
  let value = 0;
  switch (encoding) {
    case 'u':
      for (let i = 0; i < count; i++) { const b = data[pos + i]; seen |= b; out[offset + i] = b; }
      break;
    case 's':
      for (let i = 0; i < count; i++) { const b = data[pos + i]; seen |= b; out[offset + i] = (b >>> 1) ^ -(b & 1); }
      break;
    case 'd':
      for (let i = 0; i < count; i++) { const b = data[pos + i]; seen |= b; value += (b >>> 1) ^ -(b & 1); out[offset + i] = value; }
      break;
    case 'n':
      for (let i = 0; i < count; i++) { const b = data[pos + i]; seen |= b; out[offset + i] = b === 0 ? nullAs : b - 1; }
      break;
    default:
      throw new ChunkError(`unknown column encoding '${encoding}'`);
  }
  if (seen & 0x80) throw new ChunkError('a varint runs past the end of its column');
}

function decodeTexts(data: Buffer, pos: number, end: number, count: number, out: TextTarget, offset: number): void {
  const payload = out.payloads.length;
  out.payloads.push(data);
  for (let i = offset, last = offset + count; i < last; i++) {
    const size = readVarint(data, pos, end, 'a text length');
    pos = cursor;
    out.payload[i] = payload;
    if (size === 0) { out.start[i] = -1; continue; }
    const stop = pos + size - 1;
    if (stop > end) throw new ChunkError(`a text of ${size - 1} bytes runs past the end of its column`);
    out.start[i] = pos;
    out.end[i] = stop;
    pos = stop;
  }
  if (pos !== end) throw new ChunkError(`${end - pos} bytes left over after ${count} values`);
}

function decodeValues(data: Buffer, pos: number, end: number, count: number, out: ValueColumn, offset: number): void {
  const { tag: tags, num } = out;
  const texts = () => (out.text ??= new Array<string | undefined>(tags.length));
  for (let i = offset, last = offset + count; i < last; i++) {
    if (pos >= end) throw new ChunkError('a value runs past the end of its column');
    const tag = data[pos++];
    tags[i] = tag;
    switch (tag) {
      case ValueTag.Null: case ValueTag.True: case ValueTag.False: case ValueTag.None:
        break;
      case ValueTag.Text: {
        const size = readVarint(data, pos, end, 'a text length');
        pos = cursor;
        if (pos + size > end) throw new ChunkError(`a text of ${size} bytes runs past the end of its column`);
        texts()[i] = utf8(data, pos, pos + size);
        pos += size;
        break;
      }
      case ValueTag.Int: {
        // Up to 4 bytes (|value| < 2^27) with integer arithmetic; up to 7 (49 bits) exact as a double; longer
        // ones may pass 2^53 and become decimal text.
        if (pos + 4 <= end) {
          const b0 = data[pos];
          if (b0 < 0x80) { num[i] = (b0 >>> 1) ^ -(b0 & 1); pos += 1; break; }
          const b1 = data[pos + 1];
          if (b1 < 0x80) { const z = (b0 & 0x7f) | (b1 << 7); num[i] = (z >>> 1) ^ -(z & 1); pos += 2; break; }
          const b2 = data[pos + 2];
          if (b2 < 0x80) { const z = (b0 & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14); num[i] = (z >>> 1) ^ -(z & 1); pos += 3; break; }
        }
        let small = 0;
        let scale = 1;
        let p = pos;
        let done = false;
        for (let k = 0; k < 7 && p < end; k++) {
          const b = data[p++];
          small += (b & 0x7f) * scale;
          if (b < 0x80) { done = true; break; }
          scale *= 128;
        }
        if (done) {
          num[i] = small % 2 === 0 ? small / 2 : -(small + 1) / 2;
          pos = p;
        } else {
          texts()[i] = readInt64Decimal(data, pos, end);
          pos = cursor;
        }
        break;
      }
      case ValueTag.Float:
        if (pos + 8 > end) throw new ChunkError('a float runs past the end of its column');
        num[i] = data.readDoubleLE(pos);
        pos += 8;
        break;
      default:
        throw new ChunkError(`unknown value tag ${tag}`);
    }
  }
  if (pos !== end) throw new ChunkError(`${end - pos} bytes left over after ${count} values`);
}

/** The display text of row `i` of a `v` column (null: NULL). */
export function valueDisplay(column: ValueColumn, i: number): string | null {
  switch (column.tag[i]) {
    case ValueTag.Text: return column.text?.[i] ?? '';
    case ValueTag.Int: return column.text?.[i] ?? String(column.num[i]);
    case ValueTag.Float: return pyFloatRepr(column.num[i]);
    case ValueTag.True: return 'True';
    case ValueTag.False: return 'False';
    case ValueTag.None: return 'None';
    default: return null;
  }
}

/** A zigzag varint of a signed 64-bit integer, as its exact decimal text (BigInt past 2^53); sets `cursor`. */
function readInt64Decimal(data: Uint8Array, pos: number, end: number): string {
  let big = 0n;
  for (let shift = 0n; ; shift += 7n) {
    if (pos >= end) throw new ChunkError('an int runs past the end of its column');
    if (shift > 63n) throw new ChunkError('an int varint is longer than 10 bytes');
    const b = data[pos++];
    big |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  if (big >> 64n) throw new ChunkError('an int does not fit 64 bits');
  cursor = pos;
  return ((big >> 1n) ^ -(big & 1n)).toString();
}

// ---- text ------------------------------------------------------------------------------------------

/**
 * UTF-8 bytes as a string. The Python writer encodes with "surrogatepass", so a lone surrogate arrives as
 * its 3-byte form (ED A0..BF xx), which Buffer#toString would turn into U+FFFD: that case is decoded by hand.
 */
export function utf8(data: Buffer, start: number, end: number): string {
  let high = 0;
  for (let i = start; i < end; i++) high |= data[i];
  if (high < 0x80) {
    // ASCII (most reprs, names, keys, children JSON): short ones are cheaper built here than in native code.
    if (end - start > 16) return data.toString('latin1', start, end);
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(data[i]);
    return s;
  }
  for (let i = start; i < end - 1; i++) {
    if (data[i] === 0xed && data[i + 1] >= 0xa0) return decodeSurrogatePass(data, start, end);
  }
  return data.toString('utf8', start, end);
}

function decodeSurrogatePass(data: Buffer, start: number, end: number): string {
  const units: number[] = [];
  let i = start;
  while (i < end) {
    const b = data[i];
    let cp: number;
    let len: number;
    if (b < 0x80) { cp = b; len = 1; }
    else if (b >= 0xc0 && b < 0xe0) { cp = b & 0x1f; len = 2; }
    else if (b >= 0xe0 && b < 0xf0) { cp = b & 0x0f; len = 3; }
    else if (b >= 0xf0 && b < 0xf8) { cp = b & 0x07; len = 4; }
    else { units.push(0xfffd); i++; continue; }
    if (i + len > end) { units.push(0xfffd); break; }
    let ok = true;
    for (let k = 1; k < len; k++) {
      const cont = data[i + k];
      if ((cont & 0xc0) !== 0x80) { ok = false; break; }
      cp = (cp << 6) | (cont & 0x3f);
    }
    if (!ok) { units.push(0xfffd); i++; continue; }
    if (cp >= 0x10000) { cp -= 0x10000; units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff)); }
    else units.push(cp);
    i += len;
  }
  let s = '';
  for (let k = 0; k < units.length; k += 4096) s += String.fromCharCode(...units.slice(k, k + 4096));
  return s;
}
