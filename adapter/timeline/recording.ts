// The in-memory, read-only model of one recording: tables loaded into typed arrays and maps, plus the
// point queries "state at step N" (stack, bindings, object states). Must not do I/O or know about DAP.
import { StepKind } from './schema';
import { lastAtOrBefore } from './sorted-search';

export interface CodeInfo { fileId: number; name: string; qualname: string; firstLine: number }
export interface ThreadInfo { threadId: number; ident: number; name: string; firstStep: number }
export interface ScopeInfo { scopeId: number; kind: 'locals' | 'globals'; frameId: number; module: string }
/** value 0 in `values` means "unbound" (deleted). */
export interface BindingHistory { steps: Int32Array; values: Int32Array; firstStep: number }
export interface ObjectStateRow { step: number; length: number; childrenJson: string; cut: number }
export interface ObjectHistory { steps: Int32Array; states: ObjectStateRow[] }
export interface ObjectInfo { type: string; kind: string; firstStep: number }
export interface ExceptionRow { step: number; frameId: number; type: string; message: string; traceback: string; kind: string }
export interface OutputRow { step: number; stream: string; text: string }
export interface NoticeRow { step: number | null; kind: string; message: string }
export type ChildEntry = [key: string | number, valueId: number];

export const NO_FRAME = 0;

/** The value tables, loaded after the step tables (see loadRecording's deferValues). */
export interface RecordingValues {
  valType: string[];
  valRepr: (string | null)[];
  valObject: Int32Array;
  objects: Map<number, ObjectInfo>;
  objectHistory: Map<number, ObjectHistory>;
  bindings: Map<number, Map<number, BindingHistory>>;
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
  readonly threadSteps = new Map<number, Int32Array>();
  /** Line steps per (file, line): lineStepsFlat[lineSlotStart[slot] .. lineSlotStart[slot+1]), slot = base(file) + line. */
  readonly fileSlotBase = new Map<number, { base: number; maxLine: number }>();
  readonly lineSlotStart: Int32Array;
  readonly lineStepsFlat: Int32Array;
  private readonly childrenCache = new Map<ObjectStateRow, ChildEntry[]>();
  readonly fileIdsByPath = new Map<string, number>();
  private readonly nameIds = new Map<string, number>();
  // Value tables: empty until attachValues(); readers that need values await valuesReady first.
  valType: string[] = [];
  valRepr: (string | null)[] = [];
  valObject: Int32Array = new Int32Array(0);
  objects = new Map<number, ObjectInfo>();
  objectHistory = new Map<number, ObjectHistory>();
  bindings = new Map<number, Map<number, BindingHistory>>();
  valuesLoaded = false;
  valuesReady: Promise<void> = Promise.resolve();

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
    readonly scopes: Map<number, ScopeInfo>,
    readonly names: string[],
    readonly returns: Map<number, number>,
    readonly exceptions: ExceptionRow[],
    readonly output: OutputRow[],
    readonly notices: NoticeRow[],
  ) {
    this.stepCount = stepKind.length;
    const frameCount = frames.parent.length;
    // Counting sort of steps by frame and by thread: one pass each, no per-step allocation.
    const counts = new Int32Array(frameCount + 1);
    for (let s = 0; s < this.stepCount; s++) counts[stepFrame[s] + 1]++;
    for (let f = 0; f < frameCount; f++) counts[f + 1] += counts[f];
    this.frameStepStart = counts.slice();
    const fill = counts.slice();
    this.frameSteps = new Int32Array(this.stepCount);
    for (let s = 0; s < this.stepCount; s++) this.frameSteps[fill[stepFrame[s]]++] = s;

    // Steps by thread: a counting sort keyed by thread id (few threads: a small map, one pass each way).
    const perThread = new Map<number, number>();
    for (let s = 0; s < this.stepCount; s++) {
      const t = frames.thread[stepFrame[s]];
      perThread.set(t, (perThread.get(t) ?? 0) + 1);
    }
    const threadFill = new Map<number, number>();
    for (const [t, n] of perThread) { this.threadSteps.set(t, new Int32Array(n)); threadFill.set(t, 0); }
    for (let s = 0; s < this.stepCount; s++) {
      const t = frames.thread[stepFrame[s]];
      const c = threadFill.get(t)!;
      this.threadSteps.get(t)![c] = s;
      threadFill.set(t, c + 1);
    }

    // Line steps by (file, line): CSR over dense per-file line slots, built with typed arrays only.
    const frameFile = new Int32Array(frameCount);
    for (let f = 1; f < frameCount; f++) frameFile[f] = code.get(frames.code[f])?.fileId ?? 0;
    const maxLine = new Map<number, number>();
    for (let s = 0; s < this.stepCount; s++) {
      if (stepKind[s] !== StepKind.Line) continue;
      const file = frameFile[stepFrame[s]];
      if (stepLine[s] > (maxLine.get(file) ?? -1)) maxLine.set(file, stepLine[s]);
    }
    let slots = 0;
    for (const [file, max] of maxLine) { this.fileSlotBase.set(file, { base: slots, maxLine: max }); slots += max + 1; }
    const slotOfFileBase = new Int32Array(frameCount);
    for (let f = 1; f < frameCount; f++) slotOfFileBase[f] = this.fileSlotBase.get(frameFile[f])?.base ?? -1;
    const lineCounts = new Int32Array(slots + 1);
    let lineStepCount = 0;
    for (let s = 0; s < this.stepCount; s++) {
      if (stepKind[s] !== StepKind.Line) continue;
      lineCounts[slotOfFileBase[stepFrame[s]] + stepLine[s] + 1]++;
      lineStepCount++;
    }
    for (let i = 0; i < slots; i++) lineCounts[i + 1] += lineCounts[i];
    this.lineSlotStart = lineCounts.slice();
    this.lineStepsFlat = new Int32Array(lineStepCount);
    for (let s = 0; s < this.stepCount; s++) {
      if (stepKind[s] !== StepKind.Line) continue;
      this.lineStepsFlat[lineCounts[slotOfFileBase[stepFrame[s]] + stepLine[s]]++] = s;
    }
    for (const [id, p] of files) this.fileIdsByPath.set(p, id);
  }

  attachValues(v: RecordingValues): void {
    this.valType = v.valType; this.valRepr = v.valRepr; this.valObject = v.valObject;
    this.objects = v.objects; this.objectHistory = v.objectHistory; this.bindings = v.bindings;
    this.valuesLoaded = true;
  }

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
    const h = this.bindings.get(scopeId)?.get(nameId);
    if (!h) return undefined;
    const i = lastAtOrBefore(h.steps, step);
    return i < 0 ? undefined : h.values[i];
  }

  /** Bound names of a scope at `step`, in first-binding order: [nameId, valueId]. */
  scopeAt(scopeId: number, step: number): Array<[number, number]> {
    const scope = this.bindings.get(scopeId);
    if (!scope) return [];
    const out: Array<[number, number, number]> = [];
    for (const [nameId, h] of scope) {
      if (h.firstStep > step) continue;
      const i = lastAtOrBefore(h.steps, step);
      if (i >= 0 && h.values[i] !== 0) out.push([nameId, h.values[i], h.firstStep]);
    }
    out.sort((a, b) => a[2] - b[2] || a[0] - b[0]);
    return out.map(([n, v]) => [n, v]);
  }

  nameId(name: string): number | undefined {
    if (this.nameIds.size === 0) this.names.forEach((n, id) => n !== undefined && this.nameIds.set(n, id));
    return this.nameIds.get(name);
  }

  objectStateAt(objectId: number, step: number): ObjectStateRow | undefined {
    const h = this.objectHistory.get(objectId);
    if (!h) return undefined;
    const i = lastAtOrBefore(h.steps, step);
    return i < 0 ? undefined : h.states[i];
  }

  children(state: ObjectStateRow): ChildEntry[] {
    let parsed = this.childrenCache.get(state);
    if (!parsed) {
      try {
        parsed = JSON.parse(state.childrenJson) as ChildEntry[];
        if (!Array.isArray(parsed)) parsed = [];
      } catch {
        parsed = [];
      }
      this.childrenCache.set(state, parsed);
    }
    return parsed;
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
