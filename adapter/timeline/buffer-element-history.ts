// The write history of chosen elements of a recorded buffer: every step after the object was first seen that
// changed one of them, with old and new bytes, read as byte windows of the region's content rows (writes
// through any view count). Async, batched and cancellable; must not know about DAP or render whole arrays.
import { RequestCancelled } from '../common/user-error';
import { BufferRowKind } from './buffer-index';
import { BufferIndexError, BufferLayout, positionsOf, sliceIndices, sliceLength, StridedView, unravel } from './buffer-layout';
import { BufferHistory } from './buffer-history';
import { firstAtOrAfter } from './sorted-search';

/** Elements of one object (or of a view of it) whose writes are followed. */
export interface ElementSelection {
  layout: BufferLayout;
  /** Byte position in the region of each selected element. */
  positions: Float64Array;
  /** C-order index of each selected element in the view it was chosen from. */
  flats: Float64Array;
  /** The shape of that view (an element's index is reported as a multi-index when it has several axes). */
  shape: number[];
}

/** One step that changed some selected elements: their selection indices, ascending, and the bytes around. */
export interface ElementStep {
  step: number;
  changed: number[];
  /** An element's bytes before and after the step (a copy; call it during `onStep` only). */
  bytesOf(element: number, when: 'before' | 'after'): Buffer;
}

export interface ScanOptions {
  /** Only steps after this one are reported (the object's first sight by default). */
  after?: number;
  /** Checked between batches; true stops the scan with RequestCancelled. */
  cancelled?: () => boolean;
}

/** Why a scan stopped before the end of the recording (fingerprints from then on, the buffer freed). */
export interface ScanEnd { step: number; reason: string }

/** Bytes of content rows fetched per batch (each row: its overlap with the selection's byte span). */
const BATCH_BYTES = 32 * 1024 * 1024;
const BATCH_ROWS = 512;

/** The elements `index` picks from a view: undefined (all), a flat int, a multi-index, or a slice over flat indices. */
export function selectElements(layout: BufferLayout, view: StridedView, index?: number | number[] | { start?: number; stop?: number; step?: number }): ElementSelection {
  const all = positionsOf(view);
  const size = all.length;
  let flats: number[];
  if (index === undefined || index === null) {
    const identity = new Float64Array(size);
    for (let i = 0; i < size; i++) identity[i] = i;
    return { layout, shape: view.shape, positions: all, flats: identity };
  } else if (typeof index === 'number') {
    if (!Number.isInteger(index) || index < -size || index >= size) throw new BufferIndexError(`IndexError: flat index ${index} is outside an object of ${size} elements`);
    flats = [index < 0 ? index + size : index];
  } else if (Array.isArray(index)) {
    if (index.length !== view.shape.length) throw new BufferIndexError(`IndexError: ${index.length} indices given for an array of shape (${view.shape.join(', ')})`);
    let flat = 0;
    index.forEach((i, k) => {
      const n = view.shape[k];
      if (!Number.isInteger(i) || i < -n || i >= n) throw new BufferIndexError(`IndexError: index ${i} is out of bounds for axis ${k} with size ${n}`);
      flat = flat * n + (i < 0 ? i + n : i);
    });
    flats = [flat];
  } else {
    const [start, stop, step] = sliceIndices(index as { start?: number; stop?: number; step?: number }, size);
    flats = Array.from({ length: sliceLength(start, stop, step) }, (_, k) => start + k * step);
  }
  return {
    layout, shape: view.shape,
    positions: Float64Array.from(flats, (f) => all[f]),
    flats: Float64Array.from(flats),
  };
}

/** Indices of `positions` by ascending position: no sort for the usual ascending or descending views. */
function ascendingOrder(positions: Float64Array): Int32Array {
  const n = positions.length;
  const order = new Int32Array(n);
  let ascending = true;
  let descending = true;
  for (let i = 1; i < n; i++) {
    if (positions[i] < positions[i - 1]) ascending = false;
    else if (positions[i] > positions[i - 1]) descending = false;
  }
  for (let i = 0; i < n; i++) order[i] = ascending ? i : descending ? n - 1 - i : i;
  if (!ascending && !descending) order.sort((a, b) => positions[a] - positions[b]);
  return order;
}

/** How an element's index is reported: its flat index for 0-/1-axis views, else its multi-index. */
export function indexLabel(selection: ElementSelection, element: number): number | number[] {
  const flat = selection.flats[element];
  return selection.shape.length <= 1 ? flat : unravel(flat, selection.shape);
}

/**
 * Replays the region's content rows in (step, rowid) order, keeping only the selection's byte span, and calls
 * `onStep` for each step (after `options.after`) at which some selected element's bytes changed. Returns
 * where the history ends early, if it does (fingerprints, freed).
 */
export async function scanElementChanges(history: BufferHistory, selection: ElementSelection,
  onStep: (change: ElementStep) => void, options: ScanOptions = {}): Promise<ScanEnd | undefined> {
  const index = await history.ensureIndex();
  const source = history.rows;
  const { layout, positions } = selection;
  const region = index.region(layout.region);
  if (!region || !source || positions.length === 0) return undefined;
  const itemsize = layout.itemsize;
  const after = options.after ?? (index.layouts(layout.objectId)?.[0]?.since ?? layout.since);
  // Selection elements by ascending position, to find the ones a diff range touches by binary search.
  const order = ascendingOrder(positions);
  const sorted = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) sorted[k] = positions[order[k]];
  const low = sorted[0];
  const high = sorted[sorted.length - 1] + itemsize;
  const span = high - low;

  // `window` is the span's bytes as replayed so far; `before` the same at the start of the current step, kept
  // in step by copying back only what the step wrote (no copy of the whole span per step).
  let window: Buffer | undefined;
  let before: Buffer | undefined;
  let replaced = false;
  let dirtyLow = Infinity;
  let dirtyHigh = -Infinity;
  let groupStep = -1;

  const report = (oldBytes: Buffer, newBytes: Buffer) => {
    if (dirtyLow === 0 && dirtyHigh === span && oldBytes.equals(newBytes)) return;
    const changed: number[] = [];
    // A byte loop: a native Buffer#compare call per element costs ~50x more for small items.
    for (let k = firstAtOrAfter(sorted, low + dirtyLow - itemsize + 1); k < sorted.length && sorted[k] < low + dirtyHigh; k++) {
      const at = sorted[k] - low;
      for (let i = at; i < at + itemsize; i++) {
        if (oldBytes[i] !== newBytes[i]) { changed.push(order[k]); break; }
      }
    }
    if (!changed.length) return;
    changed.sort((a, b) => a - b);
    onStep({
      step: groupStep, changed,
      bytesOf: (element, when) => {
        const at = positions[element] - low;
        return Buffer.from((when === 'before' ? oldBytes : newBytes).subarray(at, at + itemsize));
      },
    });
  };
  const finishStep = () => {
    if (groupStep > after && before && window && dirtyLow < dirtyHigh) report(before, window);
    if (window && (replaced || !before)) before = Buffer.from(window);
    else if (window && before && dirtyLow < dirtyHigh) window.copy(before, dirtyLow, dirtyLow, dirtyHigh);
    replaced = false;
    dirtyLow = Infinity;
    dirtyHigh = -Infinity;
  };

  for (let p = 0; p < region.rows.length;) {
    if (options.cancelled?.()) throw new RequestCancelled();
    // One batch of rows: their windows are read in one query.
    const batch: number[] = [];
    let bytes = 0;
    for (; p < region.rows.length && batch.length < BATCH_ROWS && bytes < BATCH_BYTES; p++) {
      const r = region.rows[p];
      const kind = index.kind[r];
      if (kind === BufferRowKind.Diff && !(index.offset[r] < high && index.offset[r] + index.length[r] > low)) continue;
      batch.push(r);
      if (kind === BufferRowKind.Snapshot || kind === BufferRowKind.Full || kind === BufferRowKind.Diff) bytes += Math.min(span, index.length[r]);
    }
    const wanted = batch.filter((r) => index.kind[r] !== BufferRowKind.Gone && index.kind[r] !== BufferRowKind.Fingerprint).map((r) => index.rowid[r]);
    const windows = wanted.length ? await source.readWindows(wanted, low, high) : new Map<number, Buffer>();
    if (options.cancelled?.()) throw new RequestCancelled(); // a `cancel` is read while the query runs
    for (const r of batch) {
      const step = index.step[r];
      if (step !== groupStep) { finishStep(); groupStep = step; }
      const kind = index.kind[r];
      if (kind === BufferRowKind.Fingerprint) {
        finishStep();
        return { step, reason: `from step ${step} on the buffer was recorded as fingerprints only (no values)` };
      }
      if (kind === BufferRowKind.Gone) {
        finishStep();
        return { step, reason: `the buffer was freed (or closed) before step ${step}` };
      }
      const part = windows.get(index.rowid[r]) ?? Buffer.alloc(0);
      const start = Math.max(index.offset[r], low) - low;
      if (kind === BufferRowKind.Diff) {
        if (!window) continue; // a diff before any snapshot: not in a well-formed recording
        part.copy(window, start);
        dirtyLow = Math.min(dirtyLow, start);
        dirtyHigh = Math.max(dirtyHigh, start + part.length);
      } else {
        // A snapshot or full copy; a buffer that shrank reads as zero bytes past its end.
        const next = Buffer.alloc(span);
        part.copy(next, start);
        window = next;
        replaced = true;
        dirtyLow = 0;
        dirtyHigh = span;
      }
    }
    if (p < region.rows.length) await new Promise((resolve) => setImmediate(resolve));
  }
  finishStep();
  return undefined;
}
