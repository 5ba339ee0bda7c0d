// Unit tests of what format v2 adds to loading: delta object states resolved at any step (in any order,
// along long chains), killed recordings whose tables end at different steps, and corrupt chunk lists.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { formatLogMessage } from '../../adapter/replay/log-message';
import { loadRecording } from '../../adapter/timeline/load-recording';
import { Recording } from '../../adapter/timeline/recording';
import { renderValue } from '../../adapter/timeline/value-render';
import { ADD_STEPS, buildAddProgram } from './fixtures';
import { RecordingBuilder, Val } from './recording-builder';

function program(): { b: RecordingBuilder; m: number } {
  const b = new RecordingBuilder();
  const m = b.enter(b.code(b.file('/tmp/v2.py'), '<module>', 1), 1);
  return { b, m };
}

const shown = (rec: Recording, v: Val, step: number) => renderValue(rec, v.valueId, step);

test('delta states resolve against earlier states: append, replace, shrink, cut, a full row again', async () => {
  const { b, m } = program();
  const [one, two, three, four, nine, seven] = [1, 2, 3, 4, 9, 7].map((n) => b.int(n));
  const items = b.object('list', 'list', [[0, one], [1, two], [2, three]]); // from step 1
  const steps: number[] = [b.line(m, 2)];
  b.mutateDelta(items, [[3, 3, four]], 4); steps.push(b.line(m, 3)); // append 4
  b.mutateDelta(items, [[0, 0, nine]], 4); steps.push(b.line(m, 4)); // items[0] = 9
  b.mutateDelta(items, [], 2); steps.push(b.line(m, 5)); // two pops
  b.mutateDelta(items, [[1, 1, seven]], 150, 148); steps.push(b.line(m, 6)); // cut by maxItems: 2 of 150 kept
  b.mutate(items, [[0, one]]); steps.push(b.line(m, 7)); // a full row
  b.mutateDelta(items, [[1, 1, two]], 2); steps.push(b.line(m, 8));
  const d = b.object('dict', 'dict', [["'a'", one]]);
  b.mutateDelta(d, [[1, "'b'", two]], 2); steps.push(b.line(m, 9));
  b.mutateDelta(d, [[0, "'a'", three]], 2); steps.push(b.line(m, 10));
  const rec = await loadRecording(await b.write());
  const expected = ['[1, 2, 3]', '[1, 2, 3, 4]', '[9, 2, 3, 4]', '[9, 2]', '[9, 7, \u2026+148 more]', '[1]', '[1, 2]', '[1, 2]', '[1, 2]'];
  // Out of order first (each resolves from the cache or the last full row), then in order.
  for (const i of [4, 2, 8, 0, 6, 3, 5, 1, 7]) assert.equal(shown(rec, items, steps[i]), expected[i], `items at step ${steps[i]}`);
  assert.deepEqual(steps.map((s) => shown(rec, items, s)), expected);
  assert.equal(shown(rec, d, steps[7]), "{'a': 1, 'b': 2}");
  assert.equal(shown(rec, d, steps[8]), "{'a': 3, 'b': 2}");
});

test('a long delta chain resolves like a naive replay at every step', async () => {
  const { b, m } = program();
  const ints = Array.from({ length: 50 }, (_, i) => b.int(i * 11));
  const obj = b.object('list', 'list', [[0, ints[0]]]);
  const model: number[][] = [[0]];
  let list = [0];
  let seed = 7;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let i = 0; i < 400; i++) {
    const next = [...list];
    if (rand(5) === 0 && next.length > 1) next.length = 1 + rand(next.length - 1); // shrink
    const changes: Array<[number, number, Val]> = [];
    if (rand(3) === 0) next.push(rand(50));
    const at = rand(next.length);
    next[at] = rand(50);
    next.forEach((v, p) => { if (p >= list.length || list[p] !== v || p === at) changes.push([p, p, ints[v]]); });
    b.line(m, 2);
    b.mutateDelta(obj, changes, next.length);
    model.push(next);
    list = next;
  }
  b.line(m, 3);
  const rec = await loadRecording(await b.write());
  const text = (vals: number[]) => `[${vals.map((v) => v * 11).join(', ')}]`;
  // Steps of the states: the object's state i is visible from step i + 1 on.
  for (const i of [399, 3, 250, 251, 64, 65, 128, 0, 400, 200]) assert.equal(shown(rec, obj, i + 1), text(model[i]), `state ${i}`);
  for (let i = 0; i <= 400; i++) assert.equal(shown(rec, obj, i + 1), text(model[i]), `state ${i} in order`);
});

test('a killed recording: steps whose frame was not saved, and rows of later steps, are left out', async () => {
  const b = buildAddProgram();
  b.meta.status = 'recording';
  b.rows.frames.pop(); // the frames chunk with add()'s frame never reached the file
  const rec = await loadRecording(await b.write());
  assert.equal(rec.stepCount, ADD_STEPS.addCall, 'steps 0..3: step 4 is the call of the unsaved frame');
  const globals = rec.frames.globalsScope[rec.stepFrame[0]];
  assert.deepEqual(rec.scopeAt(globals, rec.lastStep).map(([n]) => rec.names[n]), ['add', 'x']);
  assert.equal(rec.bindingAt(globals, rec.nameId('y')!, 99), undefined, 'y is bound at step 8, after the last step');
  assert.equal(rec.frames.endStep[rec.stepFrame[0]], -1, 'the module frame ends after the last step: still live');
  assert.equal(rec.returns.size, 0);

  const closed = buildAddProgram();
  closed.rows.frames.pop();
  await assert.rejects(loadRecording(await closed.write()), /is corrupt: step 4 refers to unknown frame 2/);
});

test('a killed recording whose steps end first: value rows of later steps are ignored', async () => {
  const b = buildAddProgram();
  b.meta.status = 'recording';
  b.tamper = (chunks) => { chunks.splice(chunks.findIndex((c) => c.tbl === 'steps' && c.seq === 2), 1); }; // steps 10, 11
  (b.rows.notices ??= []).push([11, 'limit', 'recording stopped at a size limit'], [null, 'internal-error', 'no step']);
  const rec = await loadRecording(await b.write());
  assert.equal(rec.stepCount, 10);
  assert.deepEqual(rec.output, [], 'print(y) ran at step 10');
  assert.deepEqual(rec.notices.map((n) => n.message), ['no step']);
  const globals = rec.frames.globalsScope[rec.stepFrame[0]];
  const items = rec.bindingAt(globals, rec.nameId('items')!, rec.lastStep)!;
  assert.equal(renderValue(rec, items, rec.lastStep), '[1, 3]', 'the append shows from step 10, which is not in the file');
});

test('bindings of many scopes (the two-pass grouping) and out-of-order rows', async () => {
  const b = buildAddProgram();
  const x = b.rows.names.find((r) => r[1] === 'x')![0] as number;
  b.rows.bindings.push([3, 70001, x, 2], [9, 70001, x, null], [5, 123456, x, 3]);
  const rec = await loadRecording(await b.write());
  assert.equal(rec.bindingAt(70001, x, 4), 2);
  assert.equal(rec.bindingAt(70001, x, 9), 0, 'unbound from step 9 on');
  assert.equal(rec.bindingAt(123456, x, 5), 3);
  const globals = rec.frames.globalsScope[rec.stepFrame[0]];
  assert.equal(renderValue(rec, rec.bindingAt(globals, rec.nameId('items')!, ADD_STEPS.printLine)!, ADD_STEPS.printLine), '[1, 3, 9]');

  const shuffled = buildAddProgram();
  shuffled.tamper = (chunks) => {
    const i = chunks.findIndex((c) => c.tbl === 'bindings');
    const j = chunks.findIndex((c) => c.tbl === 'bindings' && c.seq === 1);
    [chunks[i].data, chunks[j].data] = [chunks[j].data, chunks[i].data];
    [chunks[i].row_count, chunks[j].row_count] = [chunks[j].row_count, chunks[i].row_count];
    chunks[j].first_row = chunks[i].row_count;
  };
  await assert.rejects(loadRecording(await shuffled.write()), /is corrupt: bindings row \d+ \(step \d+\) comes after a row of step \d+; rows must be in step order/);
});

test('a frame whose parent is not in the file is refused as corrupt', async () => {
  const b = buildAddProgram();
  b.rows.frames[1][1] = 99;
  await assert.rejects(loadRecording(await b.write()), /is corrupt: frame 2 has unknown parent frame 99/);
});

test('a damaged chunk is refused naming the file, the table and the chunk', async () => {
  const b = buildAddProgram();
  b.tamper = (chunks) => { const c = chunks.find((x) => x.tbl === 'vals' && x.seq === 1)!; c.data = c.data.subarray(0, c.data.length - 3); };
  await assert.rejects(loadRecording(await b.write()), /rec\.wcf is corrupt: chunk vals#1: /);
});

test('binding lookups with a row hint (ascending walks) agree with plain lookups, in any order', async () => {
  const { b, m } = program();
  for (let i = 0; i < 300; i++) {
    if (i % 3 !== 1) b.set(m, 'n', b.int(i), 'globals');
    if (i % 7 === 0) b.set(m, 'n', null, 'globals');
    b.line(m, 2 + (i % 5));
  }
  const rec = await loadRecording(await b.write());
  const globals = rec.frames.globalsScope[rec.stepFrame[0]];
  const g = rec.bindings.group(globals, rec.nameId('n')!);
  assert.ok(g >= 0);
  let hint = -1;
  const steps = [...Array.from({ length: 301 }, (_, s) => s), 250, 3, 3, 299, 0, 120, 121, 119];
  for (const step of steps) {
    hint = rec.bindings.rowAt(g, step, hint);
    assert.equal(hint < 0 ? undefined : rec.bindings.valueOfRow(hint), rec.bindingAt(globals, rec.nameId('n')!, step), `step ${step}`);
  }
  const viaLogpoint = formatLogMessage(rec, 150, 'n={n}');
  assert.equal(viaLogpoint, `n=${rec.valueRepr(rec.bindingAt(globals, rec.nameId('n')!, 150)!) ?? ''}`);
});
