// The in-memory, read-only model of one recording: tables loaded into typed arrays and maps, plus the
// point queries "state at step N" (stack, bindings, object states). Must not do I/O or know about DAP.
import { BindingIndex } from './binding-index';
import { BufferHistory } from './buffer-history';
import { ObjectTable, ScopeTable, StepValues } from './id-tables';
import { EMPTY_OBJECT_STATES, ObjectChildren, ObjectStateTable } from './object-children';
import { StepKind } from './schema';
import { lastAtOrBefore } from './sorted-search';
import { buildStepIndexes, buildThreadSteps } from './step-indexes';
import { ValueTable } from './value-table';

export interface CodeInfo { fileId: number; name: string; qualname: string; firstLine: number }
export interface ThreadInfo { threadId: number; ident: number; name: string; firstStep: number }
export interface ScopeInfo { scopeId: number; kind: 'locals' | 'globals'; frameId: number; module: string }
export type { BindingHistory } from './binding-index';
/** One object state; `index` is its row in Recording.objectStates (children come from Recording.children). */
export interface ObjectStateRow { index: number; step: number; length: number; cut: number }
/** An object's states are objectStates rows start .. start + steps.length - 1, ascending step. */
export interface ObjectHistory { steps: Int32Array; start: number }
export interface ObjectInfo { type: string; kind: string; firstStep: number }
export interface ExceptionRow { step: number; frameId: number; type: string; message: string; traceback: string; kind: string }
export interface OutputRow { step: number; stream: string; text: string }
export interface NoticeRow { step: number | null; kind: string; message: string }
export type ChildEntry = [key: string | number, valueId: number];

export const NO_FRAME = 0;

/** The value tables, loaded after the step tables (see loadRecording's deferValues). */
export interface RecordingValues {
  values: ValueTable;
  objects: ObjectTable;
  objectStates: ObjectStateTable;
  bindings: BindingIndex;
}

export interface FrameTable {
  parent: Int32Array; code: Int32Array; thread: Int32Array; depth: Int32Array;
  localsScope: Int32Array; globalsScope: Int32Array; callStep: Int32Array;
  /** -1 while the frame is still live at the end of the recording. */
  endStep: Int32Array;
}

export class Recording {
  readonly stepCount: number;
  /** CSR index: steps of frame f are frameSteps[frameStepStart[f] .. frameStepStart[f+1]). */
  readonly frameStepStart: Int32Array;
  readonly frameSteps: Int32Array;
  private threadStepLists?: Map<number, Int32Array>;
  /** Line steps per (file, line): lineStepsFlat[lineSlotStart[slot] .. lineSlotStart[slot+1]), slot = base(file) + line. */
  readonly fileSlotBase: Map<number, { base: number; maxLine: number }>;
  readonly lineSlotStart: Int32Array;
  readonly lineStepsFlat: Int32Array;
  readonly fileIdsByPath = new Map<string, number>();
  private readonly nameIds = new Map<string, number>();
  // Value tables: empty until attachValues(); readers that need values await valuesReady first.
  private values = ValueTable.empty();
  /** Object id of each value id (0: a scalar or an unknown id). */
  valObject: Int32Array = this.values.objectOf;
  objects = ObjectTable.empty();
  objectStates: ObjectStateTable = EMPTY_OBJECT_STATES;
  private objectChildren = new ObjectChildren(EMPTY_OBJECT_STATES);
  bindings = BindingIndex.empty();
  valuesLoaded = false;
  valuesReady: Promise<void> = Promise.resolve();
  /** Element-level write history of buffers (buffer_writes), loaded when a value first needs it. */
  buffers: BufferHistory = BufferHistory.none();

  constructor(
    readonly path: string,
    readonly meta: Map<string, string>,
    readonly stepKind: Uint8Array,
    readonly stepFrame: Int32Array,
    readonly stepLine: Int32Array,
    readonly frames: FrameTable,
    readonly files: Map<number, string>,
    readonly code: Map<number, CodeInfo>,
    readonly threads: ThreadInfo[],
    readonly scopes: ScopeTable,
    readonly names: string[],
    readonly returns: StepValues,
    readonly exceptions: ExceptionRow[],
    readonly output: OutputRow[],
    readonly notices: NoticeRow[],
  ) {
    this.stepCount = stepKind.length;
    const frameFile = new Int32Array(frames.parent.length);
    for (let f = 1; f < frameFile.length; f++) frameFile[f] = code.get(frames.code[f])?.fileId ?? 0;
    const indexes = buildStepIndexes(stepKind, stepFrame, stepLine, frameFile);
    this.frameStepStart = indexes.frameStepStart;
    this.frameSteps = indexes.frameSteps;
    this.fileSlotBase = indexes.fileSlotBase;
    this.lineSlotStart = indexes.lineSlotStart;
    this.lineStepsFlat = indexes.lineStepsFlat;
    for (const [id, p] of files) this.fileIdsByPath.set(p, id);
  }

  /** Steps of each thread, ascending (built on first use: the first stop does not need it). */
  get threadSteps(): Map<number, Int32Array> {
    return (this.threadStepLists ??= buildThreadSteps(this.stepFrame, this.frames.thread, this.frameStepStart));
  }

  attachValues(v: RecordingValues): void {
    this.values = v.values; this.valObject = v.values.objectOf;
    this.objects = v.objects; this.bindings = v.bindings;
    this.objectStates = v.objectStates; this.objectChildren = new ObjectChildren(v.objectStates);
    this.valuesLoaded = true;
  }

  attachBuffers(buffers: BufferHistory): void { this.buffers = buffers; }

  /** Releases what was opened lazily (the buffer history's connection). */
  close(): Promise<void> { return this.buffers.close(); }

  /** A value's type name (`int`, `list`, `mod.Point`); undefined for an unknown value id. */
  valueType(valueId: number): string | undefined { return this.values.type(valueId); }
  /** The number of a value stored in binary (an int below 2^53, or a float), else undefined. */
  valueNumber(valueId: number): { isInt: boolean; n: number } | undefined { return this.values.number(valueId); }
  /** A value's stored display (scalars, opaque objects); null for containers/instances; undefined if unknown. */
  valueRepr(valueId: number): string | null | undefined { return this.values.repr(valueId); }

  metaNumber(key: string): number | undefined {
    const v = this.meta.get(key);
    return v === undefined || v === '' ? undefined : Number(v);
  }
  get lastStep(): number { return this.stepCount - 1; }

  codeOfFrame(frameId: number): CodeInfo | undefined { return this.code.get(this.frames.code[frameId]); }
  fileOfFrame(frameId: number): number { return this.codeOfFrame(frameId)?.fileId ?? 0; }
  threadOfStep(step: number): number { return this.frames.thread[this.stepFrame[step]]; }
  frameIsLiveAt(frameId: number, step: number): boolean {
    const end = this.frames.endStep[frameId];
    return this.frames.callStep[frameId] <= step && (end < 0 || end >= step);
  }

  /**
   * The frame the user sees at `step`: at a `return` into a recorded caller, the caller (at its call line,
   * with the callee's return value), as debuggers show "after return"; otherwise the step's own frame.
   */
  shownFrame(step: number): number {
    const f = this.stepFrame[step];
    if (this.stepKind[step] === StepKind.Return && this.frames.parent[f] !== NO_FRAME) return this.frames.parent[f];
    return f;
  }

  /** A step where stepping may stop: a line, or a return into a recorded caller. */
  isStoppable(step: number): boolean {
    const k = this.stepKind[step];
    return k === StepKind.Line || (k === StepKind.Return && this.frames.parent[this.stepFrame[step]] !== NO_FRAME);
  }

  /** True when `ancestor` is a strict ancestor of `frameId` (same thread, by parent links). */
  isStrictAncestor(ancestor: number, frameId: number): boolean {
    const depthA = this.frames.depth[ancestor];
    let f = frameId;
    while (f !== NO_FRAME && this.frames.depth[f] > depthA) f = this.frames.parent[f];
    return f === ancestor && f !== frameId;
  }

  /** The line a frame was at when the program was at `step`: its latest step <= step. */
  frameLineAt(frameId: number, step: number): number {
    const lo = this.frameStepStart[frameId];
    const hi = this.frameStepStart[frameId + 1];
    const i = lastAtOrBefore(this.frameSteps, step, lo, hi);
    const line = i < lo ? 0 : this.stepLine[this.frameSteps[i]];
    // A frame's call step may carry line 0 (CPython reports no line before the first instruction).
    return line > 0 ? line : Math.max(1, this.codeOfFrame(frameId)?.firstLine ?? 1);
  }

  /** Frame ids from innermost to outermost for the thread of `threadId` at `step`. */
  stackAt(step: number, threadId?: number): number[] {
    let anchor = step;
    if (threadId !== undefined && threadId !== this.threadOfStep(step)) {
      const own = this.threadSteps.get(threadId);
      if (!own) return [];
      const i = lastAtOrBefore(own, step);
      if (i < 0) return [];
      anchor = own[i];
    }
    // Another thread's latest step may be a return: frames that ended before `step` are gone.
    let top = this.shownFrame(anchor);
    while (top !== NO_FRAME && this.frames.endStep[top] >= 0 && this.frames.endStep[top] < step) top = this.frames.parent[top];
    const stack: number[] = [];
    for (let f = top; f !== NO_FRAME; f = this.frames.parent[f]) stack.push(f);
    return stack;
  }

  /** value id bound at `step` (0 = unbound), or undefined when the name was never bound by then. */
  bindingAt(scopeId: number, nameId: number, step: number): number | undefined {
    return this.bindings.valueAt(scopeId, nameId, step);
  }

  /** Bound names of a scope at `step`, in first-binding order: [nameId, valueId]. */
  scopeAt(scopeId: number, step: number): Array<[number, number]> {
    const out = this.bindings.boundAt(scopeId, step);
    out.sort((a, b) => a[2] - b[2] || a[0] - b[0]);
    return out.map(([n, v]) => [n, v]);
  }

  nameId(name: string): number | undefined {
    if (this.nameIds.size === 0) this.names.forEach((n, id) => n !== undefined && this.nameIds.set(n, id));
    return this.nameIds.get(name);
  }

  objectStateAt(objectId: number, step: number): ObjectStateRow | undefined {
    const start = this.objectStates.start;
    if (!(objectId >= 0 && objectId + 1 < start.length)) return undefined;
    const lo = start[objectId];
    const i = lastAtOrBefore(this.objectStates.step, step, lo, start[objectId + 1]);
    return i < lo ? undefined : this.objectState(i);
  }

  /** An object's whole state history (a view into objectStates: do not modify), undefined without states. */
  objectHistory(objectId: number): ObjectHistory | undefined {
    const start = this.objectStates.start;
    if (!(objectId >= 0 && objectId + 1 < start.length) || start[objectId + 1] === start[objectId]) return undefined;
    return { steps: this.objectStates.step.subarray(start[objectId], start[objectId + 1]), start: start[objectId] };
  }

  /** Row `index` of objectStates. */
  objectState(index: number): ObjectStateRow {
    const t = this.objectStates;
    return { index, step: t.step[index], length: t.length[index], cut: t.cut[index] };
  }

  /** The state's children in display order, delta rows resolved (shared: do not modify). */
  children(state: ObjectStateRow): ChildEntry[] {
    return this.objectChildren.at(state.index);
  }

  /** Every step that executed `line` of `fileId` (line steps only), ascending. */
  stepsOfLine(fileId: number, line: number): Int32Array {
    const file = this.fileSlotBase.get(fileId);
    if (!file || line < 0 || line > file.maxLine) return new Int32Array(0);
    const slot = file.base + line;
    return this.lineStepsFlat.subarray(this.lineSlotStart[slot], this.lineSlotStart[slot + 1]);
  }

  /** [fileId, line, hits] of every line that ran, for tools (the bench picks the hottest line). */
  linesThatRan(): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    for (const [fileId, { base, maxLine }] of this.fileSlotBase) {
      for (let line = 0; line <= maxLine; line++) {
        const n = this.lineSlotStart[base + line + 1] - this.lineSlotStart[base + line];
        if (n > 0) out.push([fileId, line, n]);
      }
    }
    return out;
  }

  /** The exception rows at one step (usually 0 or 1). */
  exceptionsAt(step: number): ExceptionRow[] {
    return this.exceptions.filter((e) => e.step === step);
  }

  uncaughtException(): ExceptionRow | undefined {
    return this.exceptions.find((e) => e.kind === 'uncaught');
  }
}
