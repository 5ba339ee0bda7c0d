// A recording's buffer write history (buffer_writes), loaded lazily: the index at the first buffer a request
// shows, a region's bytes at step N when asked (latest snapshot/full row, then diffs in (step, rowid) order),
// kept in a bounded cache. Synchronous callers get 'pending' for what is not loaded and run again through
// `settle`. Must not know about DAP; all reads go through a BufferSource.
import { codecOf, ElementCodec } from './buffer-elements';
import { BufferIndex, BufferRowKind, RegionRows } from './buffer-index';
import { BufferLayout } from './buffer-layout';
import { BufferSource } from './buffer-source';

export type BufferLookup =
  /** No buffer history for this object at this step: show what object_states recorded. */
  | { status: 'none' }
  /** Not loaded yet; inside `settle` it is loaded and the caller runs again. */
  | { status: 'pending' }
  /** Tracked, but its bytes at this step cannot be shown; `reason` says why. */
  | { status: 'unavailable'; layout: BufferLayout; codec: ElementCodec; reason: string }
  | { status: 'ok'; layout: BufferLayout; codec: ElementCodec; bytes: Buffer };

type RegionContent = { bytes: Buffer } | { reason: string };

/** Object kinds and opaque types the recorder may have tracked as buffers (docs/buffer-tracking.md). */
const BUFFER_KINDS = new Set(['ndarray', 'tensor', 'bytearray']);
const OPAQUE_BUFFER_TYPES = new Set(['array.array', 'mmap.mmap', 'memoryview']);

/** Reconstructed region states kept, in bytes, before the least recently used are dropped. */
const CACHE_BYTES = 128 * 1024 * 1024;
/** Passes of `settle` before it answers with whatever is loaded. */
const SETTLE_PASSES = 5;

export class BufferHistory {
  private index?: BufferIndex;
  private indexLoad?: Promise<void>;
  private indexError?: string;
  /** Set while `settle` runs its synchronous build: what that build found missing. */
  private misses?: Map<string, { region: RegionRows; position: number }>;
  private wantIndex = false;
  private readonly states = new Map<string, RegionContent>();
  private readonly cachedPositions = new Map<number, number[]>();
  private cachedBytes = 0;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly codecs = new WeakMap<BufferLayout, ElementCodec>();

  constructor(private readonly source: BufferSource | undefined, private readonly lastStep: number) {}

  /** A history with no rows (recordings built in memory, tests). */
  static none(): BufferHistory { return new BufferHistory(undefined, -1); }

  /** True for objects that may have buffer rows; everything else never needs the index. */
  static isCandidate(kind: string | undefined, type: string | undefined): boolean {
    return kind !== undefined && (BUFFER_KINDS.has(kind) || (kind === 'opaque' && OPAQUE_BUFFER_TYPES.has(type ?? '')));
  }

  /** The index, or undefined while it is not loaded (inside `settle`, asking loads it). */
  loadedIndex(): BufferIndex | undefined {
    if (this.index) return this.index;
    if (!this.source || this.indexError !== undefined) return BufferIndex.empty();
    if (this.misses) this.wantIndex = true;
    return undefined;
  }

  async ensureIndex(): Promise<BufferIndex> {
    if (!this.index) await this.loadIndex();
    return this.index ?? BufferIndex.empty();
  }

  private loadIndex(): Promise<void> {
    if (this.index || !this.source || this.indexError !== undefined) return Promise.resolve();
    this.indexLoad ??= this.source.readIndex().then((rows) => {
      this.index = new BufferIndex(rows, this.lastStep);
      if (this.index.damagedLayouts) console.error(`[watercodeflow] ${this.index.damagedLayouts} buffer layout rows could not be read`);
    }, (err: Error) => {
      // Buffers then show what object_states recorded; the reason goes to the adapter log once.
      this.indexError = err.message;
      console.error(`[watercodeflow] buffer history not available: ${err.message}`);
    });
    return this.indexLoad;
  }

  codec(layout: BufferLayout): ElementCodec {
    let codec = this.codecs.get(layout);
    if (!codec) this.codecs.set(layout, (codec = codecOf(layout)));
    return codec;
  }

  /** The object's layout at `step` and its region's bytes then, as far as loaded. */
  lookup(objectId: number, step: number): BufferLookup {
    const index = this.loadedIndex();
    if (!index) return { status: 'pending' };
    const layout = index.layoutAt(objectId, step);
    if (!layout) return { status: 'none' };
    const codec = this.codec(layout);
    const content = this.regionContent(index, layout, step);
    if (content === undefined) return { status: 'pending' };
    if ('reason' in content) return { status: 'unavailable', layout, codec, reason: content.reason };
    return { status: 'ok', layout, codec, bytes: content.bytes };
  }

  private regionContent(index: BufferIndex, layout: BufferLayout, step: number): RegionContent | undefined {
    const region = index.region(layout.region);
    if (layout.tier === 'fingerprint' && (!region || this.basePosition(region, index.positionAt(region, step)) < 0)) {
      return { reason: fingerprintReason(layout.region) };
    }
    const position = region ? index.positionAt(region, step) : -1;
    if (!region || position < 0) return { reason: this.missingReason(index, layout.region, region, step) };
    const reason = this.unavailableReason(index, region, position, step);
    if (reason) return { reason };
    const key = `${region.regionId}:${position}`;
    const hit = this.states.get(key);
    if (hit) {
      this.touch(key, hit);
      return hit;
    }
    this.misses?.set(key, { region, position });
    return undefined;
  }

  private basePosition(region: RegionRows, position: number): number {
    return position < 0 ? -1 : region.base[position];
  }

  private missingReason(index: BufferIndex, regionId: number, region: RegionRows | undefined, step: number): string {
    if (region && index.hasFingerprints(region)) return fingerprintReason(regionId);
    if (index.isOnWrite(regionId)) {
      return `not recorded: buffer ${regionId} was recorded with snapshots='on-write' and was not written in place after it was ` +
        "first seen; record with snapshots='always' to keep such buffers";
    }
    return `buffer ${regionId} has no recorded content at or before step ${step}`;
  }

  private unavailableReason(index: BufferIndex, region: RegionRows, position: number, step: number): string | undefined {
    const base = region.base[position];
    if (base < 0) return this.missingReason(index, region.regionId, region, step);
    if (index.kind[region.rows[base]] === BufferRowKind.Gone) {
      return `buffer ${region.regionId} was freed (or closed) before step ${step} (noticed at step ${region.steps[base]})`;
    }
    const fingerprint = region.fingerprint[position];
    if (fingerprint > base) {
      return `buffer ${region.regionId} was recorded as fingerprints only from step ${region.steps[fingerprint]} on (it grew past ` +
        "the recorder's diff limit, 10 MB, or the recording's buffer content budget was reached: see the notices), so its " +
        `bytes at step ${step} are not known`;
    }
    return undefined;
  }

  /**
   * Runs `build` (synchronous, reading through `lookup`) until what it asked for is loaded, then returns its
   * last result. A build that throws while something was missing runs again once that is loaded.
   */
  async settle<T>(build: () => T): Promise<T> {
    for (let pass = 1; ; pass++) {
      const misses = new Map<string, { region: RegionRows; position: number }>();
      this.misses = misses;
      this.wantIndex = false;
      let result: T | undefined;
      let failure: unknown;
      let failed = false;
      try { result = build(); } catch (err) { failure = err; failed = true; } finally { this.misses = undefined; }
      const wantIndex = this.wantIndex;
      if ((!wantIndex && misses.size === 0) || pass >= SETTLE_PASSES) {
        if (failed) throw failure;
        return result as T;
      }
      if (wantIndex) await this.loadIndex();
      await Promise.all([...misses].map(([key, miss]) => this.loadState(key, miss.region, miss.position)));
    }
  }

  private loadState(key: string, region: RegionRows, position: number): Promise<void> {
    if (this.states.has(key)) return Promise.resolve();
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.reconstruct(region, position).then((content) => this.remember(key, region.regionId, position, content),
        (err: Error) => this.remember(key, region.regionId, position, { reason: `its bytes could not be read: ${err.message}` }))
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** The region's bytes after its content row at `position`: from a cached earlier state or the base row, plus diffs. */
  private async reconstruct(region: RegionRows, position: number): Promise<RegionContent> {
    const index = this.index!;
    const base = region.base[position];
    let from = base;
    let start: Buffer | undefined;
    const cached = this.cachedPositions.get(region.regionId);
    if (cached) {
      for (let i = cached.length - 1; i >= 0; i--) {
        const p = cached[i];
        if (p <= position && p >= base) {
          const hit = this.states.get(`${region.regionId}:${p}`);
          if (hit && 'bytes' in hit) { from = p; start = hit.bytes; }
          break;
        }
      }
    }
    const diffRows: number[] = [];
    for (let p = from + 1; p <= position; p++) {
      if (index.kind[region.rows[p]] === BufferRowKind.Diff) diffRows.push(index.rowid[region.rows[p]]);
    }
    const wanted = start ? diffRows : [index.rowid[region.rows[base]], ...diffRows];
    const blobs = wanted.length ? await this.source!.readAfter(wanted) : new Map<number, Buffer>();
    let bytes: Buffer;
    if (start) {
      if (diffRows.length === 0) return { bytes: start };
      bytes = Buffer.from(start); // cached states are shared: never written to
    } else {
      const blob = blobs.get(index.rowid[region.rows[base]]);
      if (!blob) return { reason: `buffer ${region.regionId}: its ${index.kind[region.rows[base]] === BufferRowKind.Full ? 'full' : 'snapshot'} row has no bytes (a damaged recording)` };
      if (diffRows.length === 0) return { bytes: blob };
      bytes = Buffer.from(blob);
    }
    for (let p = from + 1; p <= position; p++) {
      const r = region.rows[p];
      if (index.kind[r] !== BufferRowKind.Diff) continue;
      const diff = blobs.get(index.rowid[r]);
      const offset = index.offset[r];
      if (!diff || offset < 0) continue;
      if (offset + diff.length > bytes.length) {
        const grown = Buffer.alloc(offset + diff.length);
        bytes.copy(grown);
        bytes = grown;
      }
      diff.copy(bytes, offset);
    }
    return { bytes };
  }

  private remember(key: string, regionId: number, position: number, content: RegionContent): void {
    this.states.set(key, content);
    let list = this.cachedPositions.get(regionId);
    if (!list) this.cachedPositions.set(regionId, (list = []));
    const at = list.findIndex((p) => p > position);
    if (at < 0) list.push(position); else list.splice(at, 0, position);
    this.cachedBytes += 'bytes' in content ? content.bytes.length : 0;
    // Map iterates in insertion (= use, see touch) order: drop the least recently used past the budget.
    for (const [oldKey, old] of this.states) {
      if (this.cachedBytes <= CACHE_BYTES || oldKey === key) break;
      this.forget(oldKey, old);
    }
  }

  private touch(key: string, content: RegionContent): void {
    this.states.delete(key);
    this.states.set(key, content);
  }

  private forget(key: string, content: RegionContent): void {
    this.states.delete(key);
    this.cachedBytes -= 'bytes' in content ? content.bytes.length : 0;
    const [regionId, position] = key.split(':').map(Number);
    const list = this.cachedPositions.get(regionId);
    const at = list ? list.indexOf(position) : -1;
    if (list && at >= 0) list.splice(at, 1);
  }

  /** The source, for queries over a region's whole history (buffer-element-history.ts). */
  get rows(): BufferSource | undefined { return this.source; }

  async close(): Promise<void> {
    await this.source?.close();
  }
}

function fingerprintReason(regionId: number): string {
  return `not recorded: buffer ${regionId} was recorded as fingerprints only (it is larger than the recorder's diff limit, ` +
    '10 MB), so which pages changed is known but not the values';
}
