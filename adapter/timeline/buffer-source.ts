// Reads the buffer_writes table of a recording on demand (it is a plain table: blobs come as Buffers): the
// index rows without blobs, chosen rows' `after` blobs, and byte windows of them. Opens its own read-only
// connection at the first read; must never write to the recording or decide what the bytes mean.
import { BufferIndexRow } from './buffer-index';
import { SqliteFile } from './sqlite-file';

/** Where BufferHistory gets rows from: SQLite for a recording file, memory in tests. */
export interface BufferSource {
  /** Every row without blobs (layout rows with their JSON), in (step, rowid) order. */
  readIndex(): Promise<BufferIndexRow[]>;
  /** The `after` blobs of these rows (rowid -> bytes; NULL blobs are absent). */
  readAfter(rowids: readonly number[]): Promise<Map<number, Buffer>>;
  /**
   * Bytes [low, high) of the region, as each of these rows stores them: the part of the row's `after` that
   * overlaps the window, starting at max(offset, low).
   */
  readWindows(rowids: readonly number[], low: number, high: number): Promise<Map<number, Buffer>>;
  close(): Promise<void>;
}

/** SQLite's default limit on bound parameters is 999 (SQLITE_MAX_VARIABLE_NUMBER before 3.32). */
const ROWIDS_PER_QUERY = 500;

export class SqliteBufferSource implements BufferSource {
  private db?: Promise<SqliteFile>;

  constructor(private readonly path: string) {}

  private open(): Promise<SqliteFile> {
    this.db ??= SqliteFile.open(this.path).catch((err: Error) => {
      this.db = undefined;
      throw new Error(`cannot read the buffer history of ${this.path}: ${err.message}`);
    });
    return this.db;
  }

  async readIndex(): Promise<BufferIndexRow[]> {
    const db = await this.open();
    if (!(await db.tableNames()).has('buffer_writes')) return [];
    return db.all<BufferIndexRow>(
      "SELECT rowid, step, object_id, kind, offset, length, CASE WHEN kind = 'layout' THEN CAST(after AS TEXT) END AS layout" +
      ' FROM buffer_writes ORDER BY step, rowid');
  }

  private async byRowid(rowids: readonly number[], select: string, params: unknown[]): Promise<Map<number, Buffer>> {
    const db = await this.open();
    const out = new Map<number, Buffer>();
    for (let i = 0; i < rowids.length; i += ROWIDS_PER_QUERY) {
      const part = rowids.slice(i, i + ROWIDS_PER_QUERY);
      const rows = await db.all<{ rowid: number; bytes: Buffer | string | null }>(
        `SELECT rowid, ${select} AS bytes FROM buffer_writes WHERE rowid IN (${part.map(() => '?').join(', ')})`, [...params, ...part]);
      for (const r of rows) {
        if (r.bytes === null) continue;
        out.set(r.rowid, typeof r.bytes === 'string' ? Buffer.from(r.bytes, 'latin1') : r.bytes);
      }
    }
    return out;
  }

  readAfter(rowids: readonly number[]): Promise<Map<number, Buffer>> {
    return this.byRowid(rowids, 'after', []);
  }

  readWindows(rowids: readonly number[], low: number, high: number): Promise<Map<number, Buffer>> {
    // substr() on a BLOB counts bytes and returns a BLOB (SQLite's documented behaviour).
    return this.byRowid(rowids, 'substr(after, max(offset, ?) - offset + 1, min(offset + length, ?) - max(offset, ?))', [low, high, low]);
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) await (await db.catch(() => undefined))?.close();
  }
}
