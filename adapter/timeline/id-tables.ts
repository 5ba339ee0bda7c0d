// Small read-only tables of a loaded recording kept as decoded columns and answered by key, with the row
// object made only when asked: id -> row, scopes, objects, return values by step. Must not do I/O.
import { TextColumn } from './chunk-decoder';
import type { ObjectInfo, ScopeInfo } from './recording';
import { lastAtOrBefore } from './sorted-search';

/** Finds the row of an id: direct when row i holds id i + 1 (the writers' order), else through an index. */
export class IdRows {
  readonly maxId: number;
  /** id -> row + 1 (0: no such id); undefined when row i holds id i + 1. */
  private readonly rowPlusOne?: Int32Array;

  constructor(ids: Int32Array) {
    let maxId = 0;
    let inOrder = true;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] !== i + 1) inOrder = false;
      if (ids[i] > maxId) maxId = ids[i];
    }
    this.maxId = maxId;
    if (!inOrder) {
      this.rowPlusOne = new Int32Array(maxId + 1);
      for (let i = 0; i < ids.length; i++) if (ids[i] > 0) this.rowPlusOne[ids[i]] = i + 1;
    }
  }

  /** True when row i holds id i + 1. */
  get direct(): boolean { return this.rowPlusOne === undefined; }

  /** The row holding `id`, or -1. */
  row(id: number): number {
    if (!(id > 0 && id <= this.maxId)) return -1;
    return this.rowPlusOne ? this.rowPlusOne[id] - 1 : id - 1;
  }
}

const SCOPE_KIND_GLOBALS = 1;

export class ScopeTable {
  private readonly rows: IdRows;

  constructor(scopeId: Int32Array, private readonly kind: Int32Array, private readonly frameId: Int32Array,
    private readonly module: TextColumn) {
    this.rows = new IdRows(scopeId);
  }

  get(id: number): ScopeInfo | undefined {
    const r = this.rows.row(id);
    if (r < 0) return undefined;
    return { scopeId: id, kind: this.kind[r] === SCOPE_KIND_GLOBALS ? 'globals' : 'locals', frameId: this.frameId[r], module: this.module.get(r) ?? '' };
  }
}

export class ObjectTable {
  private readonly rows: IdRows;

  /** Objects first seen after `lastStep` (a killed run's later rows) are left out. */
  constructor(objectId: Int32Array, private readonly typeId: Int32Array, private readonly kind: TextColumn,
    private readonly firstStep: Int32Array, private readonly typeNames: readonly string[], private readonly lastStep: number) {
    this.rows = new IdRows(objectId);
  }

  static empty(): ObjectTable {
    const none = new Int32Array(0);
    return new ObjectTable(none, none, TextColumn.empty(), none, [], -1);
  }

  get(id: number): ObjectInfo | undefined {
    const r = this.rows.row(id);
    if (r < 0 || this.firstStep[r] > this.lastStep) return undefined;
    return { type: this.typeNames[this.typeId[r]] ?? 'object', kind: this.kind.get(r) ?? 'instance', firstStep: this.firstStep[r] };
  }
}

/** A value per step (the `returns` table): steps ascending, looked up by binary search. */
export class StepValues {
  constructor(private readonly steps: Int32Array, private readonly values: Int32Array) {}

  get size(): number { return this.steps.length; }

  private index(step: number): number {
    const i = lastAtOrBefore(this.steps, step);
    return i >= 0 && this.steps[i] === step ? i : -1;
  }

  has(step: number): boolean { return this.index(step) >= 0; }

  get(step: number): number | undefined {
    const i = this.index(step);
    return i < 0 ? undefined : this.values[i];
  }
}
