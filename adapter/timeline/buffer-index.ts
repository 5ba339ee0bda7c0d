// The in-memory index of a recording's buffer_writes rows without their blobs: layouts per object, content
// rows per region in (step, rowid) order with the base row (snapshot/full/gone) and the last fingerprint at
// each position. Pure: built from rows the source read; must not do I/O or decode element values.
import { BufferLayout, parseLayout } from './buffer-layout';
import { lastAtOrBefore } from './sorted-search';

export enum BufferRowKind { Layout = 0, Snapshot = 1, Full = 2, Diff = 3, Fingerprint = 4, Gone = 5, Other = 6 }

const KIND_CODES: Record<string, BufferRowKind> = {
  layout: BufferRowKind.Layout, snapshot: BufferRowKind.Snapshot, full: BufferRowKind.Full, diff: BufferRowKind.Diff,
  fingerprint: BufferRowKind.Fingerprint, gone: BufferRowKind.Gone,
};

/** One buffer_writes row as the source reads it: no blobs, the layout JSON for layout rows. */
export interface BufferIndexRow {
  rowid: number; step: number; object_id: number; kind: string; offset: number; length: number; layout: string | null;
}

/** The content rows of one region, in (step, rowid) order; "position" p means the p-th of them. */
export interface RegionRows {
  readonly regionId: number;
  /** Row numbers in the index (BufferIndex.rowid[...] etc.). */
  readonly rows: Int32Array;
  readonly steps: Int32Array;
  /** The position of the latest snapshot, full or gone row at or before each position, or -1. */
  readonly base: Int32Array;
  /** The position of the latest fingerprint row at or before each position, or -1. */
  readonly fingerprint: Int32Array;
}

export class BufferIndex {
  private readonly layoutsByObject = new Map<number, BufferLayout[]>();
  private readonly regions = new Map<number, RegionRows>();
  /** Regions that some layout row declares with snapshots 'on-write'. */
  private readonly onWriteRegions = new Set<number>();
  readonly rowid: Float64Array;
  readonly step: Int32Array;
  readonly kind: Uint8Array;
  readonly offset: Float64Array;
  readonly length: Float64Array;
  /** Layout rows whose JSON could not be read (reported, not fatal). */
  readonly damagedLayouts: number;

  /** `rows` in (step, rowid) order; rows of steps past `lastStep` (a killed run) are left out. */
  constructor(rows: readonly BufferIndexRow[], lastStep: number) {
    const n = rows.length;
    this.rowid = new Float64Array(n); this.step = new Int32Array(n); this.kind = new Uint8Array(n);
    this.offset = new Float64Array(n); this.length = new Float64Array(n);
    const byRegion = new Map<number, number[]>();
    let damaged = 0;
    let count = 0;
    for (const r of rows) {
      if (r.step > lastStep) continue;
      const i = count++;
      const kind = KIND_CODES[r.kind] ?? BufferRowKind.Other;
      this.rowid[i] = r.rowid; this.step[i] = r.step; this.kind[i] = kind; this.offset[i] = r.offset ?? 0; this.length[i] = r.length ?? 0;
      if (kind === BufferRowKind.Layout) {
        const layout = r.layout === null ? undefined : parseLayout(r.object_id, r.step, r.offset ?? 0, r.length ?? 0, r.layout);
        if (!layout) { damaged++; continue; }
        let list = this.layoutsByObject.get(r.object_id);
        if (!list) this.layoutsByObject.set(r.object_id, (list = []));
        list.push(layout);
        if (layout.snapshots === 'on-write') this.onWriteRegions.add(layout.region);
      } else if (kind !== BufferRowKind.Other) {
        let list = byRegion.get(r.object_id);
        if (!list) byRegion.set(r.object_id, (list = []));
        list.push(i);
      }
    }
    this.damagedLayouts = damaged;
    for (const [regionId, list] of byRegion) this.regions.set(regionId, this.regionRows(regionId, list));
  }

  static empty(): BufferIndex { return new BufferIndex([], -1); }

  get isEmpty(): boolean { return this.layoutsByObject.size === 0; }

  private regionRows(regionId: number, list: number[]): RegionRows {
    const rows = Int32Array.from(list);
    const steps = new Int32Array(rows.length);
    const base = new Int32Array(rows.length);
    const fingerprint = new Int32Array(rows.length);
    let lastBase = -1;
    let lastFingerprint = -1;
    for (let p = 0; p < rows.length; p++) {
      const kind = this.kind[rows[p]];
      steps[p] = this.step[rows[p]];
      if (kind === BufferRowKind.Snapshot || kind === BufferRowKind.Full || kind === BufferRowKind.Gone) lastBase = p;
      else if (kind === BufferRowKind.Fingerprint) lastFingerprint = p;
      base[p] = lastBase;
      fingerprint[p] = lastFingerprint;
    }
    return { regionId, rows, steps, base, fingerprint };
  }

  /** Every layout of the object, ascending step; undefined when it was never tracked as a buffer. */
  layouts(objectId: number): readonly BufferLayout[] | undefined { return this.layoutsByObject.get(objectId); }

  /** The object's layout at `step`: its latest layout row at or before it. */
  layoutAt(objectId: number, step: number): BufferLayout | undefined {
    const list = this.layoutsByObject.get(objectId);
    if (!list) return undefined;
    let found: BufferLayout | undefined;
    for (const layout of list) {
      if (layout.since > step) break;
      found = layout;
    }
    return found;
  }

  region(regionId: number): RegionRows | undefined { return this.regions.get(regionId); }

  /** The region's last content row at or before `step` (its position), or -1. */
  positionAt(region: RegionRows, step: number): number {
    return lastAtOrBefore(region.steps, step);
  }

  isOnWrite(regionId: number): boolean { return this.onWriteRegions.has(regionId); }

  /** True when the region has any fingerprint row (it was, or became, too large to keep content for). */
  hasFingerprints(region: RegionRows): boolean {
    return region.fingerprint.length > 0 && region.fingerprint[region.fingerprint.length - 1] >= 0;
  }
}
