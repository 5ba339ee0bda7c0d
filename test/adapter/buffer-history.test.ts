// The adapter's reader of buffer_writes on hand-built recordings: a small tracker in the test writes the rows
// (snapshot / full / diff / gone / fingerprint / layout, on-write snapshots, diffs without `before`) from its own
// copies of the program's buffers, and every state, view and element history is checked against those copies.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { elementRepr } from '../../adapter/timeline/buffer-elements';
import { scanElementChanges, selectElements } from '../../adapter/timeline/buffer-element-history';
import { BufferHistory, BufferLookup } from '../../adapter/timeline/buffer-history';
import { BufferLayout, indexView, positionsOf, StridedView, viewOf } from '../../adapter/timeline/buffer-layout';
import { loadRecording } from '../../adapter/timeline/load-recording';
import { Recording } from '../../adapter/timeline/recording';
import { RecordingBuilder } from './recording-builder';

type Tier = 'full' | 'diff' | 'fingerprint';

/** What BufferTracker does, reduced: content rows from the test's own copies at each step boundary. */
class TestTracker {
  readonly memory = new Map<number, Buffer>();
  private readonly stored = new Map<number, Buffer>();
  private readonly tiers = new Map<number, Tier>();
  /** region -> step -> bytes as the program had them at that step (before its line ran). */
  readonly truth = new Map<number, Map<number, Buffer>>();
  keepBefore = true;

  constructor(private readonly b: RecordingBuilder) {}

  watch(region: number, bytes: Buffer, tier: Tier, snapshot = true): void {
    this.memory.set(region, Buffer.from(bytes));
    this.stored.set(region, Buffer.from(bytes));
    this.tiers.set(region, tier);
    if (snapshot && tier !== 'fingerprint') this.b.bufferRow(region, 'snapshot', Buffer.from(bytes));
  }

  /** At the start of the builder's next step: rows for what changed since the last collect. */
  collect(): void {
    const step = this.b.nextStep;
    for (const [region, now] of this.memory) {
      const old = this.stored.get(region)!;
      const tier = this.tiers.get(region)!;
      if (!now.equals(old)) {
        if (tier === 'full') this.b.bufferRow(region, 'full', Buffer.from(now));
        else {
          for (const [start, end] of changedRanges(old, now)) {
            const kind = tier === 'diff' ? 'diff' : 'fingerprint';
            const after = tier === 'diff' ? Buffer.from(now.subarray(start, end)) : Buffer.alloc(16, 0xab);
            const before = tier === 'diff' && this.keepBefore ? Buffer.from(old.subarray(start, end)) : null;
            this.b.bufferRow(region, kind, after, start, end - start, before);
          }
        }
        this.stored.set(region, Buffer.from(now));
      }
      let steps = this.truth.get(region);
      if (!steps) this.truth.set(region, (steps = new Map()));
      steps.set(step, Buffer.from(now));
    }
  }

  free(region: number): void {
    this.memory.delete(region);
    this.b.bufferRow(region, 'gone', null);
  }
}

/** Contiguous byte ranges that differ (each diff row covers one). */
function changedRanges(a: Buffer, b: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < b.length; i++) {
    if (a[i] === b[i]) continue;
    let j = i;
    while (j < b.length && a[j] !== b[j]) j++;
    out.push([i, j]);
    i = j;
  }
  return out;
}

interface Built {
  rec: Recording;
  tracker: TestTracker;
  ids: Record<string, number>;
  steps: number;
}

/** One module frame running `lines` line steps; `program(step)` mutates the tracker's copies before each step. */
async function build(setup: (b: RecordingBuilder, t: TestTracker, ids: Record<string, number>) => void,
  program: (line: number, t: TestTracker, b: RecordingBuilder, ids: Record<string, number>) => void, lines = 10): Promise<Built> {
  const b = new RecordingBuilder();
  const file = b.file('/tmp/buffers.py');
  const m = b.enter(b.code(file, '<module>', 1), 1);
  const t = new TestTracker(b);
  const ids: Record<string, number> = {};
  setup(b, t, ids);
  for (let line = 1; line <= lines; line++) {
    t.collect();
    b.line(m, line);
    program(line, t, b, ids);
  }
  t.collect();
  b.leave(m, lines);
  const rec = await loadRecording(await b.write());
  return { rec, tracker: t, ids, steps: b.nextStep };
}

async function lookup(history: BufferHistory, objectId: number, step: number): Promise<BufferLookup> {
  return history.settle(() => history.lookup(objectId, step));
}

function elements(found: BufferLookup, view?: StridedView): string[] {
  assert.equal(found.status, 'ok', `lookup: ${JSON.stringify(found.status === 'unavailable' ? found.reason : found.status)}`);
  const ok = found as Extract<BufferLookup, { status: 'ok' }>;
  return Array.from(positionsOf(view ?? viewOf(ok.layout)), (at) => elementRepr(ok.codec.decode(ok.bytes, at)));
}

function f32(bytes: Buffer, view: StridedView): number[] {
  return Array.from(positionsOf(view), (at) => bytes.readFloatLE(at));
}

const asFloat32 = (texts: string[]) => texts.map((t) => Math.fround(Number(t)));

const MATRIX: StridedView = { offset: 0, shape: [4, 6], strides: [24, 4] };

function float32Region(values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

async function matrixRecording(keepBefore: boolean): Promise<Built> {
  return build((b, t, ids) => {
    t.keepBefore = keepBefore;
    const a = b.ndarray('array(shape=(4, 6), dtype=float32)', 24);
    ids.a = a.objectId!;
    t.watch(ids.a, float32Region(Array.from({ length: 24 }, (_, i) => i / 4)), 'diff');
    b.bufferLayout(ids.a, { region: ids.a, shape: [4, 6], strides: [24, 4], itemsize: 4, dtype: '<f4', tier: 'diff' });
  }, (line, t, b, ids) => {
    const a = t.memory.get(ids.a)!;
    if (line === 1) {
      // v = a[::-1, ::2]: a view, first seen now, in a's region.
      const v = b.ndarray('array(shape=(4, 3), dtype=float32)', 12);
      ids.v = v.objectId!;
      const view = indexView(MATRIX, [{ step: -1 }, { step: 2 }]);
      b.bufferLayout(ids.v, { region: ids.a, shape: view.shape, strides: view.strides, itemsize: 4, dtype: '<f4', offset: view.offset, tier: 'diff' });
    }
    if (line === 2) a.writeFloatLE(0.1, 3 * 4); // a[0, 3] = 0.1
    if (line === 3) { a.writeFloatLE(-5.5, 23 * 4); a.writeFloatLE(7, 22 * 4); } // v[0, ...] through the view
    if (line === 4) for (let i = 6; i < 12; i++) a.writeFloatLE(a.readFloatLE(i * 4) + 1, i * 4); // a[1] += 1
    if (line === 6) { a.writeFloatLE(2, 0); a.writeFloatLE(3, 20 * 4); } // two ranges, one step
  });
}

test('a diff-tier array: its elements at every step are the program\'s, through the array and a view', async () => {
  for (const keepBefore of [true, false]) {
    const { rec, tracker, ids, steps } = await matrixRecording(keepBefore);
    const truth = tracker.truth.get(ids.a)!;
    for (let step = 1; step < steps; step++) {
      const expected = truth.get(step);
      if (!expected) continue;
      const found = await lookup(rec.buffers, ids.a, step);
      assert.deepEqual(asFloat32(elements(found)), f32(expected, MATRIX), `a at step ${step} (keep_before ${keepBefore})`);
      const view = indexView(MATRIX, [{ step: -1 }, { step: 2 }]);
      const viewFound = await lookup(rec.buffers, ids.v, step);
      if (viewFound.status === 'none') { assert.ok(step < 2, `v is first seen at step 2, not ${step}`); continue; }
      assert.deepEqual(viewOf((viewFound as { layout: BufferLayout }).layout), view);
      assert.deepEqual(asFloat32(elements(viewFound)), f32(expected, view), `v at step ${step}`);
    }
    const at = await lookup(rec.buffers, ids.a, 3);
    assert.equal(elements(at)[3], '0.1', 'float32 elements print their shortest digits');
    await rec.close();
  }
});

test('element history: every step that changed chosen elements, old and new values (writes through views count)', async () => {
  const { rec, ids } = await matrixRecording(false);
  const index = await rec.buffers.ensureIndex();
  const layoutA = index.layoutAt(ids.a, rec.lastStep)!;
  const history = async (layout: BufferLayout, pick?: Parameters<typeof selectElements>[2]) => {
    const selection = selectElements(layout, viewOf(layout), pick);
    const codec = rec.buffers.codec(layout);
    const out: string[] = [];
    await scanElementChanges(rec.buffers, selection, (change) => {
      for (const e of change.changed) {
        const show = (when: 'before' | 'after') => elementRepr(codec.decode(change.bytesOf(e, when), 0));
        out.push(`${change.step}:${selection.flats[e]}:${show('before')}->${show('after')}`);
      }
    });
    return out;
  };
  assert.deepEqual(await history(layoutA, [0, 3]), ['3:3:0.75->0.1']);
  assert.deepEqual(await history(layoutA, 23), ['4:23:5.75->-5.5'], 'written through the view v');
  assert.deepEqual(await history(layoutA, { start: 0, stop: 1 }), ['7:0:0.0->2.0']);
  assert.deepEqual(await history(layoutA, [1, -1]), ['5:11:2.75->3.75']);
  const all = await history(layoutA);
  assert.equal(all.length, 1 + 2 + 6 + 2, 'one entry per changed element and step');
  assert.deepEqual(all.filter((e) => e.startsWith('7:')), ['7:0:0.0->2.0', '7:20:5.0->3.0'], 'two ranges of one step: one entry each, in index order');
  // The view v = a[::-1, ::2]: its (0, 1) is a[3, 2] (flat 20), its (0, 2) is a[3, 4] (flat 22).
  const layoutV = index.layoutAt(ids.v, rec.lastStep)!;
  assert.deepEqual(await history(layoutV, [0, 2]), ['4:2:5.5->7.0']);
  assert.deepEqual(await history(layoutV, [0, 1]), ['7:1:5.0->3.0']);
  assert.deepEqual(await history(layoutV, { start: 3, stop: 6 }), [], 'row 1 of v is a[2, ::2], never written');
  await rec.close();
});

test('full tier, big-endian ints, a freed buffer, fingerprints and on-write snapshots say why their bytes are missing', async () => {
  const { rec, tracker, ids } = await build((b, t, ids) => {
    const big = b.ndarray('array(shape=(3,), dtype=>i2)', 3);
    ids.big = big.objectId!;
    t.watch(ids.big, Buffer.from([0, 1, 0xff, 0xfe, 0x7f, 0xff]), 'full');
    b.bufferLayout(ids.big, { region: ids.big, shape: [3], strides: [2], itemsize: 2, dtype: '>i2' });
    const huge = b.ndarray('array(shape=(4,), dtype=float64)', 4);
    ids.huge = huge.objectId!;
    t.watch(ids.huge, Buffer.alloc(32), 'fingerprint');
    b.bufferLayout(ids.huge, { region: ids.huge, shape: [4], strides: [8], itemsize: 8, dtype: '<f8', tier: 'fingerprint' });
    const lazy = b.ndarray('array(shape=(2,), dtype=int32)', 2);
    ids.lazy = lazy.objectId!;
    t.watch(ids.lazy, Buffer.alloc(8), 'full', false);
    b.bufferLayout(ids.lazy, { region: ids.lazy, shape: [2], strides: [4], itemsize: 4, dtype: '<i4', snapshots: 'on-write' });
  }, (line, t, _b, ids) => {
    if (line === 2) t.memory.get(ids.big)!.writeInt16BE(-300, 2);
    if (line === 3) t.memory.get(ids.huge)!.writeDoubleLE(1, 0);
    if (line === 5) t.free(ids.big);
  });
  assert.deepEqual(elements(await lookup(rec.buffers, ids.big, 1)), ['1', '-2', '32767']);
  assert.deepEqual(elements(await lookup(rec.buffers, ids.big, 3)), ['1', '-300', '32767']);
  assert.equal(tracker.truth.get(ids.big)!.get(3)!.readInt16BE(2), -300);
  const freed = await lookup(rec.buffers, ids.big, 7);
  assert.equal(freed.status, 'unavailable');
  assert.match((freed as { reason: string }).reason, /was freed \(or closed\) before step 7 \(noticed at step 6\)/);
  const huge = await lookup(rec.buffers, ids.huge, 5);
  assert.equal(huge.status, 'unavailable');
  assert.match((huge as { reason: string }).reason, /fingerprints only .*which pages changed is known but not the values/);
  const lazy = await lookup(rec.buffers, ids.lazy, 5);
  assert.match((lazy as { reason: string }).reason, /snapshots='on-write' and was not written in place/);
  assert.equal((await lookup(rec.buffers, 999, 5)).status, 'none', 'an object without buffer rows: object_states stand');
  await rec.close();
});

test('a bytearray that grows: a new layout and snapshot, elements of the new size from then on', async () => {
  const { rec, ids } = await build((b, t, ids) => {
    const ba = b.object('bytearray', 'bytearray', []);
    ids.ba = ba.objectId!;
    t.watch(ids.ba, Buffer.from('hello'), 'full');
    b.bufferLayout(ids.ba, { region: ids.ba, shape: [5], strides: [1], itemsize: 1, format: 'B', type: 'bytearray' });
  }, (line, t, b, ids) => {
    if (line === 2) t.memory.get(ids.ba)![0] = 72;
    if (line === 4) {
      // ba.extend(b'!!'): the tracker sees new memory: a new layout and a snapshot at the next step.
      const grown = Buffer.concat([t.memory.get(ids.ba)!, Buffer.from('!!')]);
      b.bufferLayout(ids.ba, { region: ids.ba, shape: [7], strides: [1], itemsize: 1, format: 'B', type: 'bytearray' }, b.nextStep);
      t.watch(ids.ba, grown, 'full');
    }
  });
  assert.deepEqual(elements(await lookup(rec.buffers, ids.ba, 2)), ['104', '101', '108', '108', '111']);
  assert.deepEqual(elements(await lookup(rec.buffers, ids.ba, 3))[0], '72');
  assert.deepEqual(elements(await lookup(rec.buffers, ids.ba, 6)), ['72', '101', '108', '108', '111', '33', '33']);
  await rec.close();
});

test('lookups outside settle are pending until loaded; a recording without buffer rows loads an empty index', async () => {
  const { rec, ids } = await matrixRecording(true);
  assert.equal(rec.buffers.lookup(ids.a, 3).status, 'pending');
  assert.equal((await lookup(rec.buffers, ids.a, 3)).status, 'ok');
  assert.equal(rec.buffers.lookup(ids.a, 3).status, 'ok', 'kept in the cache');
  await rec.close();
  const plain = await build(() => undefined, () => undefined, 3);
  assert.equal((await lookup(plain.rec.buffers, 1, 2)).status, 'none');
  assert.equal((await plain.rec.buffers.ensureIndex()).isEmpty, true);
  await plain.rec.close();
});
