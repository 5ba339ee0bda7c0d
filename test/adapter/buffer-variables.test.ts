// The Variables view and the evaluator over hand-built buffer_writes rows (no numpy needed): element children,
// rows of rows, paging, shape/dtype, views with negative strides and offsets, big-endian and narrow dtypes,
// object_states fallback, and the reasons shown when elements are missing.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RecordedEvaluator } from '../../adapter/evaluate/evaluator';
import { VariableHandles } from '../../adapter/session/variable-handles';
import { VariablesView } from '../../adapter/session/variables-view';
import { loadRecording } from '../../adapter/timeline/load-recording';
import { Recording } from '../../adapter/timeline/recording';
import { RecordingBuilder } from './recording-builder';

interface Built { rec: Recording; step: number }

/** A module frame with m (4×6 '>f8' 0..23 / 4), r = m[::-1, 1::2] bound too, c ('>c8'), h ('<f2'), and small s. */
async function build(): Promise<Built> {
  const b = new RecordingBuilder();
  const frame = b.enter(b.code(b.file('/tmp/arrays.py'), '<module>', 1), 1);
  const m = b.ndarray('array(shape=(4, 6), dtype=>f8)', 24);
  const region = Buffer.alloc(24 * 8);
  for (let i = 0; i < 24; i++) region.writeDoubleBE(i / 4, i * 8);
  b.bufferRow(m.objectId!, 'snapshot', region);
  b.bufferLayout(m.objectId!, { region: m.objectId!, shape: [4, 6], strides: [48, 8], itemsize: 8, dtype: '>f8', tier: 'diff' });
  b.set(frame, 'm', m);
  const r = b.ndarray('array(shape=(4, 3), dtype=>f8)', 12);
  b.bufferLayout(r.objectId!, { region: m.objectId!, shape: [4, 3], strides: [-48, 16], itemsize: 8, dtype: '>f8', offset: 3 * 48 + 8 });
  b.set(frame, 'r', r);
  const c = b.ndarray('array(shape=(2,), dtype=>c8)', 2);
  const complex = Buffer.alloc(16);
  complex.writeFloatBE(1, 0); complex.writeFloatBE(-2.5, 4); complex.writeFloatBE(0, 8); complex.writeFloatBE(0.1, 12);
  b.bufferRow(c.objectId!, 'snapshot', complex);
  b.bufferLayout(c.objectId!, { region: c.objectId!, shape: [2], strides: [8], itemsize: 8, dtype: '>c8' });
  b.set(frame, 'c', c);
  const h = b.ndarray('array(shape=(3,), dtype=float16)', 3);
  b.bufferRow(h.objectId!, 'snapshot', Buffer.from([0x66, 0x2e, 0x00, 0x3c, 0x00, 0x7c])); // 0.1, 1.0, inf
  b.bufferLayout(h.objectId!, { region: h.objectId!, shape: [3], strides: [2], itemsize: 2, dtype: '<f2' });
  b.set(frame, 'h', h);
  // A small array without buffer rows (tracking off): its object_states elements stand.
  const s = b.ndarray('array(shape=(2,), dtype=int64)', 2, [b.int(5), b.int(6)]);
  b.set(frame, 's', s);
  b.line(frame, 2);
  // m[1, 2] = -7 (a diff row), seen from step 2 on.
  b.bufferRow(m.objectId!, 'diff', (() => { const d = Buffer.alloc(8); d.writeDoubleBE(-7); return d; })(), 8 * 8, 8, null);
  b.line(frame, 3);
  const step = b.line(frame, 4);
  b.leave(frame, 4);
  return { rec: await loadRecording(await b.write()), step };
}

function scopeOf(rec: Recording, step: number): number { return rec.frames.localsScope[rec.stepFrame[step]]; }

async function variables(rec: Recording, step: number) {
  const handles = new VariableHandles();
  return rec.buffers.settle(() => {
    const view = new VariablesView(rec, handles);
    const vars = new Map(view.scopeVariables(scopeOf(rec, step), step, true).map((v) => [v.name, v]));
    const children = (name: string, start = 0, count?: number, filter?: 'indexed' | 'named') => {
      const container = handles.get(vars.get(name)!.variablesReference);
      assert.ok(container && container.kind === 'buffer', `${name} is shown from its buffer history`);
      return view.buffers.children(container, start, count, filter);
    };
    const rowChildren = (name: string, row: number) => {
      const rowVar = children(name, row, 1, 'indexed')[0];
      const container = handles.get(rowVar.variablesReference)!;
      return view.buffers.children(container as Extract<typeof container, { kind: 'buffer' }>, 0, undefined, 'indexed');
    };
    return { vars, children, rowChildren, view, handles };
  });
}

test('a 2-D big-endian array: rows of elements at each step, shape and dtype, numpy\'s one-line repr', async () => {
  const { rec, step } = await build();
  const before = await variables(rec, 1);
  assert.equal(before.vars.get('m')!.value,
    'array([[0., 0.25, 0.5, 0.75, 1., 1.25], [1.5, 1.75, 2., 2.25, 2.5, 2.75], [3., 3.25, 3.5, 3.75, 4., 4.25], [4.5, 4.75, 5., 5.25, 5.5, 5.75]])',
    "numpy omits dtype=float64 (byte order does not show)");
  const after = await variables(rec, step);
  const m = after.vars.get('m')!;
  assert.equal(m.indexedVariables, 4);
  assert.equal(m.namedVariables, 2);
  assert.deepEqual(after.children('m', 0, undefined, 'named').map((v) => [v.name, v.value]), [['shape', '(4, 6)'], ['dtype', "dtype('>f8')"]]);
  const row = after.children('m', 1, 1, 'indexed')[0];
  assert.equal(row.value, 'array([1.5, 1.75, -7., 2.25, 2.5, 2.75])');
  assert.equal(row.evaluateName, 'm[1]');
  const cells = after.rowChildren('m', 1);
  assert.deepEqual(cells.map((v) => v.value), ['1.5', '1.75', '-7.0', '2.25', '2.5', '2.75']);
  assert.deepEqual(cells.map((v) => v.evaluateName), ['m[1, 0]', 'm[1, 1]', 'm[1, 2]', 'm[1, 3]', 'm[1, 4]', 'm[1, 5]']);
  assert.equal(cells[0].type, 'numpy.float64');
  await rec.close();
});

test('a view with negative strides and an offset reads its region, and sees writes made through its base', async () => {
  const { rec, step } = await build();
  const { rowChildren, vars } = await variables(rec, step);
  assert.equal(vars.get('r')!.indexedVariables, 4);
  // r = m[::-1, 1::2]: row 0 is m[3, 1::2], row 2 is m[1, 1::2] (columns 1, 3, 5: not the written m[1, 2]).
  assert.deepEqual(rowChildren('r', 0).map((v) => v.value), ['4.75', '5.25', '5.75']);
  assert.deepEqual(rowChildren('r', 2).map((v) => v.value), ['1.75', '2.25', '2.75']);
  const ev = new RecordedEvaluator(rec, step, rec.stepFrame[step]);
  const evaluate = (e: string) => rec.buffers.settle(() => ev.evaluate(e));
  assert.equal((await evaluate('m[1, 2]')).repr, '-7.0');
  assert.equal((await evaluate('r[-1, 0]')).repr, '0.25');
  assert.equal((await evaluate('m[::-1, 1::2][2]')).repr, 'array([1.75, 2.25, 2.75])');
  assert.equal((await evaluate('m[1:3, 2]')).repr, 'array([-7., 3.5])');
  assert.equal((await evaluate('m.T[2, 1]')).repr, '-7.0');
  assert.equal((await evaluate('r.shape')).repr, '(4, 3)');
  assert.equal((await evaluate('r.strides')).repr, '(-48, 16)');
  assert.equal((await evaluate('m.dtype')).repr, "dtype('>f8')", 'numpy names a non-native byte order');
  assert.equal((await evaluate('len(m[0])')).repr, '6');
  assert.equal((await evaluate('max(m[1])')).repr, '2.75');
  await assert.rejects(evaluate('m[4]'), /IndexError: index 4 is out of bounds for axis 0 with size 4/);
  await assert.rejects(evaluate('m[0, 0, 0]'), /too many indices/);
  await assert.rejects(evaluate('m == m'), /gives an array of booleans/);
  await assert.rejects(evaluate('bool(m)'), /truth value of an array with more than one element is ambiguous/);
  await rec.close();
});

test('complex64 (big-endian) and float16 elements print as numpy prints them; an untracked array keeps object_states', async () => {
  const { rec, step } = await build();
  const { vars, children } = await variables(rec, step);
  assert.equal(vars.get('c')!.value, 'array([1.-2.5j, 0.+0.1j], dtype=complex64)');
  assert.deepEqual(children('c', 0, 2, 'indexed').map((v) => [v.value, v.type]), [['(1-2.5j)', 'numpy.complex64'], ['0.1j', 'numpy.complex64']]);
  assert.equal(vars.get('h')!.value, 'array([0.1, 1., inf], dtype=float16)');
  assert.deepEqual(children('h', 0, 3, 'indexed').map((v) => v.value), ['0.1', '1.0', 'inf']);
  const s = vars.get('s')!;
  assert.equal(s.value, 'array(shape=(2,), dtype=int64)', 'no buffer rows: the recorded display');
  assert.ok(s.variablesReference > 0, 'and its recorded elements are children');
  await rec.close();
});

test('paging: start/count pick elements; an unpaged request is bounded', async () => {
  const b = new RecordingBuilder();
  const frame = b.enter(b.code(b.file('/tmp/big.py'), '<module>', 1), 1);
  const n = 5000;
  const big = b.ndarray(`array(shape=(${n},), dtype=int32)`, n);
  const data = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) data.writeInt32LE(i * 3, i * 4);
  b.bufferRow(big.objectId!, 'snapshot', data);
  b.bufferLayout(big.objectId!, { region: big.objectId!, shape: [n], strides: [4], itemsize: 4, dtype: '<i4' });
  b.set(frame, 'big', big);
  const step = b.line(frame, 2);
  b.leave(frame, 2);
  const rec = await loadRecording(await b.write());
  const { vars, children } = await variables(rec, step);
  assert.equal(vars.get('big')!.value, 'array([0, 3, 6, ..., 14991, 14994, 14997], dtype=int32)');
  assert.deepEqual(children('big', 4990, 5, 'indexed').map((v) => [v.name, v.value]),
    [['4990', '14970'], ['4991', '14973'], ['4992', '14976'], ['4993', '14979'], ['4994', '14982']]);
  const all = children('big');
  assert.equal(all.length, 2 + 1000 + 1, 'shape and dtype first, then 1000 items and a paging note');
  assert.match(all[all.length - 1].value, /4000 more items: ask with start\/count/);
  await rec.close();
});
