// Opens a recording file and loads it into a Recording (typed arrays + maps), validating what a reader
// must check: format, schema version, step numbering. Must not write to the file; must not know about DAP.
import * as fs from 'fs';
import { ColumnSpec, readColumns } from './column-loader';
import { SqliteFile } from './sqlite-file';
import { checkSchemaVersion, RECORDING_FORMAT_NAME } from './schema';
import {
  BindingHistory, CodeInfo, ExceptionRow, FrameTable, NoticeRow, ObjectHistory, ObjectInfo, ObjectStateRow,
  OutputRow, Recording, RecordingValues, ScopeInfo, ThreadInfo,
} from './recording';

const REQUIRED_TABLES = ['meta', 'files', 'code', 'threads', 'scopes', 'frames', 'steps', 'names', 'vals',
  'bindings', 'objects', 'object_states', 'returns', 'exceptions'];

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
  try {
    rec = await readAll(db, path);
  } catch (err) {
    await db.close();
    throw corrupt(err);
  }
  const values = readValues(db).then((v) => rec.attachValues(v), (err) => { throw corrupt(err); })
    .finally(() => db.close());
  if (options.deferValues) {
    rec.valuesReady = values;
    values.catch(() => undefined); // observed by whoever awaits valuesReady
  } else {
    await values;
  }
  return rec;
}

async function readAll(db: SqliteFile, path: string): Promise<Recording> {
  const tables = await db.tableNames();
  const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
  if (missing.includes('meta')) throw new RecordingOpenError(`${path} is not a WaterCodeFlow recording (no meta table).`);
  const meta = new Map<string, string>();
  for (const r of await db.all<{ key: string; value: string }>('SELECT key, value FROM meta')) meta.set(r.key, r.value);
  const format = meta.get('format');
  if (format !== undefined && format !== RECORDING_FORMAT_NAME) {
    throw new RecordingOpenError(`${path} has format '${format}', not '${RECORDING_FORMAT_NAME}'.`);
  }
  checkSchemaVersion(meta, path);
  if (missing.length) throw new RecordingOpenError(`${path} is missing tables ${missing.join(', ')}; the recording is corrupt.`);

  const [steps, stepRange, frameCols, fileRows, codeRows, threadRows, scopeRows, nameRows,
    returnRows, exceptionRows, outputRows, noticeRows] = await Promise.all([
    readColumns(db, 'steps', [int('kind'), int('frame_id'), int('line')], 'step'),
    db.all<{ lo: number | null; hi: number | null; n: number }>('SELECT min(step) AS lo, max(step) AS hi, count(*) AS n FROM steps'),
    readColumns(db, 'frames', [int('frame_id'), int('parent_id'), int('code_id'), int('thread_id', 1), int('depth'),
      int('locals_scope'), int('globals_scope'), int('call_step'), int('end_step', -1)], 'frame_id'),
    db.all<{ file_id: number; path: string }>('SELECT file_id, path FROM files'),
    db.all<{ code_id: number; file_id: number; name: string; qualname: string; first_line: number }>('SELECT * FROM code'),
    db.all<{ thread_id: number; ident: number; name: string; first_step: number }>('SELECT * FROM threads ORDER BY thread_id'),
    db.all<{ scope_id: number; kind: string; frame_id: number | null; module: string | null }>('SELECT * FROM scopes'),
    db.all<{ name_id: number; name: string }>('SELECT name_id, name FROM names'),
    db.all<{ step: number; value_id: number | null }>('SELECT step, value_id FROM returns'),
    db.all<{ step: number; frame_id: number | null; type: string; message: string; traceback: string | null; kind: string }>('SELECT step, frame_id, type, message, traceback, kind FROM exceptions ORDER BY step, rowid'),
    tables.has('output') ? db.all<OutputRow>('SELECT step, stream, text FROM output ORDER BY step, rowid') : Promise.resolve([]),
    tables.has('notices') ? db.all<NoticeRow>('SELECT step, kind, message FROM notices ORDER BY step, rowid') : Promise.resolve([]),
  ]);

  const n = steps.rows;
  if (n === 0) {
    const uncaught = exceptionRows.find((e) => e.kind === 'uncaught');
    if (uncaught) throw new RecordingOpenError(`The program did not run any line: ${uncaught.type}: ${uncaught.message} (recording ${path}).`);
    throw new RecordingOpenError(`${path} contains no steps: the program did not run any traced line (was it empty, excluded by justMyCode, or did the recorder fail? see its output).`);
  }
  // step is the rowid: unique, so min 0 and max n-1 over n rows means no gaps.
  const [{ lo, hi }] = stepRange;
  if (lo !== 0 || hi !== n - 1) {
    throw new RecordingOpenError(`${path} is corrupt: its ${n} steps are numbered ${lo}…${hi}; steps must be numbered from 0 without gaps.`);
  }
  const stepKind = Uint8Array.from(steps.ints.kind);
  const stepFrame = steps.ints.frame_id;
  const stepLine = steps.ints.line;

  const frameIds = frameCols.ints.frame_id;
  const fc = (frameIds.length ? frameIds[frameIds.length - 1] : 0) + 1;
  const frames: FrameTable = {
    parent: new Int32Array(fc), code: new Int32Array(fc), thread: new Int32Array(fc), depth: new Int32Array(fc),
    localsScope: new Int32Array(fc), globalsScope: new Int32Array(fc), callStep: new Int32Array(fc),
    endStep: new Int32Array(fc).fill(-1),
  };
  const fcol = frameCols.ints;
  for (let i = 0; i < frameCols.rows; i++) {
    const f = frameIds[i];
    frames.parent[f] = fcol.parent_id[i]; frames.code[f] = fcol.code_id[i]; frames.thread[f] = fcol.thread_id[i];
    frames.depth[f] = fcol.depth[i]; frames.localsScope[f] = fcol.locals_scope[i]; frames.globalsScope[f] = fcol.globals_scope[i];
    frames.callStep[f] = fcol.call_step[i]; frames.endStep[f] = fcol.end_step[i];
  }
  for (let i = 0; i < n; i++) {
    if (stepFrame[i] <= 0 || stepFrame[i] >= fc) throw new RecordingOpenError(`${path} is corrupt: step ${i} refers to unknown frame ${stepFrame[i]}.`);
  }

  const files = new Map<number, string>(fileRows.map((r) => [r.file_id, r.path]));
  const code = new Map<number, CodeInfo>(codeRows.map((r) => [r.code_id, { fileId: r.file_id, name: r.name, qualname: r.qualname, firstLine: r.first_line }]));
  const threads: ThreadInfo[] = threadRows.map((r) => ({ threadId: r.thread_id, ident: r.ident, name: r.name, firstStep: r.first_step }));
  const scopes = new Map<number, ScopeInfo>(scopeRows.map((r) => [r.scope_id, {
    scopeId: r.scope_id, kind: r.kind === 'globals' ? 'globals' : 'locals', frameId: r.frame_id ?? 0, module: r.module ?? '',
  }]));
  const names: string[] = [];
  for (const r of nameRows) names[r.name_id] = r.name;

  const returns = new Map<number, number>(returnRows.map((r) => [r.step, r.value_id ?? 0]));
  const exceptions: ExceptionRow[] = exceptionRows.map((r) => ({
    step: r.step, frameId: r.frame_id ?? 0, type: r.type, message: r.message, traceback: r.traceback ?? '', kind: r.kind,
  }));

  return new Recording(path, meta, stepKind, stepFrame, stepLine, frames, files, code, threads, scopes, names,
    returns, exceptions, outputRows, noticeRows);
}

/** The value tables (vals, objects, object_states, bindings): only needed to show or evaluate values. */
async function readValues(db: SqliteFile): Promise<RecordingValues> {
  const [valCols, objectRows, stateCols, bindingCols] = await Promise.all([
    readColumns(db, 'vals', [int('value_id'), int('object_id'), text('type'), text('repr')], 'value_id'),
    db.all<{ object_id: number; type: string; kind: string; first_step: number }>('SELECT * FROM objects'),
    readColumns(db, 'object_states', [int('object_id'), int('step'), int('length'), int('cut'), text('children')], 'object_id, step, rowid'),
    readColumns(db, 'bindings', [int('scope_id'), int('name_id'), int('step'), int('value_id')], 'scope_id, name_id, step, rowid'),
  ]);
  const valIds = valCols.ints.value_id;
  const maxVal = valIds.length ? valIds[valIds.length - 1] : 0;
  const valType: string[] = new Array(maxVal + 1);
  const valRepr: (string | null)[] = new Array(maxVal + 1);
  const valObject = new Int32Array(maxVal + 1);
  const types = valCols.texts.type;
  const reprs = valCols.texts.repr;
  const objectIds = valCols.ints.object_id;
  for (let i = 0; i < valCols.rows; i++) {
    const id = valIds[i];
    valType[id] = types[i] ?? 'object'; valRepr[id] = reprs[i]; valObject[id] = objectIds[i];
  }

  const objects = new Map<number, ObjectInfo>(objectRows.map((r) => [r.object_id, { type: r.type, kind: r.kind, firstStep: r.first_step }]));
  const objectHistory = new Map<number, ObjectHistory>();
  const sc = stateCols.ints;
  const children = stateCols.texts.children;
  forEachRun(sc.object_id, sc.object_id, (lo, hi) => {
    const states: ObjectStateRow[] = [];
    for (let i = lo; i < hi; i++) states.push({ step: sc.step[i], length: sc.length[i], childrenJson: children[i] ?? '[]', cut: sc.cut[i] });
    objectHistory.set(sc.object_id[lo], { steps: sc.step.subarray(lo, hi), states });
  });

  const bindings = new Map<number, Map<number, BindingHistory>>();
  const bc = bindingCols.ints;
  forEachRun(bc.scope_id, bc.name_id, (lo, hi) => {
    const scopeId = bc.scope_id[lo];
    let scope = bindings.get(scopeId);
    if (!scope) bindings.set(scopeId, (scope = new Map()));
    scope.set(bc.name_id[lo], { steps: bc.step.subarray(lo, hi), values: bc.value_id.subarray(lo, hi), firstStep: bc.step[lo] });
  });

  return { valType, valRepr, valObject, objects, objectHistory, bindings };
}

/** Calls `each(lo, hi)` once per run of rows with equal (a[i], b[i]); rows must be sorted by (a, b). */
function forEachRun(a: Int32Array, b: Int32Array, each: (lo: number, hi: number) => void): void {
  let lo = 0;
  for (let i = 1; i <= a.length; i++) {
    if (i === a.length || a[i] !== a[lo] || b[i] !== b[lo]) {
      if (i > lo) each(lo, i);
      lo = i;
    }
  }
}

const int = (name: string, nullAs = 0): ColumnSpec => ({ name, kind: 'int', nullAs });
const text = (name: string): ColumnSpec => ({ name, kind: 'text' });
