// Opens a recording file (format v2) and loads it into a Recording (typed arrays + maps), validating what a
// reader must check: format, schema version, chunk contiguity, step/frame references. Must not write to the
// file; must not know about DAP. Chunk bytes are decoded by chunk-decoder.ts.
import * as fs from 'fs';
import { ChunkError, ChunkRow, DecodedTable, decodeTable } from './chunk-decoder';
import { ObjectStateTable } from './object-children';
import { SqliteFile } from './sqlite-file';
import { BindingIndex } from './binding-index';
import { BufferHistory } from './buffer-history';
import { SqliteBufferSource } from './buffer-source';
import { ObjectTable, ScopeTable, StepValues } from './id-tables';
import { ValueTable } from './value-table';
import { checkSchemaVersion, RECORDING_FORMAT_NAME } from './schema';
import {
  CodeInfo, ExceptionRow, FrameTable, NoticeRow, OutputRow, Recording, RecordingValues, ThreadInfo,
} from './recording';

const REQUIRED_TABLES = ['meta', 'chunks', 'files', 'code', 'threads', 'names', 'types', 'exceptions'];
/** Chunked tables needed to stop and step; the value tables load after them (deferValues). */
const STRUCTURE_TABLES = ['steps', 'frames', 'frame_ends', 'scopes', 'returns'];
const VALUE_TABLES = ['vals', 'objects', 'object_states', 'bindings'];

export class RecordingOpenError extends Error {}

export interface LoadOptions {
  /**
   * Return once steps and frames are loaded (enough to stop and step); the value tables load after, and
   * `rec.valuesReady` settles when they are in. Without it, loadRecording returns a complete Recording.
   */
  deferValues?: boolean;
}

export async function loadRecording(path: string, options: LoadOptions = {}): Promise<Recording> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    throw new RecordingOpenError(`Recording not found: ${path}. Check the "replay" path in launch.json.`);
  }
  if (!stat.isFile()) throw new RecordingOpenError(`${path} is not a file; "replay" must name a .wcf recording.`);
  const header = Buffer.alloc(16);
  const fd = fs.openSync(path, 'r');
  try { fs.readSync(fd, header, 0, 16, 0); } finally { fs.closeSync(fd); }
  if (header.toString('latin1') !== 'SQLite format 3\0') {
    throw new RecordingOpenError(`${path} is not a WaterCodeFlow recording (not an SQLite file; it may be truncated or corrupt).`);
  }
  const db = await SqliteFile.open(path);
  const corrupt = (err: unknown) => (err instanceof RecordingOpenError ? err
    : new RecordingOpenError(`${path} could not be read as a recording (corrupt or truncated?): ${(err as Error).message}`));
  let rec: Recording;
  let valueChunks: Promise<Map<string, ChunkRow[]>> | undefined;
  try {
    rec = await readAll(db, path, () => { valueChunks = readChunks(db, VALUE_TABLES); });
  } catch (err) {
    await valueChunks?.catch(() => undefined);
    await db.close();
    throw corrupt(err);
  }
  // buffer_writes is read through its own connection when a value first needs it (never at open).
  rec.attachBuffers(new BufferHistory(new SqliteBufferSource(path), rec.lastStep));
  const values = readValues(db, path, valueChunks!, rec.lastStep).then((v) => rec.attachValues(v), (err) => { throw corrupt(err); })
    .finally(() => db.close());
  if (options.deferValues) {
    rec.valuesReady = values;
    values.catch(() => undefined); // observed by whoever awaits valuesReady
  } else {
    await values;
  }
  return rec;
}

async function readAll(db: SqliteFile, path: string, startValueRead: () => void): Promise<Recording> {
  const tables = await db.tableNames();
  const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
  if (missing.includes('meta')) throw new RecordingOpenError(`${path} is not a WaterCodeFlow recording (no meta table).`);
  const meta = new Map<string, string>();
  for (const r of await db.all<{ key: string; value: string }>('SELECT key, value FROM meta')) meta.set(r.key, r.value);
  const format = meta.get('format');
  if (format !== undefined && format !== RECORDING_FORMAT_NAME) {
    throw new RecordingOpenError(`${path} has format '${format}', not '${RECORDING_FORMAT_NAME}'.`);
  }
  try {
    checkSchemaVersion(meta, path);
  } catch (err) {
    throw new RecordingOpenError((err as Error).message);
  }
  if (missing.length) throw new RecordingOpenError(`${path} is missing tables ${missing.join(', ')}; the recording is corrupt.`);
  // A file the recorder never closed (killed) may end its tables at different steps: keep the common part.
  const killed = meta.get('status') === 'recording';

  const [chunks, fileRows, codeRows, threadRows, nameRows, exceptionRows, outputRows, noticeRows] = await Promise.all([
    readChunks(db, STRUCTURE_TABLES),
    db.all<{ file_id: number; path: string }>('SELECT file_id, path FROM files'),
    db.all<{ code_id: number; file_id: number; name: string; qualname: string; first_line: number }>('SELECT code_id, file_id, name, qualname, first_line FROM code'),
    db.all<{ thread_id: number; ident: number; name: string; first_step: number }>('SELECT thread_id, ident, name, first_step FROM threads ORDER BY thread_id'),
    db.all<{ name_id: number; name: string }>('SELECT name_id, name FROM names'),
    db.all<{ step: number; frame_id: number | null; type: string; message: string; traceback: string | null; kind: string }>('SELECT step, frame_id, type, message, traceback, kind FROM exceptions ORDER BY step, rowid'),
    tables.has('output') ? db.all<OutputRow>('SELECT step, stream, text FROM output ORDER BY step, rowid') : Promise.resolve([]),
    tables.has('notices') ? db.all<NoticeRow>('SELECT step, kind, message FROM notices ORDER BY step, rowid') : Promise.resolve([]),
  ]);
  // SQLite serves one query at a time per file: the value chunks are read while the structure decodes.
  startValueRead();
  const steps = decode(path, 'steps', chunks);
  const frameCols = decode(path, 'frames', chunks);
  const frameEnds = decode(path, 'frame_ends', chunks);
  const scopeCols = decode(path, 'scopes', chunks);
  const returnCols = decode(path, 'returns', chunks);

  if (steps.rows === 0) {
    const uncaught = exceptionRows.find((e) => e.kind === 'uncaught');
    if (uncaught) throw new RecordingOpenError(`The program did not run any line: ${uncaught.type}: ${uncaught.message} (recording ${path}).`);
    throw new RecordingOpenError(`${path} contains no steps: the program did not run any traced line (was it empty, excluded by justMyCode, or did the recorder fail? see its output).`);
  }

  const fcol = frameCols.ints;
  let maxFrame = 0;
  for (let i = 0; i < frameCols.rows; i++) if (fcol.frame_id[i] > maxFrame) maxFrame = fcol.frame_id[i];
  const fc = maxFrame + 1;
  const frames: FrameTable = {
    parent: new Int32Array(fc), code: new Int32Array(fc), thread: new Int32Array(fc), depth: new Int32Array(fc),
    localsScope: new Int32Array(fc), globalsScope: new Int32Array(fc), callStep: new Int32Array(fc),
    endStep: new Int32Array(fc).fill(-1),
  };
  const known = new Uint8Array(fc);
  for (let i = 0; i < frameCols.rows; i++) {
    const f = fcol.frame_id[i];
    if (f <= 0) throw new RecordingOpenError(`${path} is corrupt: frames row ${i} has frame_id ${f} (ids start at 1).`);
    known[f] = 1;
    frames.parent[f] = fcol.parent_id[i]; frames.code[f] = fcol.code_id[i]; frames.thread[f] = fcol.thread_id[i];
    frames.depth[f] = fcol.depth[i]; frames.localsScope[f] = fcol.locals_scope[i]; frames.globalsScope[f] = fcol.globals_scope[i];
    frames.callStep[f] = fcol.call_step[i];
  }
  for (let i = 0; i < frameCols.rows; i++) {
    const parent = fcol.parent_id[i];
    if (parent !== 0 && !(parent > 0 && parent < fc && known[parent])) {
      throw new RecordingOpenError(`${path} is corrupt: frame ${fcol.frame_id[i]} has unknown parent frame ${parent}.`);
    }
  }

  // Steps up to the last one whose frame is known; in a closed file every step's frame must be.
  const stepFrameAll = steps.ints.frame_id;
  let n = steps.rows;
  for (let i = 0; i < n; i++) {
    const f = stepFrameAll[i];
    if (f > 0 && f < fc && known[f]) continue;
    if (!killed) throw new RecordingOpenError(`${path} is corrupt: step ${i} refers to unknown frame ${f}.`);
    n = i;
  }
  if (n === 0) {
    throw new RecordingOpenError(`${path} is corrupt: the recorder was killed before it saved the frame of step 0, so no step can be shown.`);
  }
  const last = n - 1;
  const stepKind = new Uint8Array(steps.ints.kind.subarray(0, n));
  const stepFrame = steps.ints.frame_id.subarray(0, n);
  const stepLine = steps.ints.line.subarray(0, n);

  const ends = frameEnds.ints;
  for (let i = 0; i < frameEnds.rows; i++) {
    const f = ends.frame_id[i];
    if (f > 0 && f < fc && ends.end_step[i] <= last) frames.endStep[f] = ends.end_step[i];
  }

  const files = new Map<number, string>(fileRows.map((r) => [r.file_id, r.path]));
  const code = new Map<number, CodeInfo>(codeRows.map((r) => [r.code_id, { fileId: r.file_id, name: r.name, qualname: r.qualname, firstLine: r.first_line }]));
  const threads: ThreadInfo[] = threadRows.map((r) => ({ threadId: r.thread_id, ident: r.ident, name: r.name, firstStep: r.first_step }));
  const sc = scopeCols.ints;
  const scopes = new ScopeTable(sc.scope_id, sc.kind, sc.frame_id, scopeCols.texts.module);
  const names: string[] = [];
  for (const r of nameRows) names[r.name_id] = r.name;

  const rc = returnCols.ints;
  const returnCount = rowsUpTo(path, 'returns', rc.step, returnCols.rows, last);
  const returns = new StepValues(rc.step.subarray(0, returnCount), rc.value_id.subarray(0, returnCount));
  // Plain rows of steps past the last one (a killed run) are dropped like chunked ones; a closed file has none,
  // except that a raised exception past the end would be a stop that cannot be shown.
  const inRange = (r: { step: number | null }) => r.step === null || r.step <= last;
  const exceptions: ExceptionRow[] = exceptionRows
    .filter((r) => (killed || r.kind === 'raised' ? inRange(r) : true))
    .map((r) => ({ step: r.step, frameId: r.frame_id ?? 0, type: r.type, message: r.message, traceback: r.traceback ?? '', kind: r.kind }));

  return new Recording(path, meta, stepKind, stepFrame, stepLine, frames, files, code, threads, scopes, names,
    returns, exceptions, killed ? outputRows.filter(inRange) : outputRows, killed ? noticeRows.filter(inRange) : noticeRows);
}

/** The value tables (vals, objects, object_states, bindings): only needed to show or evaluate values. */
async function readValues(db: SqliteFile, path: string, valueChunks: Promise<Map<string, ChunkRow[]>>, last: number): Promise<RecordingValues> {
  const [chunks, typeRows] = await Promise.all([
    valueChunks,
    db.all<{ type_id: number; name: string }>('SELECT type_id, name FROM types'),
  ]);
  const typeNames: string[] = [];
  for (const r of typeRows) typeNames[r.type_id] = r.name;

  const valCols = decode(path, 'vals', chunks);
  const values = new ValueTable(valCols.ints.value_id, valCols.ints.type_id, valCols.values.repr, valCols.ints.object_id, typeNames);

  const objectCols = decode(path, 'objects', chunks);
  const oc = objectCols.ints;
  const objects = new ObjectTable(oc.object_id, oc.type_id, objectCols.texts.kind, oc.first_step, typeNames, last);
  const objectStates = groupObjectStates(path, decode(path, 'object_states', chunks), last);
  const bindings = groupBindings(path, decode(path, 'bindings', chunks), last);
  return { values, objects, objectStates, bindings };
}

async function readChunks(db: SqliteFile, tables: string[]): Promise<Map<string, ChunkRow[]>> {
  const rows = await db.all<ChunkRow>(
    `SELECT tbl, seq, first_row, row_count, data FROM chunks WHERE tbl IN (${tables.map(() => '?').join(', ')}) ORDER BY tbl, seq`, tables);
  const byTable = new Map<string, ChunkRow[]>();
  for (const r of rows) {
    let list = byTable.get(r.tbl);
    if (!list) byTable.set(r.tbl, (list = []));
    list.push(r);
  }
  return byTable;
}

function decode(path: string, table: string, chunks: Map<string, ChunkRow[]>): DecodedTable {
  try {
    return decodeTable(table, chunks.get(table) ?? []);
  } catch (err) {
    if (err instanceof ChunkError) throw new RecordingOpenError(`${path} is corrupt: ${err.message}.`);
    throw err;
  }
}

/** Rows must come in ascending step (the writer's order); rows past `last` (a killed run) are dropped. */
function rowsUpTo(path: string, table: string, step: Int32Array, rows: number, last: number): number {
  for (let i = 0; i < rows; i++) {
    if (i > 0 && step[i] < step[i - 1]) {
      throw new RecordingOpenError(`${path} is corrupt: ${table} row ${i} (step ${step[i]}) comes after a row of step ${step[i - 1]}; rows must be in step order.`);
    }
    if (step[i] > last) return i;
  }
  return rows;
}

/**
 * The start of each key's bucket for a stable counting sort of rows 0..count-1 by a small non-negative
 * key (bucket k holds rows with key k: starts[k] .. starts[k+1]). Throws on a negative key.
 */
function bucketStarts(path: string, table: string, column: string, key: Int32Array, count: number): Int32Array {
  let max = 0;
  let min = 0;
  for (let i = 0; i < count; i++) {
    const k = key[i];
    if (k > max) max = k;
    else if (k < min) min = k;
  }
  if (min < 0) throw new RecordingOpenError(`${path} is corrupt: a ${table} row has ${column} ${min}.`);
  const starts = new Int32Array(max + 2);
  for (let i = 0; i < count; i++) starts[key[i] + 1]++;
  for (let k = 0; k <= max; k++) starts[k + 1] += starts[k];
  return starts;
}

function groupObjectStates(path: string, cols: DecodedTable, last: number): ObjectStateTable {
  const c = cols.ints;
  const count = rowsUpTo(path, 'object_states', c.step, cols.rows, last);
  const fill = bucketStarts(path, 'object_states', 'object_id', c.object_id, count);
  const start = fill.slice();
  const object = new Int32Array(count);
  const step = new Int32Array(count);
  const length = new Int32Array(count);
  const cut = new Int32Array(count);
  const delta = new Uint8Array(count);
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const j = fill[c.object_id[i]]++;
    object[j] = c.object_id[i]; step[j] = c.step[i]; length[j] = c.length[i]; cut[j] = c.cut[i]; delta[j] = c.delta[i] ? 1 : 0;
    order[j] = i;
  }
  return { start, object, step, length, cut, delta, children: cols.texts.children.reordered(order) };
}

function groupBindings(path: string, cols: DecodedTable, last: number): BindingIndex {
  const { scope_id: scopeOf, name_id: nameOf, step: stepOf, value_id: valueOf } = cols.ints;
  // One pass: step order, the rows up to `last`, the id ranges.
  let count = cols.rows;
  let maxScope = 0;
  let maxName = 0;
  let minId = 0;
  for (let i = 0; i < count; i++) {
    const s = stepOf[i];
    if (s > last) { count = i; break; }
    if (i > 0 && s < stepOf[i - 1]) {
      throw new RecordingOpenError(`${path} is corrupt: bindings row ${i} (step ${s}) comes after a row of step ${stepOf[i - 1]}; rows must be in step order.`);
    }
    const scope = scopeOf[i];
    const name = nameOf[i];
    if (scope > maxScope) maxScope = scope;
    if (name > maxName) maxName = name;
    if (scope < minId || name < minId) minId = Math.min(scope, name);
  }
  if (minId < 0) throw new RecordingOpenError(`${path} is corrupt: a bindings row has scope_id or name_id ${minId}.`);
  const step = new Int32Array(count);
  const value = new Int32Array(count);
  const nameCount = maxName + 1;
  const keys = (maxScope + 1) * nameCount;
  if (keys <= Math.max(count, 1 << 16)) {
    // Few (scope, name) pairs for the rows: one stable counting sort by the pair; its buckets are the histories.
    const fill = new Int32Array(keys + 1);
    for (let i = 0; i < count; i++) fill[scopeOf[i] * nameCount + nameOf[i] + 1]++;
    let groups = 0;
    for (let k = 0; k < keys; k++) {
      if (fill[k + 1] > 0) groups++;
      fill[k + 1] += fill[k];
    }
    const groupScope = new Int32Array(groups);
    const groupName = new Int32Array(groups);
    const groupRows = new Int32Array(groups + 1);
    for (let k = 0, g = 0; k < keys; k++) {
      if (fill[k + 1] === fill[k]) continue;
      groupScope[g] = Math.floor(k / nameCount); groupName[g] = k % nameCount; groupRows[g] = fill[k];
      g++;
    }
    groupRows[groups] = count;
    for (let i = 0; i < count; i++) {
      const j = fill[scopeOf[i] * nameCount + nameOf[i]]++;
      step[j] = stepOf[i]; value[j] = valueOf[i];
    }
    return new BindingIndex(groupScope, groupName, groupRows, step, value);
  }
  // Many scopes (deep recursion): two stable counting-sort passes, by name then by scope.
  const byName = bucketStarts(path, 'bindings', 'name_id', nameOf, count);
  const nameOrder = new Int32Array(count);
  for (let i = 0; i < count; i++) nameOrder[byName[nameOf[i]]++] = i;
  const byScope = bucketStarts(path, 'bindings', 'scope_id', scopeOf, count);
  const scope = new Int32Array(count);
  const name = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const i = nameOrder[k];
    const j = byScope[scopeOf[i]]++;
    scope[j] = scopeOf[i]; name[j] = nameOf[i]; step[j] = stepOf[i]; value[j] = valueOf[i];
  }
  return BindingIndex.fromSortedRows(scope, name, step, value);
}
