// DAP end-to-end: recorded torch CPU tensors (buffer_writes) through the real adapter: elements at several
// steps against the program's own values, torch's repr, shape and dtype, a bfloat16 tensor, an nn.Linear
// weight before and after an optimizer step, evaluate on tensors, timeline/bufferHistory of an element
// written by a line, by a callee through a transposed view and by torch.add(out=), and a data breakpoint on
// it in both directions. Needs torch for /usr/bin/python3 (Debian's python3-torch); skipped with the reason
// without it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DebugProtocol } from '@vscode/debugprotocol';
import { bufferFixture, gotoLine, local } from './support/buffer-steps';
import { torchSkipReason } from './support/paths';
import { AdapterSession, withSession } from './support/session';

const TIMEOUT = { timeout: 180_000 };
// snaps: the program's own values at its `snap` lines, repr() of every element's Python number and torch's repr.
const { fixture, skip, snaps, open } = bufferFixture<Record<string, string[] | string>>('torch_buffers.py', torchSkipReason(), 'torch-snaps');

/** Every element of a 1-D or 2-D tensor variable, in C order, through the Variables view's paging. */
async function elements(session: AdapterSession, v: DebugProtocol.Variable): Promise<DebugProtocol.Variable[]> {
  const items = await session.variables(v.variablesReference, { filter: 'indexed', start: 0, count: v.indexedVariables ?? 0 });
  const out: DebugProtocol.Variable[] = [];
  for (const item of items) {
    if (item.indexedVariables) out.push(...await elements(session, item));
    else out.push(item);
  }
  return out;
}

/** The adapter shows float32 elements with float32's shortest digits; the program saved the double of each. */
function sameFloat32(shown: string[], own: string[]): boolean {
  return shown.length === own.length && shown.every((text, i) => Math.fround(Number(text)) === Number(own[i]));
}

const noWhitespace = (s: string) => s.replace(/\s+/g, '');

test('tensor elements at several steps are the program\'s own values; torch\'s repr, shape and dtype', { ...TIMEOUT, skip }, async () => {
  const own = await snaps();
  await withSession(async (session) => {
    await open(session);
    for (const mark of ['after_set', 'after_row', 'after_add']) {
      await gotoLine(session, fixture, mark);
      const t = await local(session, 't');
      assert.equal(t.type, 'torch.Tensor');
      assert.equal(t.indexedVariables, 2);
      const cells = await elements(session, t);
      assert.ok(sameFloat32(cells.map((c) => c.value), own[mark] as string[]), `t at @${mark}: ${cells.map((c) => c.value)} vs ${own[mark]}`);
      assert.equal(cells[5].type, 'torch.Tensor');
      assert.equal(cells[5].evaluateName, 't[1, 2]');
      assert.equal(noWhitespace(t.value), noWhitespace(own[`${mark}.repr`] as string), 'torch\'s repr (its padding aside)');
      const named = await session.variables(t.variablesReference, { filter: 'named' });
      assert.deepEqual(named.map((c) => [c.name, c.value, c.type]), [['shape', 'torch.Size([2, 3])', 'torch.Size'], ['dtype', 'torch.float32', 'torch.dtype']]);
    }
    await gotoLine(session, fixture, 'after_row');
    assert.equal((await local(session, 't')).value, 'tensor([[0.1000, 0.2000, 0.3000], [0.0000, 0.0000, 5.0000]])');
    await gotoLine(session, fixture, 'half');
    const half = await local(session, 'half');
    assert.equal(noWhitespace(half.value), noWhitespace(own['half.repr'] as string));
    assert.equal(half.value, 'tensor([0.1001, 1.5000, 3.1406], dtype=torch.bfloat16)');
    const halves = await elements(session, half);
    assert.ok(sameFloat32(halves.map((c) => c.value), own.half as string[]), `bfloat16 elements ${halves.map((c) => c.value)}`);
    for (const [mark, label] of [['weight_before', 'before'], ['weight_after', 'after']]) {
      await gotoLine(session, fixture, mark);
      const weight = await local(session, 'weight');
      assert.equal(weight.type, 'torch.nn.parameter.Parameter');
      assert.ok(sameFloat32((await elements(session, weight)).map((c) => c.value), own[mark] as string[]), `the weight ${label} optimizer.step()`);
    }
  });
});

test('evaluate reads recorded tensors: elements, rows, shape, dtype, len', { ...TIMEOUT, skip }, async () => {
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'after_row');
    const cases: Array<[string, string, string | undefined]> = [
      ['t[1, 2]', 'tensor(5.)', 'torch.Tensor'], ['t[0, 1]', 'tensor(0.2000)', 'torch.Tensor'],
      ['t[0]', 'tensor([0.1000, 0.2000, 0.3000])', 'torch.Tensor'], ['t[:, 2]', 'tensor([0.3000, 5.0000])', 'torch.Tensor'],
      ['t.shape', 'torch.Size([2, 3])', 'torch.Size'], ['t.shape[1]', '3', 'int'], ['t.dtype', 'torch.float32', 'torch.dtype'],
      ['len(t)', '2', 'int'], ['t.T[2, 1]', 'tensor(5.)', 'torch.Tensor'], ['t[1, 2] > 1', 'True', 'bool'],
      ['t[0, 0] + t[1, 2]', '5.100000001490116', 'float'],
    ];
    for (const [expression, result, type] of cases) {
      const body = await session.evaluate(expression, undefined, 'hover');
      assert.equal(body.result, result, expression);
      if (type) assert.equal(body.type, type, `type of ${expression}`);
    }
    await assert.rejects(session.evaluate('t[2]'), /IndexError: index 2 is out of bounds for axis 0 with size 2/);
    await assert.rejects(session.evaluate('t.sum'), /cannot run code in a recording.*shape, dtype/);
    await assert.rejects(session.evaluate('t == t'), /gives a tensor of booleans/);
  });
});

test('timeline/bufferHistory of a tensor element: a line, a callee through t.t(), torch.add(out=)', { ...TIMEOUT, skip }, async () => {
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'end');
    const frameId = (await session.topFrame()).id;
    const cell = await session.request('timeline/bufferHistory', { variable: 't', frameId, index: [1, 2] });
    assert.deepEqual(cell.entries.map((e) => [fixture.label(e.line), e.function, e.index, e.before, e.after]), [
      ['@set', 'main', [1, 2], '0.0', '0.5'], ['@scale', 'scale_column', [1, 2], '0.5', '5.0'], ['@add', 'main', [1, 2], '5.0', '6.0'],
    ]);
    const row = await session.request('timeline/bufferHistory', { variable: 't', frameId, slice: { start: 0, stop: 3 } });
    assert.deepEqual(row.entries.map((e) => `${fixture.label(e.line)} t[${e.index}] ${e.before}->${e.after}`), [
      '@set_row t[0,0] 0.0->0.1', '@set_row t[0,1] 0.0->0.2', '@set_row t[0,2] 0.0->0.3',
      '@add t[0,0] 0.1->1.1', '@add t[0,1] 0.2->1.2', '@add t[0,2] 0.3->1.3',
    ]);
  });
});

test('a data breakpoint on a tensor element stops where it was written, forwards and backwards', { ...TIMEOUT, skip }, async () => {
  await withSession(async (session) => {
    await open(session);
    await gotoLine(session, fixture, 'after_set');
    const info = await session.request('dataBreakpointInfo', { name: 't[1, 2]' });
    assert.ok(info.dataId, JSON.stringify(info));
    const [bp] = (await session.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }] })).breakpoints;
    assert.equal(bp.verified, true);
    assert.equal(bp.message, '3 changes in the recording');
    await session.move('gotoStep', { step: 0 });
    let stop = await session.step('continue');
    assert.equal(stop.reason, 'data breakpoint');
    assert.equal(stop.description, 't[1, 2]: 0.0 \u2192 0.5');
    assert.equal(await session.valueOf('t[1, 2]'), 'tensor(0.5000)');
    stop = await session.step('continue');
    assert.equal(stop.description, 't[1, 2]: 0.5 \u2192 5.0');
    // Written by scale_column() through t.t(): it shows from its return on (the caller at the call line).
    const top = await session.topFrame();
    assert.equal(top.name, 'main');
    assert.equal(fixture.label(top.line), '@call_scale');
    stop = await session.step('continue');
    assert.equal(stop.description, 't[1, 2]: 5.0 \u2192 6.0');
    stop = await session.step('reverseContinue');
    assert.equal(stop.description, 't[1, 2]: 0.5 \u2192 5.0');
    // The variable itself: every write of any of its elements (a row written by one line is one stop).
    await gotoLine(session, fixture, 'call_scale');
    const scope = await session.scope((await session.topFrame()).id);
    const whole = await session.request('dataBreakpointInfo', { variablesReference: scope.variablesReference, name: 't' });
    await session.request('setDataBreakpoints', { breakpoints: [{ dataId: whole.dataId }] });
    await gotoLine(session, fixture, 'set_row');
    stop = await session.step('continue');
    assert.equal(stop.description, 't[0, 0]: 0.0 \u2192 0.1 (+2 more elements)');
    stop = await session.step('continue');
    assert.equal(stop.description, 't[0, 0]: 0.1 \u2192 1.1 (+5 more elements)', 'torch.add(t, 1, out=t)');
    stop = await session.step('reverseContinue');
    assert.equal(stop.description, 't[0, 0]: 0.0 \u2192 0.1 (+2 more elements)');
  });
});

test('with buffer tracking off a tensor still pages the elements its object states kept', { ...TIMEOUT, skip }, async () => {
  const own = await snaps();
  await withSession(async (session) => {
    await open(session, { buffers: { tracking: false } });
    await gotoLine(session, fixture, 'after_set');
    const t = await local(session, 't');
    assert.equal(t.value, 'tensor(shape=(2, 3), dtype=torch.float32)', 'without the bytes, shape and dtype');
    assert.equal(t.indexedVariables, 6, 'the snapshot keeps the elements flat, in C order');
    const items = await session.variables(t.variablesReference, { filter: 'indexed', start: 0, count: 6 });
    assert.ok(sameFloat32(items.map((c) => c.value), own.after_set as string[]), items.map((c) => c.value).join());
    assert.deepEqual(items.map((c) => c.evaluateName), Array(6).fill(undefined), 'a flat position is no index expression of a 2-D tensor');
  });
});
