// The launch.json contract of the adapter: the known fields, their defaults, and validation with actionable
// messages (missing/unreadable program, a bad module name, program and module both, bad cwd, unwritable recording
// path, unknown fields). Must not spawn processes (the interpreter check lives in python-interpreter.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../common/user-error';

export interface LaunchArguments {
  program?: string;
  module?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string | null>;
  python?: string;
  mode?: 'lite' | 'balanced' | 'deep';
  justMyCode?: boolean;
  stopOnEntry?: boolean;
  recording?: string;
  maxRecordingSize?: number;
  buffers?: BufferOptions;
  replay?: string;
}

/** Buffer tracking (docs/buffer-tracking.md), passed to the recorder as its --buffer* options. */
export interface BufferOptions {
  tracking?: boolean;
  fullCopyLimit?: number;
  diffLimit?: number;
  diffHuge?: boolean;
  snapshots?: 'always' | 'on-write';
}

/** What a recording runs: a script (`python program args`) or a module (`python -m module args`), never both. */
export type RecordTarget = { program: string; module?: undefined } | { module: string; program?: undefined };

export type LaunchConfig =
  | { kind: 'replay'; recording: string; stopOnEntry: boolean }
  | ({
      kind: 'record'; args: string[]; cwd: string; env: Record<string, string | null>; python: string;
      mode: 'lite' | 'balanced' | 'deep'; justMyCode: boolean; stopOnEntry: boolean; recording: string;
      maxRecordingSize?: number; buffers: BufferOptions;
    } & RecordTarget);

const OWN_FIELDS = ['program', 'module', 'args', 'cwd', 'env', 'python', 'mode', 'justMyCode', 'stopOnEntry', 'recording', 'maxRecordingSize',
  'buffers', 'replay'];
const BUFFER_FIELDS = ['tracking', 'fullCopyLimit', 'diffLimit', 'diffHuge', 'snapshots'];
/** Fields VS Code itself adds to every launch configuration. */
const VSCODE_FIELDS = ['type', 'request', 'name', 'presentation', 'internalConsoleOptions', 'preLaunchTask', 'postDebugTask',
  'debugServer', 'noDebug', 'suppressMultipleSessionWarning', 'linux', 'windows', 'osx', 'console'];
const MODES = ['lite', 'balanced', 'deep'];

export function validateLaunchArguments(raw: Record<string, unknown>): LaunchConfig {
  const unknown = Object.keys(raw).filter((k) => !OWN_FIELDS.includes(k) && !VSCODE_FIELDS.includes(k) && !k.startsWith('__'));
  if (unknown.length) {
    throw new UserError(`Unknown launch.json field${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}. ` +
      `WaterCodeFlow understands: ${OWN_FIELDS.join(', ')}.`);
  }
  const a = raw as LaunchArguments;
  const stopOnEntry = bool(a.stopOnEntry, 'stopOnEntry', false);
  if (a.replay !== undefined) {
    if (typeof a.replay !== 'string' || a.replay === '') throw new UserError('"replay" must be the path of an existing recording (.wcf).');
    if (a.program !== undefined) throw new UserError('Use either "program" (record and debug) or "replay" (open an existing recording), not both.');
    if (a.module !== undefined) throw new UserError('Use either "module" (record and debug) or "replay" (open an existing recording), not both.');
    const file = path.resolve(a.cwd ?? process.cwd(), a.replay);
    if (!fs.existsSync(file)) throw new UserError(`Recording not found: ${file}. Check the "replay" path in launch.json.`);
    return { kind: 'replay', recording: file, stopOnEntry };
  }
  if (a.program !== undefined && a.module !== undefined) {
    throw new UserError('Use either "program" (a Python file, run as `python program.py`) or "module" (run as `python -m module`), not both.');
  }
  const { cwd, target, stem } = a.module !== undefined ? moduleTarget(a.module, a.cwd) : programTarget(a.program, a.cwd);
  const args = a.args ?? [];
  if (!Array.isArray(args) || args.some((x) => typeof x !== 'string')) throw new UserError('"args" must be an array of strings.');
  const env = a.env ?? {};
  if (typeof env !== 'object' || Array.isArray(env)) throw new UserError('"env" must be an object of NAME: value strings.');
  const python = a.python ?? 'python3';
  if (typeof python !== 'string' || python === '') throw new UserError('"python" must be the interpreter command or path, e.g. "python3".');
  const mode = a.mode ?? 'balanced';
  if (!MODES.includes(mode)) throw new UserError(`"mode" must be one of ${MODES.join(', ')} (got "${String(mode)}").`);
  if (a.maxRecordingSize !== undefined && (typeof a.maxRecordingSize !== 'number' || a.maxRecordingSize <= 0)) {
    throw new UserError('"maxRecordingSize" must be a positive number of bytes.');
  }
  const recording = a.recording !== undefined ? path.resolve(cwd, a.recording) : freshRecordingPath(stem);
  checkWritable(recording);
  return {
    kind: 'record', ...target, args, cwd, env, python, mode, justMyCode: bool(a.justMyCode, 'justMyCode', true), stopOnEntry,
    recording, maxRecordingSize: a.maxRecordingSize, buffers: bufferOptions(a.buffers),
  };
}

function bufferOptions(raw: unknown): BufferOptions {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`"buffers" must be an object with some of: ${BUFFER_FIELDS.join(', ')}.`);
  }
  const b = raw as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !BUFFER_FIELDS.includes(k));
  if (unknown.length) throw new UserError(`Unknown "buffers" field ${unknown.map((u) => `"${u}"`).join(', ')}. Known: ${BUFFER_FIELDS.join(', ')}.`);
  for (const limit of ['fullCopyLimit', 'diffLimit']) {
    const v = b[limit];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
      throw new UserError(`"buffers.${limit}" must be a whole number of bytes (0 or more).`);
    }
  }
  if (b.snapshots !== undefined && b.snapshots !== 'always' && b.snapshots !== 'on-write') {
    throw new UserError('"buffers.snapshots" must be "always" or "on-write".');
  }
  return {
    tracking: bool(b.tracking, 'buffers.tracking', true), fullCopyLimit: b.fullCopyLimit as number | undefined,
    diffLimit: b.diffLimit as number | undefined, diffHuge: bool(b.diffHuge, 'buffers.diffHuge', false),
    snapshots: b.snapshots as BufferOptions['snapshots'],
  };
}

/** The recording's target alone, as the recorder process takes it. */
export function recordTarget(config: RecordTarget): RecordTarget {
  return config.module !== undefined ? { module: config.module } : { program: config.program };
}

/** How a run is named to the user: the module, or the program's file name. */
export function targetLabel(config: RecordTarget): string {
  return config.module !== undefined ? `python -m ${config.module}` : path.basename(config.program);
}

interface ResolvedTarget { cwd: string; target: RecordTarget; stem: string }

function programTarget(program: unknown, cwdField: string | undefined): ResolvedTarget {
  if (typeof program !== 'string' || program === '') {
    throw new UserError('launch.json needs "program": the Python script to record, or "module": a module to run as `python -m` ' +
      '(or "replay": a recording to open).');
  }
  const cwd = existingCwd(cwdField ?? path.dirname(path.resolve(program)));
  const file = path.resolve(cwd, program);
  if (!fs.existsSync(file)) throw new UserError(`Program not found: ${file}. Check "program" in launch.json (relative paths start at "cwd").`);
  if (isDirectory(file)) throw new UserError(`"program" ${file} is a directory; give the Python file to run.`);
  try { fs.accessSync(file, fs.constants.R_OK); } catch {
    throw new UserError(`Program ${file} is not readable; check its permissions.`);
  }
  return { cwd, target: { program: file }, stem: path.basename(file, path.extname(file)) };
}

/** `python -m` finds the module itself (the recorder says "No module named ..." when it cannot): only its form is
 * checked here. The cwd is where `python -m` looks first, so it has no default of its own here (VS Code fills in
 * the workspace folder). */
function moduleTarget(module: unknown, cwdField: string | undefined): ResolvedTarget {
  if (typeof module !== 'string' || module.trim() === '') {
    throw new UserError('"module" must be the name of a module to run as `python -m`, e.g. "pytest" or "mypackage.cli".');
  }
  if (/[\\/]/.test(module) || module.endsWith('.py')) {
    throw new UserError(`"module" ${JSON.stringify(module)} looks like a file: give its dotted module name (e.g. "mypackage.cli"), ` +
      'or record the file with "program" instead.');
  }
  if (module.startsWith('.')) throw new UserError(`"module" ${JSON.stringify(module)} is relative: give the full dotted name, e.g. "mypackage.cli".`);
  if (cwdField === undefined) {
    throw new UserError('"module" needs "cwd": the folder `python -m` runs in and finds the module from first (e.g. "${workspaceFolder}").');
  }
  return { cwd: existingCwd(cwdField), target: { module }, stem: module };
}

function existingCwd(cwdField: string): string {
  const cwd = path.resolve(cwdField);
  if (!isDirectory(cwd)) throw new UserError(`"cwd" ${cwd} is not an existing directory.`);
  return cwd;
}

function bool(v: unknown, name: string, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new UserError(`"${name}" must be true or false.`);
  return v;
}

function isDirectory(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

function freshRecordingPath(stem: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watercodeflow-'));
  return path.join(dir, `${stem}.wcf`);
}

function checkWritable(recording: string): void {
  const dir = path.dirname(recording);
  if (!isDirectory(dir)) throw new UserError(`Cannot write the recording to ${recording}: folder ${dir} does not exist. Create it or change "recording".`);
  if (isDirectory(recording)) throw new UserError(`"recording" ${recording} is a directory; give a file path such as ${path.join(recording, 'run.wcf')}.`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    if (fs.existsSync(recording)) fs.accessSync(recording, fs.constants.W_OK);
  } catch {
    throw new UserError(`Cannot write the recording to ${recording}: permission denied. Change "recording" to a writable path.`);
  }
}
