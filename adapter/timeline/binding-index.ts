// Every binding of a recording, indexed by (scope, name) without an object per history: rows sorted by
// (scope, name, step) in typed arrays, a CSR from scope to its (scope, name) groups, and binary searches.
// Must not do I/O or know what the values are; the loader sorts the rows, this only indexes them.
import { lastAtOrBefore } from './sorted-search';

/** value 0 in `values` means "unbound" (deleted). */
export interface BindingHistory { steps: Int32Array; values: Int32Array; firstStep: number }

export class BindingIndex {
  /** Groups of scope s are scopeGroups[s] .. scopeGroups[s + 1] - 1, in ascending name. */
  private readonly scopeGroups: Int32Array;

  /**
   * Groups g = 0..G-1 of rows (each one (scope, name) history): groupScope[g] and groupName[g] ascending by
   * (scope, name), its rows groupRows[g] .. groupRows[g + 1] - 1 of `step` / `value` (ascending step).
   */
  constructor(groupScope: Int32Array, private readonly groupName: Int32Array, private readonly groupRows: Int32Array,
    private readonly step: Int32Array, private readonly value: Int32Array) {
    const groups = groupName.length;
    const maxScope = groups ? groupScope[groups - 1] : 0;
    this.scopeGroups = new Int32Array(maxScope + 2);
    for (let g = 0; g < groups; g++) this.scopeGroups[groupScope[g] + 1] = g + 1;
    // Scopes without rows start where the previous scope ended.
    for (let s = 1; s < this.scopeGroups.length; s++) if (this.scopeGroups[s] < this.scopeGroups[s - 1]) this.scopeGroups[s] = this.scopeGroups[s - 1];
  }

  /** From rows sorted by (scope, name, step). */
  static fromSortedRows(scope: Int32Array, name: Int32Array, step: Int32Array, value: Int32Array): BindingIndex {
    const count = step.length;
    let groups = 0;
    for (let i = 0; i < count; i++) if (i === 0 || scope[i] !== scope[i - 1] || name[i] !== name[i - 1]) groups++;
    const groupScope = new Int32Array(groups);
    const groupName = new Int32Array(groups);
    const groupRows = new Int32Array(groups + 1);
    for (let i = 0, g = -1; i < count; i++) {
      if (i === 0 || scope[i] !== scope[i - 1] || name[i] !== name[i - 1]) {
        g++;
        groupScope[g] = scope[i]; groupName[g] = name[i]; groupRows[g] = i;
      }
    }
    groupRows[groups] = count;
    return new BindingIndex(groupScope, groupName, groupRows, step, value);
  }

  static empty(): BindingIndex {
    const none = new Int32Array(0);
    return new BindingIndex(none, none, new Int32Array(1), none, none);
  }

  /** The history of (scope, name) as a group number for rowAt, or -1 when the scope never bound the name. */
  group(scopeId: number, nameId: number): number {
    if (!(scopeId >= 0 && scopeId + 1 < this.scopeGroups.length)) return -1;
    const lo = this.scopeGroups[scopeId];
    const hi = this.scopeGroups[scopeId + 1];
    const g = lastAtOrBefore(this.groupName, nameId, lo, hi);
    return g >= lo && this.groupName[g] === nameId ? g : -1;
  }

  hasScope(scopeId: number): boolean {
    return scopeId >= 0 && scopeId + 1 < this.scopeGroups.length && this.scopeGroups[scopeId + 1] > this.scopeGroups[scopeId];
  }

  hasName(scopeId: number, nameId: number): boolean { return this.group(scopeId, nameId) >= 0; }

  /** The value id bound at `step` (0 = unbound), or undefined when the name was not bound by then. */
  valueAt(scopeId: number, nameId: number, step: number): number | undefined {
    const g = this.group(scopeId, nameId);
    if (g < 0) return undefined;
    const lo = this.groupRows[g];
    const i = lastAtOrBefore(this.step, step, lo, this.groupRows[g + 1]);
    return i < lo ? undefined : this.value[i];
  }

  /**
   * The row of group `g` in force at `step` (its latest row at or before it), or -1. `hint`, a row found for
   * an earlier step, makes a walk through ascending steps (a logpoint's hits) cost O(1) per step.
   */
  rowAt(g: number, step: number, hint = -1): number {
    const lo = this.groupRows[g];
    const hi = this.groupRows[g + 1];
    if (hint >= lo && hint < hi && this.step[hint] <= step) {
      for (let i = hint, limit = Math.min(hi, hint + 8); i < limit; i++) {
        if (i + 1 === hi || this.step[i + 1] > step) return i;
      }
    }
    const i = lastAtOrBefore(this.step, step, lo, hi);
    return i >= lo ? i : -1;
  }

  /** The value id of row `row` (0: unbound). */
  valueOfRow(row: number): number { return this.value[row]; }

  /** The bound names of a scope at `step`: [nameId, valueId, firstStep], in name order. */
  boundAt(scopeId: number, step: number): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    if (!this.hasScope(scopeId)) return out;
    for (let g = this.scopeGroups[scopeId]; g < this.scopeGroups[scopeId + 1]; g++) {
      const lo = this.groupRows[g];
      if (this.step[lo] > step) continue;
      const i = lastAtOrBefore(this.step, step, lo, this.groupRows[g + 1]);
      if (this.value[i] !== 0) out.push([this.groupName[g], this.value[i], this.step[lo]]);
    }
    return out;
  }

  /** One name's whole history (views into the index: do not modify). */
  history(scopeId: number, nameId: number): BindingHistory | undefined {
    const g = this.group(scopeId, nameId);
    if (g < 0) return undefined;
    const lo = this.groupRows[g];
    const hi = this.groupRows[g + 1];
    return { steps: this.step.subarray(lo, hi), values: this.value.subarray(lo, hi), firstStep: this.step[lo] };
  }

  /** The names a scope ever bound, ascending. */
  namesOf(scopeId: number): number[] {
    if (!this.hasScope(scopeId)) return [];
    return Array.from(this.groupName.subarray(this.scopeGroups[scopeId], this.scopeGroups[scopeId + 1]));
  }

  /** Every scope that ever bound `nameId`, ascending. */
  scopesBinding(nameId: number): number[] {
    const out: number[] = [];
    for (let s = 0; s + 1 < this.scopeGroups.length; s++) {
      if (this.scopeGroups[s + 1] > this.scopeGroups[s] && this.group(s, nameId) >= 0) out.push(s);
    }
    return out;
  }

  /** Every scope with at least one binding, ascending. */
  scopeIds(): number[] {
    const out: number[] = [];
    for (let s = 0; s + 1 < this.scopeGroups.length; s++) if (this.scopeGroups[s + 1] > this.scopeGroups[s]) out.push(s);
    return out;
  }
}
