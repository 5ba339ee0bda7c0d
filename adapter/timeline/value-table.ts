// The `vals` table in memory: each value id's type, display and object, kept as the decoded columns (typed
// arrays) and turned into display text only when asked, so a recording with millions of ints creates no
// string at load. Must not do I/O or render containers (value-render.ts does).
import { ValueColumn, valueDisplay } from './chunk-decoder';

export class ValueTable {
  /** Value id -> row + 1 (0: no such value); undefined when row i holds id i + 1 (the writer's usual order). */
  private readonly rowPlusOne?: Int32Array;
  /** Object id of each value id (0: a scalar). */
  readonly objectOf: Int32Array;

  constructor(
    valueIds: Int32Array,
    private readonly typeIds: Int32Array,
    private readonly reprs: ValueColumn,
    objectIds: Int32Array,
    private readonly typeNames: readonly string[],
  ) {
    const rows = valueIds.length;
    let maxId = 0;
    let inOrder = true;
    for (let i = 0; i < rows; i++) {
      const id = valueIds[i];
      if (id !== i + 1) inOrder = false;
      if (id > maxId) maxId = id;
    }
    this.objectOf = new Int32Array(maxId + 1);
    if (inOrder) {
      this.objectOf.set(objectIds, 1);
    } else {
      this.rowPlusOne = new Int32Array(maxId + 1);
      for (let i = 0; i < rows; i++) {
        const id = valueIds[i];
        if (id < 0) continue;
        this.rowPlusOne[id] = i + 1;
        this.objectOf[id] = objectIds[i];
      }
    }
  }

  static empty(): ValueTable {
    const none = new Int32Array(0);
    return new ValueTable(none, none, { tag: new Uint8Array(0), num: new Float64Array(0), text: [] }, none, []);
  }

  private row(id: number): number {
    if (!(id > 0 && id < this.objectOf.length)) return -1;
    return this.rowPlusOne ? this.rowPlusOne[id] - 1 : id - 1;
  }

  /** The value's type name (`int`, `list`, `mod.Point`), undefined for an unknown id. */
  type(id: number): string | undefined {
    const row = this.row(id);
    return row < 0 ? undefined : this.typeNames[this.typeIds[row]] ?? 'object';
  }

  /**
   * The stored display: Python's repr for scalars, a fixed text for opaque objects, null for containers and
   * instances (rendered from their state), undefined for an unknown id.
   */
  repr(id: number): string | null | undefined {
    const row = this.row(id);
    if (row < 0) return undefined;
    return valueDisplay(this.reprs, row);
  }
}
