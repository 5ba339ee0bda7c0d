// The children of recorded object states: parses full rows and resolves delta rows (format v2 `delta` 1)
// against the object's earlier states back to its last full row, lazily, behind a bounded cache. Must not do
// I/O or render text; never expands every state of the recording up front.
import { TextColumn } from './chunk-decoder';
import type { ChildEntry } from './recording';

/** Every object state of a recording, grouped by object, ascending step within one object. */
export interface ObjectStateTable {
  /** CSR by object id: the states of object o are rows start[o] .. start[o + 1] - 1. */
  start: Int32Array;
  object: Int32Array;
  step: Int32Array;
  length: Int32Array;
  cut: Int32Array;
  /** 1: `children` lists only the changed positions ([position, key, value_id] triples). */
  delta: Uint8Array;
  children: TextColumn;
}

export const EMPTY_OBJECT_STATES: ObjectStateTable = {
  start: new Int32Array(1), object: new Int32Array(0), step: new Int32Array(0), length: new Int32Array(0), cut: new Int32Array(0),
  delta: new Uint8Array(0), children: TextColumn.empty(),
};

/** Children entries kept in the cache before the oldest resolved states are dropped. */
const CACHE_ENTRY_BUDGET = 1 << 18;
/** While replaying a long delta chain, every this many rows a copy is cached, so nearby states resolve fast. */
const CHECKPOINT_EVERY = 64;
const NO_CHILDREN: ChildEntry[] = [];

export class ObjectChildren {
  private readonly cache = new Map<number, ChildEntry[]>();
  private cachedEntries = 0;

  constructor(private readonly states: ObjectStateTable) {}

  /** The children of state `index` (display order). The array is shared: callers must not modify it. */
  at(index: number): ChildEntry[] {
    const hit = this.cache.get(index);
    if (hit) return hit;
    const t = this.states;
    if (!t.delta[index]) return this.remember(index, parseFull(t.children.get(index)));
    // Walk back to the nearest state we can start from: a cached one or the object's last full row.
    const object = t.object[index];
    let from = index;
    let base: ChildEntry[] | undefined;
    while (from > 0 && t.object[from - 1] === object) {
      from--;
      base = this.cache.get(from);
      if (base || !t.delta[from]) break;
    }
    let working: ChildEntry[];
    let first = from + 1; // the first row to apply
    if (base) working = base.slice();
    else if (!t.delta[from]) working = parseFull(t.children.get(from)).slice();
    else { working = []; first = from; } // a delta with no full row before it (a damaged file): start empty
    for (let i = first; i <= index; i++) {
      applyDelta(working, t.length[i], t.cut[i], t.children.get(i));
      if (i < index && index - i >= CHECKPOINT_EVERY && (i - from) % CHECKPOINT_EVERY === 0) this.remember(i, compact(working.slice()));
    }
    return this.remember(index, compact(working));
  }

  private remember(index: number, children: ChildEntry[]): ChildEntry[] {
    this.cache.set(index, children);
    this.cachedEntries += children.length + 1;
    // Map iterates in insertion order: drop the oldest until the budget holds again.
    for (const [key, old] of this.cache) {
      if (this.cachedEntries <= CACHE_ENTRY_BUDGET || key === index) break;
      this.cache.delete(key);
      this.cachedEntries -= old.length + 1;
    }
    return children;
  }
}

function parseFull(json: string | null): ChildEntry[] {
  if (!json) return NO_CHILDREN;
  try {
    const parsed = JSON.parse(json) as unknown;
    return Array.isArray(parsed) ? (parsed as ChildEntry[]) : NO_CHILDREN;
  } catch {
    return NO_CHILDREN;
  }
}

/** The previous state's children cut to `length - cut` entries, with the listed positions replaced or appended. */
function applyDelta(working: ChildEntry[], length: number, cut: number, json: string | null): void {
  const keep = cut < 0 ? 0 : Math.max(0, length - cut);
  if (working.length > keep) working.length = keep;
  let triples: unknown;
  try { triples = json ? JSON.parse(json) : []; } catch { triples = []; }
  if (!Array.isArray(triples)) return;
  for (const t of triples as unknown[]) {
    if (!Array.isArray(t) || t.length < 3) continue;
    const position = t[0];
    if (typeof position !== 'number' || !Number.isInteger(position) || position < 0 || position >= keep) continue;
    working[position] = [t[1] as string | number, t[2] as number];
  }
}

/** Drops holes a damaged delta chain could leave (every position past the previous list must be listed). */
function compact(working: ChildEntry[]): ChildEntry[] {
  for (let i = 0; i < working.length; i++) {
    if (working[i] === undefined) return working.filter((entry) => entry !== undefined);
  }
  return working;
}
