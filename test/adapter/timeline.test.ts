// Unit tests of the timeline layer: loading, validation errors, state-at-step queries, value rendering.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadRecording } from '../../adapter/timeline/load-recording';
import { renderValue } from '../../adapter/timeline/value-render';
import { ADD_PROGRAM_PATH, ADD_STEPS, buildAddProgram } from './fixtures';
import { RecordingBuilder } from './recording-builder';

test('loads steps, frames and the stack at a step', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  assert.equal(rec.stepCount, 12);
  const stack = rec.stackAt(ADD_STEPS.addLine2);
  assert.equal(stack.length, 2);
  assert.equal(rec.codeOfFrame(stack[0])!.name, 'add');
  assert.equal(rec.frameLineAt(stack[1], ADD_STEPS.addLine2), 6, 'the caller is at its call line');
  assert.equal(rec.files.get(rec.fileOfFrame(stack[0])), ADD_PROGRAM_PATH);
});

test('bindings are visible from their step on, not before', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  const globals = rec.frames.globalsScope[rec.stepFrame[0]];
  const x = rec.nameId('x')!;
  assert.equal(rec.bindingAt(globals, x, ADD_STEPS.xLine), undefined, 'x = 1 has not run yet at its own line');
  const v = rec.bindingAt(globals, x, ADD_STEPS.callLine)!;
  assert.equal(rec.valueRepr(v), '1');
  assert.deepEqual(rec.scopeAt(globals, ADD_STEPS.callLine).map(([n]) => rec.names[n]), ['add', 'x']);
});

test('object states render as Python reprs at each step (mutation shows from its step on)', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  const globals = rec.frames.globalsScope[rec.stepFrame[0]];
  const items = rec.bindingAt(globals, rec.nameId('items')!, ADD_STEPS.appendLine)!;
  assert.equal(renderValue(rec, items, ADD_STEPS.appendLine), '[1, 3]');
  assert.equal(renderValue(rec, items, ADD_STEPS.printLine), '[1, 3, 9]');
});

test('rendering marks cut containers, tuples, dicts, sets, instances, and bounds length', async () => {
  const b = new RecordingBuilder();
  const file = b.file('/tmp/r.py');
  const m = b.enter(b.code(file, '<module>', 1), 1);
  const tup1 = b.object('tuple', 'tuple', [[0, b.int(1)]]);
  const dict = b.object('dict', 'dict', [["'a'", b.int(1)], ["'b'", b.str('x')]]);
  const empty = b.object('set', 'set', []);
  const cut = b.object('list', 'list', [[0, b.int(0)], [1, b.int(1)]], 98, 100);
  const deep = b.object('list', 'list', [], -1, 3);
  const point = b.object('mod.Point', 'instance', [['x', b.int(1)], ['y', b.int(2)]]);
  const long = b.object('list', 'list', Array.from({ length: 50 }, (_, i): [number, { valueId: number }] => [i, b.int(1000000 + i)]));
  b.line(m, 1);
  const rec = await loadRecording(await b.write());
  const r = (v: { valueId: number }, limits?: { maxLength: number; maxDepth: number }) => renderValue(rec, v.valueId, 1, limits);
  assert.equal(r(tup1), '(1,)');
  assert.equal(r(dict), "{'a': 1, 'b': 'x'}");
  assert.equal(r(empty), 'set()');
  assert.equal(r(cut), '[0, 1, \u2026+98 more]');
  assert.equal(r(deep), '[\u2026]');
  assert.equal(r(point), 'Point(x=1, y=2)');
  const bounded = r(long, { maxLength: 40, maxDepth: 3 });
  assert.equal(bounded.length, 41);
  assert.ok(bounded.endsWith('\u2026'));
});

test('a newer schema version is refused with an actionable message', async () => {
  const b = buildAddProgram();
  b.meta.schema_version = '7';
  const file = await b.write();
  await assert.rejects(loadRecording(file), /version 7.*up to 2.*Update the WaterCodeFlow extension/s);
});

test('a version 1 recording is refused: recorded by an older WaterCodeFlow, record again', async () => {
  const b = buildAddProgram();
  b.meta.schema_version = '1';
  await assert.rejects(loadRecording(await b.write()), /version 1: it was recorded by an older WaterCodeFlow.*Record the program again/s);
});

test('a file that is not SQLite, and a missing file, give clear errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wcf-bad-'));
  const junk = path.join(dir, 'junk.wcf');
  fs.writeFileSync(junk, 'hello, not a database at all');
  await assert.rejects(loadRecording(junk), /not a WaterCodeFlow recording/);
  await assert.rejects(loadRecording(path.join(dir, 'nope.wcf')), /Recording not found/);
});

test('a truncated recording file is reported as corrupt, not crashed on', async () => {
  const file = await buildAddProgram().write();
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(loadRecording(file), /corrupt|truncated|malformed/i);
});

test('a missing steps chunk is reported as corruption', async () => {
  const b = buildAddProgram();
  b.tamper = (chunks) => { chunks.splice(chunks.findIndex((c) => c.tbl === 'steps' && c.seq === 1), 1); };
  await assert.rejects(loadRecording(await b.write()), /is corrupt: table steps jumps from chunk 0 to chunk 2 \(a chunk is missing\)/);
});

test('deferred loading: steps are usable at once, values arrive with valuesReady', async () => {
  const rec = await loadRecording(await buildAddProgram().write(), { deferValues: true });
  assert.equal(rec.stepCount, 12);
  assert.equal(rec.stackAt(ADD_STEPS.addLine2).length, 2, 'the stack needs no values');
  await rec.valuesReady;
  assert.equal(rec.valuesLoaded, true);
  const globals = rec.frames.globalsScope[rec.stepFrame[0]];
  assert.equal(renderValue(rec, rec.bindingAt(globals, rec.nameId('items')!, ADD_STEPS.printLine)!, ADD_STEPS.printLine), '[1, 3, 9]');
});
