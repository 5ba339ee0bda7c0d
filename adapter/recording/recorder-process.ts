// Runs the Python recorder as a child process per docs/launch-protocol.md: JSON-line progress on fd 3,
// "stop\n" on fd 4, the program's stdout/stderr on the child's own. Emits output/progress/end; must not
// open or read the recording (the session does that after the run).
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { EventEmitter } from 'events';
import { Readable, Writable } from 'stream';
import type { BufferOptions, RecordTarget } from './launch-config';

export type RecorderOptions = {
  python: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv; recording: string;
  mode: string; justMyCode: boolean; maxRecordingSize?: number; buffers?: BufferOptions; nativeDir: string;
} & RecordTarget;

export interface RecorderEnd {
  /** From the recorder's own "end" event when it sent one. */
  status?: string; steps?: number; exitCode?: number | null; message?: string;
  /** How the recorder process itself ended. */
  processExitCode: number | null; signal: NodeJS.Signals | null;
}

export interface RecorderEvents {
  output: (category: 'stdout' | 'stderr', text: string) => void;
  progress: (steps: number, elapsedMs: number) => void;
  start: (info: Record<string, unknown>) => void;
  end: (end: RecorderEnd) => void;
}

export class RecorderProcess extends EventEmitter {
  private child?: ChildProcess;
  private endEvent?: Record<string, unknown>;
  private stopRequested = false;
  private finished?: Promise<RecorderEnd>;

  constructor(private readonly options: RecorderOptions) { super(); }

  static commandLine(o: RecorderOptions): string[] {
    const argv = ['-m', 'watercodeflow', 'record', '--out', o.recording, '--progress-fd', '3', '--control-fd', '4', '--mode', o.mode];
    if (!o.justMyCode) argv.push('--no-just-my-code');
    if (o.maxRecordingSize !== undefined) argv.push('--max-size', String(o.maxRecordingSize));
    const b = o.buffers ?? {};
    if (b.tracking === false) argv.push('--buffers', 'off');
    if (b.fullCopyLimit !== undefined) argv.push('--buffer-full-limit', String(b.fullCopyLimit));
    if (b.diffLimit !== undefined) argv.push('--buffer-diff-limit', String(b.diffLimit));
    if (b.diffHuge) argv.push('--buffer-diff-huge');
    if (b.snapshots !== undefined) argv.push('--buffer-snapshots', b.snapshots);
    // `-m MODULE` ends the recorder's options as `-- program` does: what follows is the program's own argv.
    return o.module !== undefined ? [...argv, '-m', o.module, ...o.args] : [...argv, '--', o.program, ...o.args];
  }

  /** Starts the recorder; resolves when it has ended (for any reason). */
  run(): Promise<RecorderEnd> {
    if (this.finished) return this.finished;
    const o = this.options;
    const pythonPath = [o.nativeDir, o.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    this.finished = new Promise((resolve) => {
      const child = spawn(o.python, RecorderProcess.commandLine(o), {
        cwd: o.cwd, env: { ...o.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1' },
        stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      });
      this.child = child;
      // The debug console cannot type into the program: it reads EOF, as under `python prog.py < /dev/null`.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end();
      child.stdout!.setEncoding('utf8').on('data', (t: string) => this.emit('output', 'stdout', t));
      child.stderr!.setEncoding('utf8').on('data', (t: string) => this.emit('output', 'stderr', t));
      readJsonLines(child.stdio[3] as Readable, (event) => this.onProgressEvent(event));
      const control = child.stdio[4] as Writable;
      control.on('error', () => undefined); // the recorder may have exited already
      if (this.stopRequested) this.sendStop();
      let settled = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        const e = this.endEvent ?? {};
        const end: RecorderEnd = {
          status: e.status as string | undefined, steps: e.steps as number | undefined,
          exitCode: e.exitCode as number | null | undefined, message: e.message as string | undefined,
          processExitCode: code, signal,
        };
        this.emit('end', end);
        resolve(end);
      };
      child.on('error', (err) => {
        this.emit('output', 'stderr', `Could not start the recorder with "${o.python}": ${err.message}\n`);
        finish(null, null);
      });
      child.on('close', finish);
    });
    return this.finished;
  }

  /** Ends the recording where the program is; the recorder keeps what it has and exits. */
  stop(): void {
    this.stopRequested = true;
    this.sendStop();
  }

  /** Last resort (terminate/disconnect): kill the recorder and the program. */
  kill(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private sendStop(): void {
    const control = this.child?.stdio[4] as Writable | undefined;
    if (control && !control.destroyed) {
      control.write('stop\n');
      control.end();
    }
  }

  private onProgressEvent(event: Record<string, unknown>): void {
    if (event.event === 'progress') this.emit('progress', Number(event.steps ?? 0), Number(event.elapsedMs ?? 0));
    else if (event.event === 'start') this.emit('start', event);
    else if (event.event === 'end') this.endEvent = event;
  }
}

function readJsonLines(stream: Readable, onEvent: (e: Record<string, unknown>) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (!line) continue;
      try { onEvent(JSON.parse(line)); } catch { /* a malformed progress line is not worth failing the run */ }
    }
  });
  stream.on('error', () => undefined);
}
