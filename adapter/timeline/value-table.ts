// The `vals` table in memory: each value id's type, display and object, kept as the decoded columns (typed
// arrays) and turned into display text only when asked, so a recording with millions of ints creates no
// string at load. Must not do I/O or render containers (value-render.ts does).
import { ValueColumn, valueDisplay, ValueTag } from './chunk-decoder';
import { IdRows } from './id-tables';

export class ValueTable {
  private readonly rows: IdRows;
  /** Object id of each value id (0: a scalar). */
  readonly objectOf: Int32Array;

  constructor(
    valueIds: Int32Array,
    private readonly typeIds: Int32Array,
    private readonly reprs: ValueColumn,
    objectIds: Int32Array,
    private readonly typeNames: readonly string[],
  ) {
    this.rows = new IdRows(valueIds);
    this.objectOf = new Int32Array(this.rows.maxId + 1);
    if (this.rows.direct) {
      this.objectOf.set(objectIds, 1);
    } else {
      for (let i = 0; i < valueIds.length; i++) if (valueIds[i] > 0) this.objectOf[valueIds[i]] = objectIds[i];
    }
  }

  static empty(): ValueTable {
    const none = new Int32Array(0);
    return new ValueTable(none, none, { tag: new Uint8Array(0), num: new Float64Array(0) }, none, []);
  }

  /** The value's type name (`int`, `list`, `mod.Point`), undefined for an unknown id. */
  type(id: number): string | undefined {
    const row = this.rows.row(id);
    return row < 0 ? undefined : this.typeNames[this.typeIds[row]] ?? 'object';
  }

  /** The number of a value stored as a binary int (exact: below 2^53) or float, else undefined. */
  number(id: number): { isInt: boolean; n: number } | undefined {
    const row = this.rows.row(id);
    if (row < 0) return undefined;
    const tag = this.reprs.tag[row];
    if (tag === ValueTag.Float) return { isInt: false, n: this.reprs.num[row] };
    if (tag === ValueTag.Int && this.reprs.text?.[row] === undefined) return { isInt: true, n: this.reprs.num[row] };
    return undefined;
  }

  /**
   * The stored display: Python's repr for scalars, a fixed text for opaque objects, null for containers and
   * instances (rendered from their state), undefined for an unknown id.
   */
  repr(id: number): string | null | undefined {
    const row = this.rows.row(id);
    return row < 0 ? undefined : valueDisplay(this.reprs, row);
  }
}
