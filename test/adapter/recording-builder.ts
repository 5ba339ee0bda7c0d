// Test helper: builds small WaterCodeFlow recordings (schema.sql + rows) by simulating a program's events,
// so adapter unit tests need no recorder. Writes through the sqlite3 driver in one exec; test-only.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as sqlite3 from 'sqlite3';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const SCHEMA_SQL = path.join(ROOT, 'native', 'watercodeflow', 'schema.sql');

type Sql = string | number | null;
const q = (v: Sql): string => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`);

export interface Val { valueId: number; objectId?: number }

export class RecordingBuilder {
  readonly rows: Record<string, Sql[][]> = {};
  meta: Record<string, string> = {
    schema_version: '1', format: 'watercodeflow-recording', status: 'complete', recorder: 'python', mode: 'balanced',
  };
  private step = 0;
  private ids: Record<string, number> = {};
  private scalars = new Map<string, number>();
  private nameIds = new Map<string, number>();
  private globalsByModule = new Map<string, number>();
  private top = new Map<number, number>(); // thread -> innermost live frame
  private frameInfo = new Map<number, { locals: number; globals: number; thread: number; depth: number }>();

  private id(table: string): number { return (this.ids[table] = (this.ids[table] ?? 0) + 1); }
  private add(table: string, row: Sql[]): void { (this.rows[table] ??= []).push(row); }
  get nextStep(): number { return this.step; }

  constructor() { this.add('threads', [1, 1000, 'MainThread', 0]); this.ids.threads = 1; }

  file(p: string): number { const id = this.id('files'); this.add('files', [id, p]); return id; }
  code(fileId: number, name: string, firstLine: number, qualname = name): number {
    const id = this.id('code'); this.add('code', [id, fileId, name, qualname, firstLine]); return id;
  }
  thread(name: string): number {
    const id = this.id('threads'); this.add('threads', [id, 1000 + id, name, this.step]); return id;
  }
  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (!id) { id = this.id('names'); this.nameIds.set(name, id); this.add('names', [id, name]); }
    return id;
  }

  /** Enters a new frame of `codeId` on `thread` (a call step). */
  enter(codeId: number, line: number, thread = 1, module = '__main__'): number {
    const frameId = this.id('frames');
    const parent = this.top.get(thread) ?? null;
    const depth = parent ? this.frameInfo.get(parent)!.depth + 1 : 0;
    const locals = this.id('scopes');
    this.add('scopes', [locals, 'locals', frameId, null]);
    let globals = this.globalsByModule.get(module);
    if (!globals) {
      globals = this.id('scopes');
      this.globalsByModule.set(module, globals);
      this.add('scopes', [globals, 'globals', null, module]);
    }
    this.frameInfo.set(frameId, { locals, globals, thread, depth });
    this.add('frames', [frameId, parent, codeId, thread, depth, locals, globals, this.step, null]);
    this.top.set(thread, frameId);
    this.add('steps', [this.step++, 1, frameId, line]);
    return frameId;
  }
  line(frameId: number, line: number): number { const s = this.step++; this.add('steps', [s, 0, frameId, line]); return s; }
  leave(frameId: number, line: number, value?: Val): number {
    const s = this.step++;
    this.add('steps', [s, 2, frameId, line]);
    this.add('returns', [s, frameId, value?.valueId ?? null]);
    const row = this.rows.frames.find((r) => r[0] === frameId)!;
    row[8] = s;
    const info = this.frameInfo.get(frameId)!;
    const parent = row[1] as number | null;
    if (parent) this.top.set(info.thread, parent); else this.top.delete(info.thread);
    return s;
  }
  raise(frameId: number, line: number, type: string, message: string, kind: 'raised' | 'uncaught' = 'raised'): number {
    const s = this.step++;
    this.add('steps', [s, 3, frameId, line]);
    this.add('exceptions', [s, frameId, type, message, `Traceback...\n${type}: ${message}`, kind]);
    return s;
  }
  /** Binds `name` from the next step on (the state *before* the next line). */
  set(frameId: number, name: string, v: Val | null, scope: 'locals' | 'globals' = 'locals', atStep = this.step): void {
    const info = this.frameInfo.get(frameId)!;
    this.add('bindings', [atStep, scope === 'locals' ? info.locals : info.globals, this.nameId(name), v ? v.valueId : null]);
  }
  scalar(type: string, repr: string): Val {
    const key = `${type}\0${repr}`;
    let id = this.scalars.get(key);
    if (!id) { id = this.id('vals'); this.scalars.set(key, id); this.add('vals', [id, type, repr, null]); }
    return { valueId: id };
  }
  int(n: number): Val { return this.scalar('int', String(n)); }
  str(s: string): Val { return this.scalar('str', `'${s}'`); }
  object(type: string, kind: string, children: Array<[string | number, Val]>, cut = 0, length = children.length): Val {
    const objectId = this.id('objects');
    this.add('objects', [objectId, type, kind, this.step]);
    const valueId = this.id('vals');
    this.add('vals', [valueId, type, null, objectId]);
    this.mutate({ valueId, objectId }, children, cut, length);
    return { valueId, objectId };
  }
  opaque(type: string, repr: string): Val {
    const objectId = this.id('objects');
    this.add('objects', [objectId, type, 'opaque', this.step]);
    const valueId = this.id('vals');
    this.add('vals', [valueId, type, repr, objectId]);
    return { valueId, objectId };
  }
  /** Records a new state of an object from the next step on. */
  mutate(v: Val, children: Array<[string | number, Val]>, cut = 0, length = children.length): void {
    this.add('object_states', [v.objectId!, this.step, length, JSON.stringify(children.map(([k, c]) => [k, c.valueId])), cut]);
  }
  output(stream: string, text: string): void { this.add('output', [Math.max(0, this.step - 1), stream, text]); }

  toSql(): string {
    const parts = [fs.readFileSync(SCHEMA_SQL, 'utf8'), 'BEGIN;'];
    this.meta.step_count = String(this.step);
    for (const [k, v] of Object.entries(this.meta)) parts.push(`INSERT INTO meta VALUES (${q(k)}, ${q(v)});`);
    for (const [table, rows] of Object.entries(this.rows)) {
      for (const r of rows) parts.push(`INSERT INTO ${table} VALUES (${r.map(q).join(', ')});`);
    }
    parts.push('COMMIT;');
    return parts.join('\n');
  }

  async write(file?: string): Promise<string> {
    const out = file ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wcf-test-')), 'rec.wcf');
    const sql = this.toSql();
    await new Promise<void>((resolve, reject) => {
      const db = new sqlite3.Database(out, (err) => {
        if (err) return reject(err);
        db.exec(sql, (e) => db.close(() => (e ? reject(e) : resolve())));
      });
    });
    return out;
  }
}
