// DAP end-to-end: recorded numpy arrays and bytearrays (buffer_writes) through the real adapter: element children
// at several steps against the program's own values, paging of a 2.4 MB array, evaluate on arrays,
// timeline/bufferHistory for an element and a slice (a line, a callee through a view, np.add(out=)), data
// breakpoints on an element and on the array in both directions, a bytearray that grows. Needs numpy for
// /usr/bin/python3 (Debian's python3-numpy); skipped with the reason without it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DebugProtocol } from '@vscode/debugprotocol';
import { bufferFixture, gotoLine, local } from './support/buffer-steps';
import { numpySkipReason } from './support/paths';
import { AdapterSession, withSession } from './support/session';

const TIMEOUT = { timeout: 180_000 };
// snaps: the program's own values at its `snap` lines, numpy's str() of every element.
const { fixture, skip, snaps, open } = bufferFixture<Record<string, string[]>>('numpy_buffers.py', numpySkipReason(), 'numpy-snaps');

async function elements(session: AdapterSession, v: DebugProtocol.Variable, start = 0, count = v.indexedVariables ?? 0): Promise<string[]> {
  const page = await session.variables(v.variablesReference, { filter: 'indexed', start, count });
  assert.deepEqual(page.map((c) => c.name), Array.from({ length: count }, (_, i) => String(start + i)), 'children are named by index');
  return page.map((c) => c.value);
}

test('array elements at several steps are the program\'s own values; shape and dtype are shown', { ...TIMEOUT, skip }, async () => {
  const own = await snaps();
  await withSession(async (session) => {
    await open(session);
    for (const mark of ['after_set', 'after_fill', 'after_add']) {
      await gotoLine(session, fixture, mark);
      const a = await local(session, 'a');
      assert.equal(a.type, 'numpy.ndarray');
      assert.equal(a.indexedVariables, 16);
      assert.deepEqual(await elements(session, a), own[mark], `a at @${mark}`);
      assert.equal(a.value, `array([${own[mark].join(', ')}], dtype=int32)`, 'numpy\'s repr on one line');
      const named = await session.variables(a.variablesReference, { filter: 'named' });
      assert.deepEqual(named.map((c) => [c.name, c.value]), [['shape', '(16,)'], ['dtype', "dtype('int32')"]]);
    }
    // A 2-D float32 array: rows, each row its elements; float32 prints its shortest digits (0.1, not 0.10000000149011612).
    for (const mark of ['m_after_set', 'm_after_scale']) {
      await gotoLine(session, fixture, mark);
      const m = await local(session, 'm');
      assert.equal(m.indexedVariables, 3);
      const rows = await session.variables(m.variablesReference, { filter: 'indexed', start: 0, count: 3 });
      const values: string[] = [];
      for (const row of rows) {
        assert.equal(row.indexedVariables, 4);
        assert.match(row.value, /^array\(\[.*\], dtype=float32\)$/);
        values.push(...await elements(session, row));
      }
      assert.deepEqual(values, own[mark], `m at @${mark}`);
      const cell = (await session.variables(rows[1].variablesReference, { filter: 'indexed', start: 2, count: 1 }))[0];
      assert.equal(cell.evaluateName, 'm[1, 2]');
      assert.equal(cell.type, 'numpy.float32');
    }
    await gotoLine(session, fixture, 'm_after_set');
    assert.equal((await local(session, 'm')).value, 'array([[0., 0.1, 0.2, 0.3], [0.4, 0.5, 0.1, 0.7], [0.8, 0.9, 1., 1.1]], dtype=float32)');
  });
});

test('a 2.4 MB array pages its elements (start/count) and shows a numpy summary', { ...TIMEOUT, skip }, async () => {
  const own = await snaps();
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'big_page');
    const big = await local(session, 'big');
    assert.equal(big.indexedVariables, 600_000);
    assert.equal(big.value, 'array([0., 0., 0., ..., 0., 0., -2.25], dtype=float32)');
    const started = process.hrtime.bigint();
    const page = await elements(session, big, 123_450, 10);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.deepEqual(page, own.big_page);
    const again = process.hrtime.bigint();
    await elements(session, big, 300_000, 100);
    const pageMs = Number(process.hrtime.bigint() - again) / 1e6;
    // Not a benchmark: only a guard against reconstructing the array per element (seconds).
    assert.ok(pageMs < 1000, `a page of 100 elements took ${pageMs.toFixed(1)} ms (first page, loading included: ${ms.toFixed(1)} ms)`);
    // The state before the writes: all zeros.
    await gotoLine(session, fixture, 'set_big');
    assert.deepEqual(await elements(session, await local(session, 'big'), 123_456, 1), ['0.0']);
  });
});

test('evaluate and hover read recorded arrays: elements, rows, slices, shape, dtype, len', { ...TIMEOUT, skip }, async () => {
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'm_after_set');
    const cases: Array<[string, string, string | undefined]> = [
      ['a[3]', '10', 'numpy.int32'], ['a[-1]', '15', 'numpy.int32'], ['a[2:5]', 'array([2, 10, 9], dtype=int32)', 'numpy.ndarray'],
      ['a.shape', '(16,)', 'tuple'], ['a.dtype', "dtype('int32')", 'numpy.dtype'], ['len(a)', '16', 'int'],
      ['m[1, 2]', '0.1', 'numpy.float32'], ['m[1]', 'array([0.4, 0.5, 0.1, 0.7], dtype=float32)', 'numpy.ndarray'],
      ['m[:, 0]', 'array([0., 0.4, 0.8], dtype=float32)', 'numpy.ndarray'], ['m.shape', '(3, 4)', 'tuple'],
      ['a[3] + a[4]', '19', undefined], ['m[1, 2] > 0.05', 'True', undefined],
    ];
    for (const [expression, result, type] of cases) {
      const body = await session.evaluate(expression, undefined, 'hover');
      assert.equal(body.result, result, expression);
      if (type) assert.equal(body.type, type, `type of ${expression}`);
    }
    const slice = await session.evaluate('a[2:5]');
    assert.equal(slice.indexedVariables, 3);
    assert.deepEqual((await session.variables(slice.variablesReference, { filter: 'indexed', start: 0, count: 3 })).map((c) => c.value), ['2', '10', '9']);
    await assert.rejects(session.evaluate('a[16]'), /IndexError: index 16 is out of bounds for axis 0 with size 16/);
    await assert.rejects(session.evaluate('a.sum()'), /cannot run code in a recording/);
  });
});

test('timeline/bufferHistory: an element and a slice, written by a line, a callee through a view and np.add(out=)', { ...TIMEOUT, skip }, async () => {
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'end');
    const frameId = (await session.topFrame()).id;
    const one = await session.request('timeline/bufferHistory', { variable: 'a', frameId, index: 3 });
    assert.equal(one.total, 2);
    assert.deepEqual(one.entries.map((e) => [fixture.label(e.line), e.function, e.index, e.before, e.after]),
      [['@set', 'main', 3, '0', '7'], ['@add', 'main', 3, '7', '10']]);
    assert.ok(one.entries.every((e) => e.file === fixture.path));
    const slice = await session.request('timeline/bufferHistory', { variable: 'a', frameId, slice: { start: 4, stop: 8 } });
    assert.equal(slice.total, 8);
    assert.deepEqual(slice.entries.map((e) => `${fixture.label(e.line)} ${e.function} a[${e.index}] ${e.before}->${e.after}`), [
      '@fill fill a[4] 0->5', '@fill fill a[5] 0->5', '@fill fill a[6] 0->5', '@fill fill a[7] 0->5',
      '@add main a[4] 5->9', '@add main a[5] 5->10', '@add main a[6] 5->11', '@add main a[7] 5->12',
    ]);
    const steps = slice.entries.map((e) => e.step);
    assert.deepEqual([...steps].sort((x: number, y: number) => x - y), steps, 'in step order');
    const page = await session.request('timeline/bufferHistory', { variable: 'a', frameId, slice: { start: 4, stop: 8 }, start: 3, count: 2 });
    assert.equal(page.total, 8);
    assert.deepEqual(page.entries.map((e) => e.index), [7, 4]);
    // A 2-D array written through a reversed view by a callee: its multi-index, and the callee's line.
    const cell = await session.request('timeline/bufferHistory', { variable: 'm', frameId, index: [1, 2] });
    assert.deepEqual(cell.entries.map((e) => [fixture.label(e.line), e.function, e.index, e.before, e.after]),
      [['@set_m', 'main', [1, 2], '0.6', '0.1'], ['@scale', 'scale', [1, 2], '0.1', '0.2']]);
    // The step of an entry shows the new value; the step before it, the old one.
    await session.move('gotoStep', { step: cell.entries[1].step });
    assert.equal(await session.valueOf('m[1, 2]'), '0.2');
    await session.move('gotoStep', { step: cell.entries[1].step - 1 });
    assert.equal(await session.valueOf('matrix[1, 2]'), '0.1', 'in scale(), before its line: matrix = m[::-1]');
    const failure = await session.requestFailure('timeline/bufferHistory', { variable: 'SNAPS', frameId: undefined });
    assert.match(failure, /'SNAPS' is not a recorded buffer/);
  });
});

test('a data breakpoint on an array element stops where it was written, forwards and backwards', { ...TIMEOUT, skip }, async () => {
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'after_set');
    const a = await local(session, 'a');
    const info = await session.request('dataBreakpointInfo', { variablesReference: a.variablesReference, name: '3' });
    assert.ok(info.dataId, JSON.stringify(info));
    assert.equal(info.description, 'a[3] (every change in the recording)');
    const six = await session.request('dataBreakpointInfo', { variablesReference: a.variablesReference, name: '6' });
    const [bp] = (await session.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }] })).breakpoints;
    assert.equal(bp.verified, true);
    assert.equal(bp.message, '2 changes in the recording');
    await session.move('gotoStep', { step: 0 });
    let stop = await session.step('continue');
    assert.equal(stop.reason, 'data breakpoint');
    assert.equal(stop.description, 'a[3]: 0 \u2192 7');
    assert.equal(await session.valueOf('a[3]'), '7');
    stop = await session.step('continue');
    assert.equal(stop.description, 'a[3]: 7 \u2192 10');
    stop = await session.step('reverseContinue');
    assert.equal(stop.description, 'a[3]: 0 \u2192 7');
    // An element that only the callee writes through its view: the stop is in the callee.
    await session.request('setDataBreakpoints', { breakpoints: [{ dataId: six.dataId }] });
    await session.move('gotoStep', { step: 0 });
    stop = await session.step('continue');
    assert.equal(stop.description, 'a[6]: 0 \u2192 5');
    // The write was made by fill() through a[4:8]; it shows from fill's return on (the caller at the call line).
    const top = await session.topFrame();
    assert.equal(top.name, 'main');
    assert.equal(fixture.label(top.line), '@call_fill');
  });
});

test('a data breakpoint on the array variable stops at every write of any element', { ...TIMEOUT, skip }, async () => {
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'set_m');
    const scope = await session.scope((await session.topFrame()).id);
    const info = await session.request('dataBreakpointInfo', { variablesReference: scope.variablesReference, name: 'm' });
    await session.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }] });
    let stop = await session.step('continue');
    assert.equal(stop.description, 'm[1, 2]: 0.6 \u2192 0.1');
    stop = await session.step('continue');
    assert.equal(stop.description, 'm[0, 1]: 0.1 \u2192 0.2 (+10 more elements)', 'scale() doubled every element (m[0, 0] stays 0)');
    stop = await session.step('reverseContinue');
    assert.equal(stop.description, 'm[1, 2]: 0.6 \u2192 0.1');
    // An expression (the editor's "Break on Value Change" on a selection) watches that element.
    const expr = await session.request('dataBreakpointInfo', { name: 'm[2, 3]' });
    assert.ok(expr.dataId, JSON.stringify(expr));
    await session.request('setDataBreakpoints', { breakpoints: [{ dataId: expr.dataId }] });
    await session.move('gotoStep', { step: 0 });
    stop = await session.step('continue');
    assert.equal(stop.description, 'm[2, 3]: 1.1 \u2192 2.2');
    // A slice: any of its elements; a[4:6] is written by fill() and by np.add.
    const slice = await session.request('dataBreakpointInfo', { name: 'a[4:6]' });
    const [bp] = (await session.request('setDataBreakpoints', { breakpoints: [{ dataId: slice.dataId }] })).breakpoints;
    assert.equal(bp.message, '2 changes in the recording');
    await session.move('gotoStep', { step: 0 });
    stop = await session.step('continue');
    assert.equal(stop.description, 'a[4:6][0]: 0 \u2192 5 (+1 more element)');
    stop = await session.step('continue');
    assert.equal(stop.description, 'a[4:6][0]: 5 \u2192 9 (+1 more element)');
  });
});

test('a data breakpoint on the array variable stops once per write, never at a step that shows nothing new', { ...TIMEOUT, skip }, async () => {
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'set');
    const scope = await session.scope((await session.topFrame()).id);
    const info = await session.request('dataBreakpointInfo', { variablesReference: scope.variablesReference, name: 'a' });
    await session.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }] });
    const forward: string[] = [];
    for (let stop = await session.step('continue'); stop.reason === 'data breakpoint'; stop = await session.step('continue')) {
      forward.push(`${fixture.label((await session.topFrame()).line)} ${stop.description}`);
    }
    // a is written by the line a[3] = 7, by fill() through a[4:8] and by np.add(out=a): three stops, each a change.
    assert.equal(forward.length, 3, forward.join('\n'));
    for (const line of forward) {
      const [before, after] = line.split(' \u2192 ');
      assert.notEqual(before.replace(/^.*?: /, ''), after.replace(/ \(\+.*$/, ''), line);
    }
    const backward: string[] = [];
    for (let stop = await session.step('reverseContinue'); stop.reason === 'data breakpoint'; stop = await session.step('reverseContinue')) {
      backward.push(`${fixture.label((await session.topFrame()).line)} ${stop.description}`);
    }
    // Backwards from the end: the same three, then the step after the line that bound a (from where we started, a was bound).
    assert.deepEqual(backward, [...[...forward].reverse(), '@bind_b a: <unbound> \u2192 array(shape=(16,), dtype=int32)']);
  });
});

test('a bytearray: its bytes as children, its history, and growing', { ...TIMEOUT, skip }, async () => {
  const own = await snaps();
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'data_after_set');
    let data = await local(session, 'data');
    assert.equal(data.value, "bytearray(b'Hello')");
    assert.deepEqual(await elements(session, data), own.data_after_set);
    await gotoLine(session, fixture, 'data_after_grow');
    data = await local(session, 'data');
    assert.equal(data.value, "bytearray(b'Hello!!')");
    assert.equal(data.indexedVariables, 7);
    assert.deepEqual(await elements(session, data), own.data_after_grow);
    const history = await session.request('timeline/bufferHistory', { variable: 'data', index: 0 });
    assert.deepEqual(history.entries.map((e) => [fixture.label(e.line), e.before, e.after]), [['@set_data', '104', '72']]);
  });
});

test('timeline/bufferHistory can be cancelled while it reads (DAP cancel with its requestId)', { ...TIMEOUT, skip }, async () => {
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'end');
    const client = session.client as unknown as { sequence: number };
    const seq: number = client.sequence; // the seq the next request gets (ProtocolClient numbers them 1, 2, …)
    const answer = session.raw('timeline/bufferHistory', { variable: 'big' });
    await session.request('cancel', { requestId: seq });
    const response = await answer;
    assert.equal(response.success, false);
    assert.equal(response.message, 'cancelled');
    // The adapter goes on answering.
    const done = await session.request('timeline/bufferHistory', { variable: 'big', count: 5 });
    assert.equal(done.total, 2);
    assert.deepEqual(done.entries.map((e) => [e.index, e.before, e.after]), [[123456, '0.0', '1.5'], [599999, '0.0', '-2.25']]);
  });
});

test('breakpoint conditions and logpoints read recorded array elements', { ...TIMEOUT, skip }, async () => {
  await withSession(async (session) => {
    await open(session);
    const line = fixture.line('snap_body');
    const set = await session.request('setBreakpoints', {
      source: { path: fixture.path },
      breakpoints: [{ line, condition: 'len(values) == 16 and values[3] == 10' }],
    });
    assert.equal(set.breakpoints[0].verified, true, JSON.stringify(set.breakpoints[0]));
    assert.equal(set.breakpoints[0].message, undefined, 'the condition evaluated without errors');
    await session.move('gotoStep', { step: 0 });
    const stop = await session.step('continue');
    assert.equal(stop.reason, 'breakpoint');
    assert.equal(await session.valueOf('label'), "'after_add'");
    const output = session.waitForEvent('output');
    await session.request('setBreakpoints', { source: { path: fixture.path }, breakpoints: [{ line, logMessage: '{label}: {values[3]}' }] });
    await output;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = session.outputText('console').split('\n').filter((l) => /^\[step \d+\] /.test(l)).map((l) => l.replace(/^\[step \d+\] /, ''));
    assert.deepEqual(lines.slice(0, 5), ['after_set: 7', 'after_fill: 7', 'after_add: 10', 'm_after_set: 0.3', 'm_after_scale: 0.6']);
  });
});
