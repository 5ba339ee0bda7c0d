// Step over / into / out in either direction over the recording's typed arrays (no queries per step): the
// target step for a stepping request, ignoring breakpoints. Must not know about DAP or evaluate values.
import { NO_FRAME, Recording } from '../timeline/recording';
import { StepKind } from '../timeline/schema';
import { Direction } from './direction';

/**
 * The next (or previous) stoppable step (a line, or a return into the caller) on the same thread whose frame
 * is `frameId` or one of its ancestors. Frames of the thread that are neither (callees, later siblings) are
 * skipped whole via their call/end steps, so stepping over a call costs one jump, not one per callee step.
 */
export function findStopInFrameOrAncestors(rec: Recording, from: number, frameId: number, direction: Direction): number | undefined {
  const { thread, callStep, endStep } = rec.frames;
  const threadId = thread[frameId];
  const last = rec.stepCount - 1;
  let t = from + direction;
  while (t >= 0 && t <= last) {
    const g = rec.stepFrame[t];
    if (thread[g] !== threadId) { t += direction; continue; }
    if (g === frameId || rec.isStrictAncestor(g, frameId)) {
      if (rec.isStoppable(t)) return t;
      t += direction;
      continue;
    }
    if (direction === Direction.Forward) {
      const end = endStep[g];
      if (end < 0) return undefined; // a callee still live at the end of the recording
      t = Math.max(end + 1, t + 1);
    } else {
      t = Math.min(callStep[g] - 1, t - 1);
    }
  }
  return undefined;
}

/**
 * The frame stepping continues from. At a return stop (shown as the caller at its call line) going forward
 * means going on in the caller; going backward means going back into the returning frame, so that a
 * backward step undoes the forward one.
 */
export function steppingFrame(rec: Recording, from: number, direction: Direction): number {
  return direction === Direction.Forward ? rec.shownFrame(from) : rec.stepFrame[from];
}

/** Step over (`next`) forward, or its mirror `stepBack`: skips callees, stops at the frame's own return. */
export function stepOver(rec: Recording, from: number, direction: Direction): number | undefined {
  return findStopInFrameOrAncestors(rec, from, steppingFrame(rec, from, direction), direction);
}

/** Step in forward, or reverse step-in: the adjacent stoppable step of the same thread in any frame. */
export function stepIn(rec: Recording, from: number, direction: Direction): number | undefined {
  const threadId = rec.threadOfStep(from);
  const own = rec.threadSteps.get(threadId)!;
  // Walk this thread's own step list: other threads' steps are never visited.
  let i = indexInSorted(own, from);
  for (i += direction; i >= 0 && i < own.length; i += direction) {
    if (rec.isStoppable(own[i])) return own[i];
  }
  return undefined;
}

/**
 * Step out forward: the frame's return, shown as the caller at the line of the call (like debugpy); a frame
 * ended by an exception continues to the caller's next stop. Backward (reverse step-out): the call site.
 */
export function stepOut(rec: Recording, from: number, direction: Direction): number | undefined {
  const frame = steppingFrame(rec, from, direction);
  const parent = rec.frames.parent[frame];
  if (parent === NO_FRAME) return undefined;
  if (direction === Direction.Forward) {
    const end = rec.frames.endStep[frame];
    if (end > from && rec.stepKind[end] === StepKind.Return) return end;
  }
  return findStopInFrameOrAncestors(rec, from, parent, direction);
}

function indexInSorted(arr: Int32Array, value: number): number {
  let a = 0;
  let b = arr.length - 1;
  while (a <= b) {
    const m = (a + b) >>> 1;
    if (arr[m] === value) return m;
    if (arr[m] < value) a = m + 1;
    else b = m - 1;
  }
  return a;
}
