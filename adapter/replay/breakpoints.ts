// All breakpoint kinds resolved against a recording: line (condition, hit count, logpoint), function,
// exception (raised / uncaught) and data. Answers "nearest stop from step N in a direction" by binary search.
// Conditions are evaluated once per hit when set, on recorded values. Must not know about DAP messages.
import * as fs from 'fs';
import * as path from 'path';
import { RecordedEvaluator } from '../evaluate/evaluator';
import { Recording } from '../timeline/recording';
import { StepKind } from '../timeline/schema';
import { BufferWatchStops } from './buffer-watches';
import { decodeDataId, describeChange, changeSteps, DataLocation, isVisibleChange } from './data-breakpoints';
import { Direction } from './direction';
import { parseHitCondition } from './hit-condition';
import { compileLogMessage, LogLines } from './log-message';
import { nearestInDirection, sortedUnique } from './step-set';
import { StopPoint, StopReason } from './stop-point';

export interface SourceBreakpointSpec { line: number; condition?: string; hitCondition?: string; logMessage?: string }
export interface BreakpointStatus { id: number; line?: number; verified: boolean; message?: string }

interface ResolvedBreakpoint {
  id: number;
  spec: SourceBreakpointSpec | { name: string; condition?: string; hitCondition?: string };
  verified: boolean;
  message?: string;
  stops: Int32Array;
  reason: StopReason;
  logLines?: LogLines;
}

interface DataWatch { id: number; loc: DataLocation; label: string; stops: Int32Array; bufferStops?: BufferWatchStops }

/** Hits per breakpoint whose condition / logpoint message `probeExpressions` evaluates ahead. */
export const PROBED_HITS = 2000;

export const EXCEPTION_FILTERS = [
  { filter: 'raised', label: 'Raised Exceptions', default: false, description: 'Stop at every raise, in both directions' },
  { filter: 'uncaught', label: 'Uncaught Exceptions', default: true, description: 'Stop at the exception that ended the program' },
];

export class BreakpointManager {
  private rec?: Recording;
  private nextId = 1;
  private readonly sourceSpecs = new Map<string, Array<{ id: number; spec: SourceBreakpointSpec }>>();
  private readonly resolvedSources = new Map<string, ResolvedBreakpoint[]>();
  private functionSpecs: Array<{ id: number; name: string; condition?: string; hitCondition?: string }> = [];
  private resolvedFunctions: ResolvedBreakpoint[] = [];
  private exceptionFilters = new Set<string>(['uncaught']);
  private exceptionStops: { raised: Int32Array; uncaught: Int32Array } = { raised: new Int32Array(0), uncaught: new Int32Array(0) };
  private dataWatches: DataWatch[] = [];

  get recording(): Recording | undefined { return this.rec; }

  /** Resolves every breakpoint set so far against a newly opened recording. Returns all logpoint output. */
  attach(rec: Recording): LogLines {
    this.rec = rec;
    const raised: number[] = [];
    const uncaught: number[] = [];
    for (const e of rec.exceptions) {
      if (e.kind === 'uncaught') uncaught.push(uncaughtRaiseStep(rec, e));
      else raised.push(e.step);
    }
    this.exceptionStops = { raised: sortedUnique(raised), uncaught: sortedUnique(uncaught) };
    const logs: LogLines[] = [];
    for (const [source, specs] of this.sourceSpecs) {
      const resolved = specs.map(({ id, spec }) => this.resolveSource(source, id, spec));
      this.resolvedSources.set(source, resolved);
      for (const r of resolved) if (r.logLines) logs.push(r.logLines);
    }
    this.resolvedFunctions = this.functionSpecs.map((f) => this.resolveFunction(f));
    return LogLines.merge(logs);
  }

  /** True when some breakpoint set so far evaluates expressions (condition, logpoint), i.e. needs values. */
  needsValues(): boolean {
    const evaluates = (x: { condition?: string; logMessage?: string }) => !!(x.condition?.trim() || x.logMessage !== undefined);
    for (const specs of this.sourceSpecs.values()) if (specs.some(({ spec }) => evaluates(spec))) return true;
    return this.functionSpecs.some(evaluates);
  }

  /**
   * Evaluates the conditions and logpoint messages of source breakpoints (of `sourcePath` with `specs`, or all
   * set so far) in `rec` at their first `limit` hits and drops the results. Run inside BufferHistory.settle, it
   * loads the array states they read, so resolving them afterwards (synchronously) finds those states.
   */
  probeExpressions(rec: Recording, sourcePath?: string, specs?: SourceBreakpointSpec[], limit = PROBED_HITS): void {
    const sources: Array<[string, SourceBreakpointSpec[]]> = sourcePath !== undefined ? [[sourcePath, specs ?? []]]
      : [...this.sourceSpecs].map(([source, list]) => [source, list.map((s) => s.spec)]);
    for (const [source, list] of sources) {
      const fileId = findFileId(rec, source);
      if (fileId === undefined) continue;
      for (const spec of list) {
        const condition = spec.condition?.trim() ? spec.condition : undefined;
        if (!condition && spec.logMessage === undefined) continue;
        const template = spec.logMessage !== undefined ? compileLogMessage(spec.logMessage) : undefined;
        const hits = rec.stepsOfLine(fileId, spec.line);
        for (let i = 0; i < Math.min(limit, hits.length); i++) {
          const step = hits[i];
          try {
            if (condition) new RecordedEvaluator(rec, step, rec.stepFrame[step]).evaluateValue(condition);
            template?.(rec, step);
          } catch {
            // reported when the breakpoint is resolved for real
          }
        }
      }
    }
  }

  /** Replaces the breakpoints of one source file. New logpoints' output over the whole recording is returned. */
  setSourceBreakpoints(sourcePath: string, specs: SourceBreakpointSpec[]): { statuses: BreakpointStatus[]; logs: LogLines } {
    const key = normalizePath(sourcePath);
    const old = this.sourceSpecs.get(key) ?? [];
    const oldByLine = new Map(old.map((o) => [o.spec.line, o]));
    const kept = specs.map((spec) => {
      const previous = oldByLine.get(spec.line);
      return { id: previous?.id ?? this.nextId++, spec, isNew: !previous || !sameSpec(previous.spec, spec) };
    });
    this.sourceSpecs.set(key, kept.map(({ id, spec }) => ({ id, spec })));
    if (!this.rec) {
      return {
        statuses: kept.map(({ id, spec }) => ({ id, line: spec.line, verified: false, message: 'Waiting for the recording to finish' })),
        logs: LogLines.EMPTY,
      };
    }
    const resolved = kept.map(({ id, spec }) => this.resolveSource(key, id, spec));
    this.resolvedSources.set(key, resolved);
    const logs: LogLines[] = [];
    resolved.forEach((r, i) => { if (kept[i].isNew && r.logLines) logs.push(r.logLines); });
    return { statuses: resolved.map(statusOf), logs: LogLines.merge(logs) };
  }

  /** Statuses of every source breakpoint, for `breakpoint changed` events after a recording is attached. */
  allSourceStatuses(): Array<BreakpointStatus & { source: string }> {
    const out: Array<BreakpointStatus & { source: string }> = [];
    for (const [source, list] of this.resolvedSources) for (const r of list) out.push({ ...statusOf(r), source });
    return out;
  }

  setFunctionBreakpoints(specs: Array<{ name: string; condition?: string; hitCondition?: string }>): BreakpointStatus[] {
    const old = new Map(this.functionSpecs.map((f) => [f.name, f.id]));
    this.functionSpecs = specs.map((s) => ({ ...s, id: old.get(s.name) ?? this.nextId++ }));
    if (!this.rec) return this.functionSpecs.map((f) => ({ id: f.id, verified: false, message: 'Waiting for the recording to finish' }));
    this.resolvedFunctions = this.functionSpecs.map((f) => this.resolveFunction(f));
    return this.resolvedFunctions.map(statusOf);
  }

  setExceptionFilters(filters: string[]): void {
    const unknown = filters.filter((f) => !EXCEPTION_FILTERS.some((e) => e.filter === f));
    if (unknown.length) throw new Error(`Unknown exception filter(s) ${unknown.join(', ')}; use 'raised' or 'uncaught'.`);
    this.exceptionFilters = new Set(filters);
  }

  /**
   * Replaces the data breakpoints. `bufferStops` (by dataId) are the buffer writes of each watch, read from the
   * buffer history beforehand (replay/buffer-watches.ts); they stop too, described by element.
   */
  setDataBreakpoints(watches: Array<{ dataId: string; label: string }>, bufferStops = new Map<string, BufferWatchStops>()): BreakpointStatus[] {
    const rec = this.rec;
    if (!rec) {
      // VS Code sends its data breakpoints during configuration; their ids belong to a recording not open yet.
      return watches.map(() => ({ id: this.nextId++, verified: false, message: 'Data breakpoints need the recording; set them again after the first stop' }));
    }
    this.dataWatches = watches.map(({ dataId, label }) => {
      const loc = decodeDataId(dataId);
      const buffer = bufferStops.get(dataId);
      const stops = changeSteps(rec, loc);
      return { id: this.nextId++, loc, label, stops: buffer ? sortedUnique([...stops, ...buffer.steps]) : stops, bufferStops: buffer };
    });
    return this.dataWatches.map((w) => ({
      id: w.id, verified: true, message: `${w.stops.length} change${w.stops.length === 1 ? '' : 's'} in the recording`,
    }));
  }

  /** The nearest stop strictly after (Forward) or before (Backward) `from`, merging breakpoints at one step. */
  nearest(from: number, direction: Direction): StopPoint | undefined {
    const rec = this.rec;
    if (!rec) return undefined;
    let best: StopPoint | undefined;
    const offer = (step: number | undefined, make: () => StopPoint, id?: number) => {
      if (step === undefined) return;
      if (!best || (direction === Direction.Forward ? step < best.step : step > best.step)) {
        best = make();
        if (id !== undefined) best.hitBreakpointIds = [id];
      } else if (step === best.step && id !== undefined) {
        best.hitBreakpointIds = [...(best.hitBreakpointIds ?? []), id];
      }
    };
    for (const list of this.resolvedSources.values()) {
      for (const bp of list) {
        const s = nearestInDirection(bp.stops, from, direction);
        offer(s, () => ({ step: s!, reason: 'breakpoint' }), bp.id);
      }
    }
    for (const bp of this.resolvedFunctions) {
      const s = nearestInDirection(bp.stops, from, direction);
      offer(s, () => ({ step: s!, reason: 'function breakpoint', description: `Function breakpoint: ${(bp.spec as { name: string }).name}` }), bp.id);
    }
    for (const filter of ['raised', 'uncaught'] as const) {
      if (!this.exceptionFilters.has(filter)) continue;
      const s = nearestInDirection(this.exceptionStops[filter], from, direction);
      offer(s, () => this.exceptionStop(s!));
    }
    for (const w of this.dataWatches) {
      let s = nearestInDirection(w.stops, from, direction);
      // With a buffer history the writes are the stops; a later object-state step that shows nothing new is the
      // recorder's snapshot catching up with them, not a second change.
      while (s !== undefined && w.bufferStops && !w.bufferStops.descriptions.has(s) && !isVisibleChange(rec, w.loc, s)) {
        s = nearestInDirection(w.stops, s, direction);
      }
      offer(s, () => ({ step: s!, reason: 'data breakpoint', description: w.bufferStops?.descriptions.get(s!) ?? describeChange(rec, w.loc, w.label, s!) }), w.id);
    }
    return best;
  }

  exceptionStop(step: number): StopPoint {
    const e = this.rec!.exceptionsAt(step)[0] ?? this.rec!.uncaughtException();
    const text = e ? `${e.type}: ${e.message}` : 'exception';
    return { step, reason: 'exception', description: text, text };
  }

  private resolveSource(source: string, id: number, spec: SourceBreakpointSpec): ResolvedBreakpoint {
    const rec = this.rec!;
    const fileId = findFileId(rec, source);
    const base = { id, spec, reason: 'breakpoint' as StopReason };
    if (fileId === undefined) return { ...base, verified: false, message: 'This file did not run in the recording', stops: new Int32Array(0) };
    const hits = rec.stepsOfLine(fileId, spec.line);
    if (hits.length === 0) return { ...base, verified: false, message: 'This line never ran in the recording', stops: hits };
    return this.filterHits(base, hits, spec.condition, spec.hitCondition, spec.logMessage);
  }

  private resolveFunction(f: { id: number; name: string; condition?: string; hitCondition?: string }): ResolvedBreakpoint {
    const rec = this.rec!;
    const codeIds = new Set<number>();
    for (const [codeId, c] of rec.code) if (c.name === f.name || c.qualname === f.name) codeIds.add(codeId);
    const base = { id: f.id, spec: f, reason: 'function breakpoint' as StopReason };
    if (codeIds.size === 0) return { ...base, verified: false, message: `No function named '${f.name}' ran in the recording`, stops: new Int32Array(0) };
    const hits: number[] = [];
    const frameCount = rec.frames.code.length;
    for (let frame = 1; frame < frameCount; frame++) {
      if (!codeIds.has(rec.frames.code[frame])) continue;
      for (let i = rec.frameStepStart[frame]; i < rec.frameStepStart[frame + 1]; i++) {
        const s = rec.frameSteps[i];
        if (rec.stepKind[s] === StepKind.Line) { hits.push(s); break; }
      }
    }
    return this.filterHits(base, sortedUnique(hits), f.condition, f.hitCondition, undefined);
  }

  private filterHits(base: Omit<ResolvedBreakpoint, 'verified' | 'stops'>, hits: Int32Array, condition?: string,
    hitCondition?: string, logMessage?: string): ResolvedBreakpoint {
    const rec = this.rec!;
    let hitOk;
    try {
      hitOk = parseHitCondition(hitCondition);
    } catch (err) {
      return { ...base, verified: false, message: (err as Error).message, stops: new Int32Array(0) };
    }
    const hasCondition = condition !== undefined && condition.trim() !== '';
    if (!hasCondition && !hitCondition && !logMessage) return { ...base, verified: true, stops: hits };
    const kept: number[] = [];
    let count = 0;
    let firstError: string | undefined;
    for (const step of hasCondition || hitCondition ? hits : []) {
      if (hasCondition) {
        let pass: boolean;
        try {
          const ev = new RecordedEvaluator(rec, step, rec.stepFrame[step]);
          pass = ev.truthy(ev.evaluateValue(condition!));
        } catch (err) {
          // Like debugpy: a condition that fails to evaluate stops, so the user sees why.
          pass = true;
          firstError ??= `Condition error at step ${step}: ${(err as Error).message}`;
        }
        if (!pass) continue;
      }
      count++;
      if (hitOk(count)) kept.push(step);
    }
    const stops = hasCondition || hitCondition ? Int32Array.from(kept) : hits; // a plain logpoint logs every hit
    if (logMessage !== undefined) {
      const template = compileLogMessage(logMessage);
      const logLines = LogLines.of(rec, template, stops);
      return { ...base, verified: true, message: firstError, stops: new Int32Array(0), logLines };
    }
    return { ...base, verified: true, message: firstError, stops };
  }
}

/**
 * Where the exception that ended the program was raised: the latest `raised` row of the same type and
 * message on the same thread at or before the `uncaught` row (debuggers stop there, with the full stack);
 * the uncaught row itself when none matches.
 */
export function uncaughtRaiseStep(rec: Recording, uncaught: { step: number; type: string; message: string }): number {
  const thread = rec.threadOfStep(Math.min(uncaught.step, rec.lastStep));
  let best = uncaught.step;
  for (const e of rec.exceptions) {
    if (e.kind === 'raised' && e.step <= uncaught.step && e.type === uncaught.type && e.message === uncaught.message &&
      e.step < rec.stepCount && rec.threadOfStep(e.step) === thread) best = e.step;
  }
  return Math.min(best, rec.lastStep);
}

function statusOf(r: ResolvedBreakpoint): BreakpointStatus {
  const line = 'line' in r.spec ? r.spec.line : undefined;
  return { id: r.id, line, verified: r.verified, message: r.message };
}

function sameSpec(a: SourceBreakpointSpec, b: SourceBreakpointSpec): boolean {
  return a.line === b.line && a.condition === b.condition && a.hitCondition === b.hitCondition && a.logMessage === b.logMessage;
}

export function normalizePath(p: string): string {
  return path.normalize(p);
}

/** The recording's file id for a client path: exact match first, then by resolved real path. */
export function findFileId(rec: Recording, clientPath: string): number | undefined {
  const exact = rec.fileIdsByPath.get(clientPath) ?? rec.fileIdsByPath.get(path.normalize(clientPath));
  if (exact !== undefined) return exact;
  const real = safeRealpath(clientPath);
  for (const [p, id] of rec.fileIdsByPath) if (safeRealpath(p) === real) return id;
  return undefined;
}

function safeRealpath(p: string): string {
  try { return fs.realpathSync(p); } catch { return path.normalize(p); }
}
