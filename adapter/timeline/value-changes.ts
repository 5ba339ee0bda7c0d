// Where and when a watchable location changed: a name in a scope, or an item / attribute of an object.
// Pure queries over a Recording, shared by data breakpoints and variable history (elements of buffers need
// the buffer history: replay/buffer-watches.ts). Must not render text.
import type { StridedView } from './buffer-layout';
import { Recording } from './recording';

export type DataLocation =
  | { kind: 'binding'; scopeId: number; nameId: number }
  | { kind: 'item'; objectId: number; key: string | number }
  /** Elements of a recorded buffer: `view` (in its region) of object `objectId`. */
  | { kind: 'buffer'; objectId: number; view: StridedView };

/** The value id the location holds at `step` (0 when unbound / absent). */
export function valueAt(rec: Recording, loc: DataLocation, step: number): number {
  if (loc.kind === 'binding') return rec.bindingAt(loc.scopeId, loc.nameId, step) ?? 0;
  if (loc.kind === 'buffer') return 0;
  const state = rec.objectStateAt(loc.objectId, step);
  if (!state) return 0;
  return rec.children(state).find(([k]) => k === loc.key)?.[1] ?? 0;
}

/**
 * Steps where the location's value changed: a rebinding to a different value, or (for a name bound to an
 * object) a recorded change of that object's state while it was bound.
 */
export function changeSteps(rec: Recording, loc: DataLocation): Int32Array {
  const out: number[] = [];
  if (loc.kind === 'binding') {
    const h = rec.bindings.history(loc.scopeId, loc.nameId);
    if (!h) return new Int32Array(0);
    for (let i = 0; i < h.steps.length; i++) {
      if (i === 0 || h.values[i] !== h.values[i - 1]) out.push(h.steps[i]);
      const objectId = rec.valObject[h.values[i]] ?? 0;
      const history = objectId ? rec.objectHistory(objectId) : undefined;
      if (!history) continue;
      const until = i + 1 < h.steps.length ? h.steps[i + 1] : Infinity;
      for (const s of history.steps) if (s > h.steps[i] && s < until) out.push(s);
    }
  } else if (loc.kind === 'item') {
    const history = rec.objectHistory(loc.objectId);
    if (!history) return new Int32Array(0);
    let previous = 0;
    for (let i = 0; i < history.steps.length; i++) {
      const state = rec.objectState(history.start + i);
      const v = rec.children(state).find(([k]) => k === loc.key)?.[1] ?? 0;
      if (i > 0 && v !== previous) out.push(state.step);
      previous = v;
    }
  }
  return Int32Array.from(new Set(out)).sort();
}

