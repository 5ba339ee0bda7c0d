// Bulk column reads for the recording loader: a whole integer or text column in one SQL row via
// group_concat, parsed without creating a JS object per row (5–10x faster than row objects through the
// sqlite3 driver). Must not interpret what the columns mean.
import { SqliteFile } from './sqlite-file';

/** Separator for text columns: Python reprs escape control characters, so NUL never occurs inside one. */
const TEXT_SEPARATOR = '\u0000';
/** Stands for SQL NULL inside a text column (group_concat would otherwise skip NULLs). */
const TEXT_NULL = '\u0001';

export interface ColumnSpec { name: string; kind: 'int' | 'text'; nullAs?: number }

export async function readColumns(db: SqliteFile, table: string, columns: ColumnSpec[], orderBy: string): Promise<{
  ints: Record<string, Int32Array>; texts: Record<string, (string | null)[]>; rows: number;
}> {
  const select = columns.map((c, i) => c.kind === 'int'
    ? `group_concat(ifnull(${c.name}, ${c.nullAs ?? 0}), ',') AS c${i}`
    : `group_concat(ifnull(${c.name}, char(1)), char(0)) AS c${i}`);
  const [row] = await db.all<Record<string, string | null>>(
    `SELECT count(*) AS n, ${select.join(', ')} FROM (SELECT ${columns.map((c) => c.name).join(', ')} FROM ${table} ORDER BY ${orderBy})`);
  const rows = Number(row.n);
  const ints: Record<string, Int32Array> = {};
  const texts: Record<string, (string | null)[]> = {};
  columns.forEach((c, i) => {
    const raw = row[`c${i}`] ?? '';
    if (c.kind === 'int') ints[c.name] = parseIntList(raw, rows);
    else texts[c.name] = rows === 0 ? [] : raw.split(TEXT_SEPARATOR).map((s) => (s === TEXT_NULL ? null : s));
  });
  for (const [name, arr] of Object.entries(ints)) {
    if (arr.length !== rows) throw new Error(`column ${table}.${name} has ${arr.length} values for ${rows} rows (non-integer data?)`);
  }
  for (const [name, arr] of Object.entries(texts)) {
    if (arr.length !== rows) throw new Error(`column ${table}.${name} has ${arr.length} values for ${rows} rows`);
  }
  return { ints, texts, rows };
}

/** Parses "12,-3,40" into an Int32Array of `count` numbers; stops early (shorter result) on bad input. */
export function parseIntList(s: string, count: number): Int32Array {
  const out = new Int32Array(count);
  if (count === 0) return out;
  let n = 0;
  let value = 0;
  let negative = false;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 44;
    if (c === 44) {
      if (digits === 0 || n >= count) return out.subarray(0, n);
      out[n++] = negative ? -value : value;
      value = 0; negative = false; digits = 0;
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
    } else if (c === 45 && digits === 0) {
      negative = true;
    } else {
      return out.subarray(0, n);
    }
  }
  return out.subarray(0, n);
}
