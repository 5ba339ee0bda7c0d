// Runs a fixture under the independent reference tracer (tools/reference_trace.py: plain sys.settrace, no
// WaterCodeFlow code) and exposes its events. Expected values come from here or from reasoning, never the adapter.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { programsDir, referenceTracerPath, scratchDir, testPython } from './paths';

export interface ReferenceEvent {
  event: 'line' | 'call' | 'return' | 'exception';
  thread: string;
  frame: number;
  function: string;
  path: string;
  line: number;
  depth: number;
  locals: Record<string, string>;
  returned?: string;
  exception?: string;
}

export interface ReferenceRun {
  program: string;
  events: ReferenceEvent[];
  uncaught: string | null;
}

const runs = new Map<string, ReferenceRun>();

export function referenceRun(fixture: string, args: string[] = []): ReferenceRun {
  const key = `${fixture} ${args.join(' ')}`;
  let run = runs.get(key);
  if (!run) {
    const output = path.join(scratchDir('reference'), 'trace.json');
    execFileSync(testPython(), [referenceTracerPath(), output, path.join(programsDir(), fixture), ...args], {
      cwd: programsDir(),
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 60_000,
    });
    run = JSON.parse(fs.readFileSync(output, 'utf8')) as ReferenceRun;
    fs.rmSync(path.dirname(output), { recursive: true, force: true });
    runs.set(key, run);
  }
  return run;
}

/**
 * The stops `next` makes from the line event at `fromIndex` on, as pdb/debugpy do it: the following line
 * events of the same frame; when the frame returns, the caller on its call line (then the caller's own lines).
 */
export interface ExpectedStop {
  function: string;
  line: number;
  frame: number;
  /** The reference line event of this stop; undefined for a landing in the caller after a return. */
  event?: ReferenceEvent;
}

export function expectedNextStops(run: ReferenceRun, fromIndex: number, count: number): ExpectedStop[] {
  const stops: ExpectedStop[] = [];
  const events = run.events;
  const current = events[fromIndex];
  const callerLine = new Map<number, { frame: number; function: string; line: number }>();
  // The caller of each frame, and the caller's line at the moment of the call.
  const lastLineOfFrame = new Map<number, ReferenceEvent>();
  const stackByThread = new Map<string, number[]>();
  for (const event of events) {
    const stack = stackByThread.get(event.thread) ?? [];
    stackByThread.set(event.thread, stack);
    if (event.event === 'call') {
      const parent = stack[stack.length - 1];
      if (parent !== undefined) {
        const parentLine = lastLineOfFrame.get(parent);
        if (parentLine) {
          callerLine.set(event.frame, { frame: parent, function: parentLine.function, line: parentLine.line });
        }
      }
      stack.push(event.frame);
    } else if (event.event === 'return') {
      stack.pop();
    } else if (event.event === 'line') {
      lastLineOfFrame.set(event.frame, event);
    }
  }
  let index = fromIndex;
  let frame = current.frame;
  while (stops.length < count) {
    index += 1;
    if (index >= events.length) {
      break;
    }
    const event = events[index];
    if (event.thread !== current.thread) {
      continue;
    }
    if (event.event === 'line' && event.frame === frame) {
      stops.push({ function: event.function, line: event.line, frame, event });
    } else if (event.event === 'return' && event.frame === frame) {
      const caller = callerLine.get(frame);
      if (!caller) {
        break;
      }
      stops.push({ function: caller.function, line: caller.line, frame: caller.frame });
      frame = caller.frame;
    }
  }
  return stops;
}

/** Index of the n-th (0-based) line event at `line` of `fixturePath`. */
export function nthLineEvent(run: ReferenceRun, fixturePath: string, line: number, n = 0): number {
  let seen = 0;
  for (let index = 0; index < run.events.length; index += 1) {
    const event = run.events[index];
    if (event.event === 'line' && event.path === fixturePath && event.line === line) {
      if (seen === n) {
        return index;
      }
      seen += 1;
    }
  }
  throw new Error(`the reference run never executed ${fixturePath}:${line} ${n + 1} time(s)`);
}
