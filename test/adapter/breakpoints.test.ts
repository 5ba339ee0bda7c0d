// Unit tests of breakpoint kinds against a recording, in both directions.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RecordedEvaluator } from '../../adapter/evaluate/evaluator';
import { BreakpointManager } from '../../adapter/replay/breakpoints';
import { formatLogMessage } from '../../adapter/replay/log-message';
import { encodeDataId } from '../../adapter/replay/data-breakpoints';
import { Direction } from '../../adapter/replay/direction';
import { ReplayEngine } from '../../adapter/replay/replay-engine';
import { loadRecording } from '../../adapter/timeline/load-recording';
import { ADD_PROGRAM_PATH as P, ADD_STEPS as S, buildAddProgram } from './fixtures';
import { RecordingBuilder } from './recording-builder';

async function setup() {
  const rec = await loadRecording(await buildAddProgram().write());
  const bps = new BreakpointManager();
  bps.attach(rec);
  return { rec, bps, engine: new ReplayEngine(rec, bps) };
}

test('line breakpoints set before the recording opens resolve on attach; unrun lines are unverified', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  const bps = new BreakpointManager();
  const pending = bps.setSourceBreakpoints(P, [{ line: 2 }, { line: 4 }]);
  assert.deepEqual(pending.statuses.map((s) => s.verified), [false, false]);
  bps.attach(rec);
  const statuses = bps.allSourceStatuses();
  assert.deepEqual(statuses.map((s) => [s.line, s.verified]), [[2, true], [4, false]]);
  assert.match(statuses[1].message!, /never ran/);
  assert.equal(new ReplayEngine(rec, bps).initialStop(false).step, S.addLine2);
});

test('continue and reverseContinue stop at breakpoint hits in both directions, else the boundaries', async () => {
  const { bps, engine } = await setup();
  bps.setSourceBreakpoints(P, [{ line: 2 }, { line: 8 }]);
  engine.goto(0);
  assert.equal(engine.continue(Direction.Forward).step, S.addLine2);
  assert.equal(engine.continue(Direction.Forward).step, S.appendLine);
  const end = engine.continue(Direction.Forward);
  assert.equal(end.description, 'End of recording');
  assert.equal(engine.continue(Direction.Backward).step, S.appendLine);
  assert.equal(engine.continue(Direction.Backward).step, S.addLine2);
  assert.equal(engine.continue(Direction.Backward).reason, 'entry');
});

test('conditions are evaluated on recorded values; hit counts count from the start', async () => {
  const { bps, engine } = await setup();
  const r = bps.setSourceBreakpoints(P, [{ line: 2, condition: 'a > 5' }, { line: 8, condition: 'len(items) == 2', hitCondition: '1' }]);
  assert.deepEqual(r.statuses.map((s) => s.verified), [true, true]);
  engine.goto(0);
  assert.equal(engine.continue(Direction.Forward).step, S.appendLine);
  const bad = bps.setSourceBreakpoints(P, [{ line: 2, hitCondition: 'sometimes' }]);
  assert.match(bad.statuses[0].message!, /Invalid hit count/);
});

test('logpoints print every hit over the whole recording, in time order, with the step', async () => {
  const { bps } = await setup();
  const r = bps.setSourceBreakpoints(P, [{ line: 3, logMessage: 's is {s}, a+b={a + b}, {nope}' }]);
  assert.deepEqual(r.logs.toArray().map((l) => l.text), [`[step ${S.addLine3}] s is 3, a+b=3, <error: name 'nope' is not defined at step ${S.addLine3}>`]);
  const again = bps.setSourceBreakpoints(P, [{ line: 3, logMessage: 's is {s}, a+b={a + b}, {nope}' }]);
  assert.equal(again.logs.length, 0, 'an unchanged logpoint does not print again');
});

test('a logpoint reading bare names prints what the evaluator prints, for every kind of value', async () => {
  const b = new RecordingBuilder();
  const m = b.enter(b.code(b.file('/tmp/log.py'), '<module>', 1), 1);
  const values: Record<string, ReturnType<RecordingBuilder['int']> | null> = {
    i: b.int(-42), big: b.int(2n ** 62n + 1n), f: b.float(1e16, '1e+16'), g: b.float(0.5, '0.5'), yes: b.bool(true), none: b.none(),
    s: b.str("it's"), t: b.scalar('str', "'a\\nb'"), cut: b.scalar('int', '1234\u2026'), c: b.scalar('complex', '(1+2j)'),
    items: b.object('list', 'list', [[0, b.int(1)], [1, b.str('x')]]), fn: b.opaque('function', '<function f at 0x1>'), gone: null,
  };
  for (const [name, v] of Object.entries(values)) b.set(m, name, v, 'globals');
  b.set(m, 'gone', b.int(1), 'globals', 0);
  b.line(m, 2);
  const rec = await loadRecording(await b.write());
  const names = [...Object.keys(values), 'never'];
  const message = names.map((n) => `${n}={${n}}`).join(' ') + ' sum={i + 1}';
  const viaEvaluator = names.map((n) => {
    const ev = new RecordedEvaluator(rec, 1, rec.stepFrame[1]);
    try { const r = ev.evaluate(n); return `${n}=${r.value.t === 'str' ? r.value.v : r.repr}`; } catch (err) { return `${n}=<error: ${(err as Error).message}>`; }
  }).join(' ') + ' sum=-41';
  assert.equal(formatLogMessage(rec, 1, message), viaEvaluator);
  assert.match(viaEvaluator, /i=-42 big=4611686018427387905 f=1e\+16 g=0.5 yes=True none=None s=it's t=a\nb cut=1234\u2026 c=\(1\+2j\) items=\[1, 'x'\] fn=<function f at 0x1> gone=<error: name 'gone' is not defined/);
});

test('function and exception breakpoints', async () => {
  const { bps, engine } = await setup();
  const st = bps.setFunctionBreakpoints([{ name: 'add' }, { name: 'missing' }]);
  assert.deepEqual(st.map((s) => s.verified), [true, false]);
  engine.goto(0);
  const stop = engine.continue(Direction.Forward);
  assert.deepEqual([stop.step, stop.reason], [S.addLine2, 'function breakpoint']);

  const b = new RecordingBuilder();
  const m = b.enter(b.code(b.file('/tmp/e.py'), '<module>', 1), 1);
  b.line(m, 1);
  b.raise(m, 1, 'KeyError', "'k'"); // 2
  b.line(m, 3);
  b.raise(m, 4, 'ValueError', 'bad', 'uncaught'); // 4
  const rec = await loadRecording(await b.write());
  const ebps = new BreakpointManager();
  ebps.attach(rec);
  const e = new ReplayEngine(rec, ebps);
  assert.equal(e.initialStop(false).step, 4, 'uncaught exception is the first stop');
  assert.equal(e.initialStop(false).description, 'ValueError: bad');
  ebps.setExceptionFilters(['raised']);
  assert.equal(e.continue(Direction.Backward).step, 2);
  assert.throws(() => ebps.setExceptionFilters(['sometimes']), /Unknown exception filter/);
});

test('data breakpoints stop where the value changed, with old → new, both directions', async () => {
  const { rec, bps, engine } = await setup();
  const globals = rec.frames.globalsScope[rec.stepFrame[0]];
  const dataId = encodeDataId({ kind: 'binding', scopeId: globals, nameId: rec.nameId('items')! });
  bps.setDataBreakpoints([{ dataId, label: 'items' }]);
  engine.goto(0);
  const first = engine.continue(Direction.Forward);
  assert.deepEqual([first.step, first.description], [S.appendLine, 'items: <unbound> \u2192 [1, 3]']);
  const second = engine.continue(Direction.Forward);
  assert.deepEqual([second.step, second.description], [S.printLine, 'items: [1, 3] \u2192 [1, 3, 9]']);
  assert.equal(engine.continue(Direction.Backward).step, S.appendLine);
  const item = encodeDataId({ kind: 'item', objectId: rec.valObject[rec.bindingAt(globals, rec.nameId('items')!, S.printLine)!], key: 2 });
  bps.setDataBreakpoints([{ dataId: item, label: 'items[2]' }]);
  engine.goto(0);
  assert.equal(engine.continue(Direction.Forward).description, 'items[2]: <unbound> \u2192 9');
});
