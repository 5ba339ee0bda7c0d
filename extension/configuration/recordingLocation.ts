// Where recordings go when launch.json does not say ("recording" unset): the extension's storage folder, one
// file per run, oldest pruned beyond a count. No vscode import; it must not touch files outside that folder.
import * as fs from 'fs';
import * as path from 'path';

export const RECORDINGS_KEPT = 10;
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/** `<storage>/recordings/<program stem>-<YYYYMMDD-HHMMSS>.wcf` (created folder; a suffix if the name is taken). */
export function newRecordingPath(storageDir: string, program: string, now = new Date()): string {
  return stampedRecordingPath(storageDir, path.basename(program, path.extname(program)), now);
}

/** The same for a `python -m` run: `<storage>/recordings/<module>-<YYYYMMDD-HHMMSS>.wcf`. */
export function newModuleRecordingPath(storageDir: string, module: string, now = new Date()): string {
  return stampedRecordingPath(storageDir, module, now);
}

function stampedRecordingPath(storageDir: string, name: string, now: Date): string {
  const dir = recordingsDir(storageDir);
  fs.mkdirSync(dir, { recursive: true });
  const stem = name.replace(/[^\w.-]+/g, '_') || 'program';
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  let candidate = path.join(dir, `${stem}-${stamp}.wcf`);
  for (let i = 2; fs.existsSync(candidate); i++) candidate = path.join(dir, `${stem}-${stamp}-${i}.wcf`);
  return candidate;
}

export function recordingsDir(storageDir: string): string {
  return path.join(storageDir, 'recordings');
}

/** Deletes the oldest recordings (and their SQLite side files) so that at most `keep` remain. Returns them. */
export function pruneRecordings(dir: string, keep = RECORDINGS_KEPT): string[] {
  if (!fs.existsSync(dir)) return [];
  const recordings = fs.readdirSync(dir)
    .filter((name) => name.endsWith('.wcf'))
    .map((name) => ({ file: path.join(dir, name), mtime: fs.statSync(path.join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  const removed: string[] = [];
  for (const { file } of recordings.slice(Math.max(0, keep))) {
    for (const f of [file, ...SIDE_FILES.map((s) => file + s)]) fs.rmSync(f, { force: true });
    removed.push(file);
  }
  return removed;
}
