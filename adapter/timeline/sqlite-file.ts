// Promise wrapper over the sqlite3 (npm) driver, read-only. Owns opening/closing a database file and
// running SELECTs; must never write to a recording.
import * as sqlite3 from 'sqlite3';

export class SqliteFile {
  private constructor(private readonly db: sqlite3.Database, readonly path: string) {}

  static open(path: string): Promise<SqliteFile> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (err) => {
        if (err) reject(new Error(`Cannot open recording ${path}: ${err.message}`));
        else resolve(new SqliteFile(db, path));
      });
    });
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
