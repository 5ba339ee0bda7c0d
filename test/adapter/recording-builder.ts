// Test helper: builds small WaterCodeFlow recordings (format v2: schema.sql, plain rows + column chunks) by
// simulating a program's events, so adapter unit tests need no recorder. Writes through the sqlite3 driver in
// one exec; test-only. Chunks are small and alternate plain / zlib so every test crosses chunk boundaries.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as sqlite3 from 'sqlite3';
import { CHUNKED_TABLES } from '../../adapter/timeline/chunk-decoder';
import { Cell, EncodedValue, encodeChunk } from './chunk-encoder';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const SCHEMA_SQL = path.join(ROOT, 'native', 'watercodeflow', 'schema.sql');

type Sql = string | number | null | Buffer;
const q = (v: Sql): string => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : Buffer.isBuffer(v) ? `X'${v.toString('hex')}'`
  : `'${v.replace(/'/g, "''")}'`);

export interface Val { valueId: number; objectId?: number }
/** One row of the `chunks` table as the builder will write it (tests may damage them through `tamper`). */
export interface BuiltChunk { tbl: string; seq: number; first_row: number; row_count: number; data: Buffer }

/** Tables whose rows the writer produces in ascending step (the builder sorts them so; steps are implicit). */
const STEP_ORDERED: Record<string, number> = { bindings: 0, object_states: 1, returns: 0 };
const SCOPE_KIND = { locals: 0, globals: 1 };

export class RecordingBuilder {
  /** Rows per table in stored column order (chunked tables) or SQL column order (plain tables). */
  readonly rows: Record<string, Cell[][]> = {};
  meta: Record<string, string> = {
    schema_version: '2', format: 'watercodeflow-recording', status: 'complete', recorder: 'python', mode: 'balanced',
  };
  /** buffer_writes rows (a plain table with blobs), in insertion (rowid) order. */
  readonly bufferRows: Sql[][] = [];
  /** Rows per chunk of every chunked table. */
  chunkRows = 5;
  /** Which chunks are zlib-compressed. */
  compress: 'never' | 'always' | 'alternate' = 'alternate';
  /** Called with the chunks just before they are written (to damage a file on purpose). */
  tamper?: (chunks: BuiltChunk[]) => void;
  private step = 0;
  private ids: Record<string, number> = {};
  private scalars = new Map<string, number>();
  private nameIds = new Map<string, number>();
  private typeIds = new Map<string, number>();
  private globalsByModule = new Map<string, number>();
  private top = new Map<number, number>(); // thread -> innermost live frame
  private frameInfo = new Map<number, { locals: number; globals: number; thread: number; depth: number; parent: number | null }>();

  private id(table: string): number { return (this.ids[table] = (this.ids[table] ?? 0) + 1); }
  private add(table: string, row: Cell[]): void { (this.rows[table] ??= []).push(row); }
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
  typeId(name: string): number {
    let id = this.typeIds.get(name);
    if (!id) { id = this.id('types'); this.typeIds.set(name, id); this.add('types', [id, name]); }
    return id;
  }

  /** Enters a new frame of `codeId` on `thread` (a call step). */
  enter(codeId: number, line: number, thread = 1, module = '__main__'): number {
    const frameId = this.id('frames');
    const parent = this.top.get(thread) ?? null;
    const depth = parent ? this.frameInfo.get(parent)!.depth + 1 : 0;
    const locals = this.id('scopes');
    this.add('scopes', [locals, SCOPE_KIND.locals, frameId, null]);
    let globals = this.globalsByModule.get(module);
    if (!globals) {
      globals = this.id('scopes');
      this.globalsByModule.set(module, globals);
      this.add('scopes', [globals, SCOPE_KIND.globals, null, module]);
    }
    this.frameInfo.set(frameId, { locals, globals, thread, depth, parent });
    this.add('frames', [frameId, parent, codeId, thread, depth, locals, globals, this.step]);
    this.top.set(thread, frameId);
    this.add('steps', [1, frameId, line]);
    this.step++;
    return frameId;
  }
  line(frameId: number, line: number): number { this.add('steps', [0, frameId, line]); return this.step++; }
  leave(frameId: number, line: number, value?: Val): number {
    const s = this.step++;
    this.add('steps', [2, frameId, line]);
    this.add('returns', [s, frameId, value?.valueId ?? null]);
    this.add('frame_ends', [frameId, s]);
    const info = this.frameInfo.get(frameId)!;
    if (info.parent) this.top.set(info.thread, info.parent); else this.top.delete(info.thread);
    return s;
  }
  raise(frameId: number, line: number, type: string, message: string, kind: 'raised' | 'uncaught' = 'raised'): number {
    const s = this.step++;
    this.add('steps', [3, frameId, line]);
    this.add('exceptions', [s, frameId, type, message, `Traceback...\n${type}: ${message}`, kind]);
    return s;
  }
  /** Binds `name` from the next step on (the state *before* the next line). */
  set(frameId: number, name: string, v: Val | null, scope: 'locals' | 'globals' = 'locals', atStep = this.step): void {
    const info = this.frameInfo.get(frameId)!;
    this.add('bindings', [atStep, scope === 'locals' ? info.locals : info.globals, this.nameId(name), v ? v.valueId : null]);
  }
  /** A scalar value with display `repr`, stored as `stored` (text by default, or a binary form). */
  scalar(type: string, repr: string, stored: EncodedValue = repr): Val {
    const key = `${type}\0${repr}`;
    let id = this.scalars.get(key);
    if (!id) { id = this.id('vals'); this.scalars.set(key, id); this.add('vals', [id, this.typeId(type), stored, null]); }
    return { valueId: id };
  }
  /** An int, stored in the binary form (tag 2) as the C recorder writes it. */
  int(n: number | bigint): Val { return this.scalar('int', String(n), { int: BigInt(n) }); }
  /** A float in the binary form (tag 3); its display is Python's repr. */
  float(x: number, repr: string): Val { return this.scalar('float', repr, { float: x }); }
  bool(b: boolean): Val { return this.scalar('bool', b ? 'True' : 'False', { fixed: b ? 'True' : 'False' }); }
  none(): Val { return this.scalar('NoneType', 'None', { fixed: 'None' }); }
  str(s: string): Val { return this.scalar('str', `'${s}'`); }
  object(type: string, kind: string, children: Array<[string | number, Val]>, cut = 0, length = children.length): Val {
    const objectId = this.id('objects');
    this.add('objects', [objectId, this.typeId(type), kind, this.step]);
    const valueId = this.id('vals');
    this.add('vals', [valueId, this.typeId(type), null, objectId]);
    this.mutate({ valueId, objectId }, children, cut, length);
    return { valueId, objectId };
  }
  opaque(type: string, repr: string): Val {
    const objectId = this.id('objects');
    this.add('objects', [objectId, this.typeId(type), 'opaque', this.step]);
    const valueId = this.id('vals');
    this.add('vals', [valueId, this.typeId(type), repr, objectId]);
    return { valueId, objectId };
  }
  /** Records a new (full) state of an object from the next step on. */
  mutate(v: Val, children: Array<[string | number, Val]>, cut = 0, length = children.length, atStep = this.step): void {
    this.add('object_states', [v.objectId!, atStep, length, cut, 0, JSON.stringify(children.map(([k, c]) => [k, c.valueId]))]);
  }
  /** Records a delta state: the previous state cut to `length - cut` children, with `changes` [position, key, value] applied. */
  mutateDelta(v: Val, changes: Array<[number, string | number, Val]>, length: number, cut = 0, atStep = this.step): void {
    this.add('object_states', [v.objectId!, atStep, length, cut, 1, JSON.stringify(changes.map(([p, k, c]) => [p, k, c.valueId]))]);
  }
  /**
   * An ndarray as the recorder captures it: display `array(shape=…, dtype=…)`, a state with the elements as
   * children when given (small arrays), else `cut = size` and no children.
   */
  ndarray(display: string, size: number, elements?: Val[], type = 'numpy.ndarray'): Val {
    const objectId = this.id('objects');
    this.add('objects', [objectId, this.typeId(type), 'ndarray', this.step]);
    const valueId = this.id('vals');
    this.add('vals', [valueId, this.typeId(type), display, objectId]);
    const children = (elements ?? []).map((e, i): [number, Val] => [i, e]);
    this.mutate({ valueId, objectId }, children, elements ? 0 : size, size);
    return { valueId, objectId };
  }
  /** A buffer_writes row (docs/recording-format.md "Buffer writes"); `step` defaults to the next step. */
  bufferRow(objectId: number, kind: string, after: Buffer | string | null, offset = 0, length = after === null ? 0 : after.length,
    before: Buffer | null = null, step = this.step): void {
    this.bufferRows.push([step, objectId, offset, length, before, after, kind]);
  }
  /** A layout row for `objectId` in region `layout.region` (the rest as the tracker writes it). */
  bufferLayout(objectId: number, layout: { region: number; shape: number[]; strides: number[]; itemsize: number; dtype?: string | null;
    format?: string | null; type?: string; offset?: number; tier?: string; snapshots?: string; regionBytes?: number; descr?: unknown }, step = this.step): void {
    const nbytes = layout.shape.reduce((a, b) => a * b, 1) * layout.itemsize;
    const json = JSON.stringify({
      region: layout.region, type: layout.type ?? 'numpy.ndarray', dtype: layout.dtype ?? null, descr: layout.descr ?? null,
      format: layout.format ?? null, shape: layout.shape, strides: layout.strides, itemsize: layout.itemsize,
      regionBytes: layout.regionBytes ?? nbytes, tier: layout.tier ?? 'full', snapshots: layout.snapshots ?? 'always',
    });
    this.bufferRow(objectId, 'layout', json, layout.offset ?? 0, nbytes, null, step);
  }
  output(stream: string, text: string): void { this.add('output', [Math.max(0, this.step - 1), stream, text]); }

  /** The `chunks` rows of every chunked table. */
  chunks(): BuiltChunk[] {
    const out: BuiltChunk[] = [];
    let n = 0;
    for (const table of Object.keys(CHUNKED_TABLES)) {
      let rows = this.rows[table] ?? [];
      const stepColumn = STEP_ORDERED[table];
      if (stepColumn !== undefined) rows = [...rows].sort((a, b) => (a[stepColumn] as number) - (b[stepColumn] as number));
      for (let first = 0, seq = 0; first < rows.length; first += this.chunkRows, seq++) {
        const part = rows.slice(first, first + this.chunkRows);
        const compress = this.compress === 'always' || (this.compress === 'alternate' && n++ % 2 === 1);
        out.push({ tbl: table, seq, first_row: first, row_count: part.length, data: encodeChunk(table, part, compress) });
      }
    }
    return out;
  }

  toSql(): string {
    const parts = [fs.readFileSync(SCHEMA_SQL, 'utf8'), 'BEGIN;'];
    this.meta.step_count = String(this.step);
    for (const [k, v] of Object.entries(this.meta)) parts.push(`INSERT INTO meta VALUES (${q(k)}, ${q(v)});`);
    for (const [table, rows] of Object.entries(this.rows)) {
      if (table in CHUNKED_TABLES) continue;
      for (const r of rows) parts.push(`INSERT INTO ${table} VALUES (${(r as Sql[]).map(q).join(', ')});`);
    }
    for (const r of this.bufferRows) parts.push(`INSERT INTO buffer_writes VALUES (${r.map(q).join(', ')});`);
    const chunks = this.chunks();
    this.tamper?.(chunks);
    for (const c of chunks) {
      parts.push(`INSERT INTO chunks VALUES (${q(c.tbl)}, ${c.seq}, ${c.first_row}, ${c.row_count}, X'${c.data.toString('hex')}');`);
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
