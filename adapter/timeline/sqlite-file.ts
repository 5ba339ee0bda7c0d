// Promise wrapper over the sqlite3 (npm) driver, read-only. Owns opening/closing a database file and
// running SELECTs; never writes to a recording, except that opening one lets SQLite roll back a commit its
// recorder was killed inside (see recoverInterruptedCommit).
import * as fs from 'fs';
import * as sqlite3 from 'sqlite3';

// The first bytes of a rollback journal that still holds pages to put back (a finished commit zeroes them).
const JOURNAL_MAGIC = Buffer.from('d9d505f920a163d7', 'hex');

function journalIsLive(path: string): boolean {
  const head = Buffer.alloc(JOURNAL_MAGIC.length);
  let fd: number | undefined;
  try {
    fd = fs.openSync(`${path}-journal`, 'r');
    return fs.readSync(fd, head, 0, head.length, 0) === head.length && head.equals(JOURNAL_MAGIC);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function openWith(path: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}

/** A recorder killed inside a commit leaves part of it in the file and a journal of the pages as they were:
 *  a read-only connection refuses the file; one that may write puts the old pages back (SQLite's own rollback,
 *  only when no live process holds the file), keeping everything up to the last finished commit. */
async function recoverInterruptedCommit(path: string): Promise<void> {
  if (!journalIsLive(path)) return;
  try {
    const db = await openWith(path, sqlite3.OPEN_READWRITE);
    await new Promise<void>((resolve, reject) => {
      db.get('SELECT count(*) FROM sqlite_master', (err) => (err ? reject(err) : resolve()));
    }).finally(() => new Promise<void>((resolve) => db.close(() => resolve())));
  } catch (err) {
    throw new Error(`Cannot open recording ${path}: it was left half-written by a recorder killed while saving, and `
      + `it could not be repaired (${(err as Error).message}). If its recorder is still running, wait for it to end; `
      + 'otherwise open it once with write access to the file and its folder, which rolls the unfinished write '
      + 'back.', { cause: err });
  }
}

export class SqliteFile {
  private constructor(private readonly db: sqlite3.Database, readonly path: string) {}

  static async open(path: string): Promise<SqliteFile> {
    await recoverInterruptedCommit(path);
    try {
      return new SqliteFile(await openWith(path, sqlite3.OPEN_READONLY), path);
    } catch (err) {
      throw new Error(`Cannot open recording ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  all<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[])));
    });
  }

  async tableNames(): Promise<Set<string>> {
    const rows = await this.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
    return new Set(rows.map((r) => r.name));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.db.close(() => resolve()));
  }
}
