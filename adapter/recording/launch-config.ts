// The launch.json contract of the adapter: the known fields, their defaults, and validation with actionable
// messages (missing/unreadable program, bad cwd, unwritable recording path, unknown fields). Must not spawn
// processes (the interpreter check lives in python-interpreter.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../common/user-error';

export interface LaunchArguments {
  program?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string | null>;
  python?: string;
  mode?: 'lite' | 'balanced' | 'deep';
  justMyCode?: boolean;
  stopOnEntry?: boolean;
  recording?: string;
  maxRecordingSize?: number;
  replay?: string;
}

export type LaunchConfig =
  | { kind: 'replay'; recording: string; stopOnEntry: boolean }
  | {
      kind: 'record'; program: string; args: string[]; cwd: string; env: Record<string, string | null>; python: string;
      mode: 'lite' | 'balanced' | 'deep'; justMyCode: boolean; stopOnEntry: boolean; recording: string;
      maxRecordingSize?: number;
    };

const OWN_FIELDS = ['program', 'args', 'cwd', 'env', 'python', 'mode', 'justMyCode', 'stopOnEntry', 'recording', 'maxRecordingSize', 'replay'];
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
    const file = path.resolve(a.cwd ?? process.cwd(), a.replay);
    if (!fs.existsSync(file)) throw new UserError(`Recording not found: ${file}. Check the "replay" path in launch.json.`);
    return { kind: 'replay', recording: file, stopOnEntry };
  }
  if (typeof a.program !== 'string' || a.program === '') {
    throw new UserError('launch.json needs "program": the Python script to record (or "replay": a recording to open).');
  }
  const cwd = path.resolve(a.cwd ?? path.dirname(path.resolve(a.program)));
  if (!isDirectory(cwd)) throw new UserError(`"cwd" ${cwd} is not an existing directory.`);
  const program = path.resolve(cwd, a.program);
  if (!fs.existsSync(program)) throw new UserError(`Program not found: ${program}. Check "program" in launch.json (relative paths start at "cwd").`);
  if (isDirectory(program)) throw new UserError(`"program" ${program} is a directory; give the Python file to run.`);
  try { fs.accessSync(program, fs.constants.R_OK); } catch {
    throw new UserError(`Program ${program} is not readable; check its permissions.`);
  }
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
  const recording = a.recording !== undefined ? path.resolve(cwd, a.recording) : freshRecordingPath(program);
  checkWritable(recording);
  return {
    kind: 'record', program, args, cwd, env, python, mode, justMyCode: bool(a.justMyCode, 'justMyCode', true), stopOnEntry,
    recording, maxRecordingSize: a.maxRecordingSize,
  };
}

function bool(v: unknown, name: string, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new UserError(`"${name}" must be true or false.`);
  return v;
}

function isDirectory(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

function freshRecordingPath(program: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watercodeflow-'));
  return path.join(dir, `${path.basename(program, path.extname(program))}.wcf`);
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
