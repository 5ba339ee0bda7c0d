// The step indexes of a loaded recording, built with counting sorts over typed arrays: steps by frame (CSR),
// line steps by (file, line) (CSR over dense per-file line slots), steps by thread. Pure functions; each pass
// is its own small function, so V8 optimises it early in a cold process. Must not know about files or DAP.
import { StepKind } from './schema';

export interface StepIndexes {
  /** Steps of frame f are frameSteps[frameStepStart[f] .. frameStepStart[f+1]). */
  frameStepStart: Int32Array;
  frameSteps: Int32Array;
  /** Line steps per (file, line): lineStepsFlat[lineSlotStart[slot] .. lineSlotStart[slot+1]), slot = base(file) + line. */
  fileSlotBase: Map<number, { base: number; maxLine: number }>;
  lineSlotStart: Int32Array;
  lineStepsFlat: Int32Array;
}

const LINE = StepKind.Line;

/** `frameFile[f]` is the file of frame f's code (0 when unknown). */
export function buildStepIndexes(stepKind: Uint8Array, stepFrame: Int32Array, stepLine: Int32Array, frameFile: Int32Array): StepIndexes {
  const frameCount = frameFile.length;
  const counts = new Int32Array(frameCount + 1);
  const frameMaxLine = new Int32Array(frameCount).fill(-1);
  countPerFrame(stepKind, stepFrame, stepLine, counts, frameMaxLine);
  for (let f = 0; f < frameCount; f++) counts[f + 1] += counts[f];
  const frameStepStart = counts.slice();

  let maxFile = 0;
  for (let f = 1; f < frameCount; f++) if (frameFile[f] > maxFile) maxFile = frameFile[f];
  const maxLineOfFile = new Int32Array(maxFile + 1).fill(-1);
  for (let f = 1; f < frameCount; f++) if (frameMaxLine[f] > maxLineOfFile[frameFile[f]]) maxLineOfFile[frameFile[f]] = frameMaxLine[f];
  const fileSlotBase = new Map<number, { base: number; maxLine: number }>();
  let slots = 0;
  for (let file = 0; file <= maxFile; file++) {
    if (maxLineOfFile[file] < 0) continue;
    fileSlotBase.set(file, { base: slots, maxLine: maxLineOfFile[file] });
    slots += maxLineOfFile[file] + 1;
  }
  const slotOfFrame = new Int32Array(frameCount);
  for (let f = 1; f < frameCount; f++) slotOfFrame[f] = fileSlotBase.get(frameFile[f])?.base ?? -1;

  const frameSteps = new Int32Array(stepKind.length);
  const lineCounts = new Int32Array(slots + 1);
  const lineStepCount = fillFrameSteps(stepKind, stepFrame, stepLine, counts, frameSteps, slotOfFrame, lineCounts);
  for (let i = 0; i < slots; i++) lineCounts[i + 1] += lineCounts[i];
  const lineSlotStart = lineCounts.slice();
  const lineStepsFlat = new Int32Array(lineStepCount);
  fillLineSteps(stepKind, stepFrame, stepLine, slotOfFrame, lineCounts, lineStepsFlat);
  return { frameStepStart, frameSteps, fileSlotBase, lineSlotStart, lineStepsFlat };
}

/** Steps per frame (counts[f + 1]) and the highest line of each frame's line steps. */
function countPerFrame(stepKind: Uint8Array, stepFrame: Int32Array, stepLine: Int32Array, counts: Int32Array, frameMaxLine: Int32Array): void {
  for (let s = 0, n = stepKind.length; s < n; s++) {
    const f = stepFrame[s];
    counts[f + 1]++;
    if (stepKind[s] === LINE && stepLine[s] > frameMaxLine[f]) frameMaxLine[f] = stepLine[s];
  }
}

/** The frame CSR (`fill` holds each frame's start and is consumed) and the line-slot counts; returns the line step count. */
function fillFrameSteps(stepKind: Uint8Array, stepFrame: Int32Array, stepLine: Int32Array, fill: Int32Array, frameSteps: Int32Array,
  slotOfFrame: Int32Array, lineCounts: Int32Array): number {
  let lineSteps = 0;
  for (let s = 0, n = stepKind.length; s < n; s++) {
    const f = stepFrame[s];
    frameSteps[fill[f]++] = s;
    if (stepKind[s] === LINE) { lineCounts[slotOfFrame[f] + stepLine[s] + 1]++; lineSteps++; }
  }
  return lineSteps;
}

/** The line CSR (`fill` holds each slot's start and is consumed). */
function fillLineSteps(stepKind: Uint8Array, stepFrame: Int32Array, stepLine: Int32Array, slotOfFrame: Int32Array, fill: Int32Array,
  lineStepsFlat: Int32Array): void {
  for (let s = 0, n = stepKind.length; s < n; s++) {
    if (stepKind[s] === LINE) lineStepsFlat[fill[slotOfFrame[stepFrame[s]] + stepLine[s]]++] = s;
  }
}

/** Steps by thread, ascending; thread ids are small, and per-thread counts come from the frame CSR. */
export function buildThreadSteps(stepFrame: Int32Array, frameThread: Int32Array, frameStepStart: Int32Array): Map<number, Int32Array> {
  const frameCount = frameThread.length;
  let maxThread = 0;
  for (let f = 1; f < frameCount; f++) if (frameThread[f] > maxThread) maxThread = frameThread[f];
  const perThread = new Int32Array(maxThread + 1);
  for (let f = 1; f < frameCount; f++) perThread[frameThread[f]] += frameStepStart[f + 1] - frameStepStart[f];
  const lists: Int32Array[] = [];
  const out = new Map<number, Int32Array>();
  for (let t = 0; t <= maxThread; t++) if (perThread[t] > 0) out.set(t, (lists[t] = new Int32Array(perThread[t])));
  if (out.size === 1) identity(lists[out.keys().next().value!]);
  else fillThreadSteps(stepFrame, frameThread, lists, new Int32Array(maxThread + 1));
  return out;
}

function identity(out: Int32Array): void {
  for (let s = 0, n = out.length; s < n; s++) out[s] = s;
}

function fillThreadSteps(stepFrame: Int32Array, frameThread: Int32Array, lists: Int32Array[], fill: Int32Array): void {
  for (let s = 0, n = stepFrame.length; s < n; s++) {
    const t = frameThread[stepFrame[s]];
    lists[t][fill[t]++] = s;
  }
}
