// DAP end-to-end: the custom timeline requests (summary, variableHistory, lineHits, steps) that the timeline
// UI builds on. Expected values come from the fixture's logic and the reference tracer.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { program } from './support/markers';
import { setLineBreakpoints } from './support/breakpoints';
import { replay, sharedRecording } from './support/recordings';
import { withSession } from './support/session';

const basics = program('basics.py');
const TIMEOUT = { timeout: 120_000 };

function count(value: unknown): number {
  return Array.isArray(value) ? value.length : Number(value);
}

test('timeline/summary describes the recording and the cursor', TIMEOUT, async () => {
  const recording = await sharedRecording('basics.py');
  await withSession(async (session) => {
    const stop = await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['acc_return']);
    });
    const summary = await session.request('timeline/summary', {});
    for (const field of ['steps', 'threads', 'files', 'functions', 'exceptions', 'status', 'exitCode', 'currentStep', 'recording']) {
      assert.ok(field in summary, `summary has ${field}: ${JSON.stringify(summary)}`);
    }
    assert.ok(Number.isInteger(summary.steps) && summary.steps > 40, `steps: ${summary.steps}`);
    assert.equal(count(summary.threads), 1);
    assert.ok(count(summary.files) >= 1);
    assert.ok(count(summary.functions) >= 5, 'module, add, accumulate, Point body/__init__, describe');
    assert.equal(count(summary.exceptions), 0);
    assert.equal(summary.status, 'complete');
    assert.equal(summary.exitCode, 0);
    assert.equal(summary.currentStep, stop.step);
    assert.equal(summary.recording, recording);
  });
});

test('timeline/variableHistory lists every value of a variable in a frame, paged', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['acc_return']);
    });
    const frameId = (await session.topFrame()).id;
    const history = await session.request('timeline/variableHistory', { name: 'acc', frameId });
    assert.equal(history.total, 5);
    assert.deepEqual(history.changes.map((change) => change.value), ['0', '1', '6', '8', '15']);
    const steps = history.changes.map((change) => change.step);
    assert.deepEqual([...steps].sort((x: number, y: number) => x - y), steps, 'changes in time order');
    for (const change of history.changes) {
      assert.equal(change.path, basics.path);
      assert.match(change.function, /accumulate/);
      assert.equal(change.type, 'int');
      assert.ok(['@acc_init', '@acc_call', '@acc_for'].includes(basics.label(change.line)), `line of ${change.value}: ${basics.label(change.line)}`);
    }
    const page = await session.request('timeline/variableHistory', { name: 'acc', frameId, start: 1, count: 2 });
    assert.equal(page.total, 5);
    assert.deepEqual(page.changes.map((change) => change.value), ['1', '6']);
    // The value at each change step is the recorded one.
    await session.move('gotoStep', { step: history.changes[2].step });
    assert.equal(await session.valueOf('acc'), '6');
  });
});

test('timeline/variableHistory everywhere follows a name across all frames', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', undefined, {}, { stopOnEntry: true });
    const history = await session.request('timeline/variableHistory', { name: 'total', everywhere: true });
    assert.equal(history.total, 4, 'one binding of total in each of the four add() calls');
    assert.deepEqual(history.changes.map((change) => change.value), ['1', '6', '8', '15']);
    assert.ok(history.changes.every((change) => /add/.test(change.function)));
  });
});

test('timeline/lineHits lists every step that executed a line, paged', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', undefined, {}, { stopOnEntry: true });
    const hits = await session.request('timeline/lineHits', { path: basics.path, line: basics.line('add_body') });
    assert.equal(hits.total, 4);
    assert.equal(hits.steps.length, 4);
    const expectedArgs = ['0,1', '1,5', '6,2', '8,7'];
    for (const [index, step] of hits.steps.entries()) {
      await session.move('gotoStep', { step });
      assert.equal(`${await session.valueOf('a')},${await session.valueOf('b')}`, expectedArgs[index]);
    }
    const page = await session.request('timeline/lineHits', { path: basics.path, line: basics.line('add_body'), start: 2, count: 1 });
    assert.deepEqual(page.steps, [hits.steps[2]]);
    assert.equal(page.total, 4);
    const never = await session.request('timeline/lineHits', { path: basics.path, line: basics.line('never_runs') });
    assert.equal(never.total, 0);
  });
});

test('timeline/steps returns a window of consecutive steps with their location', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', undefined, {}, { stopOnEntry: true });
    const summary = await session.request('timeline/summary', {});
    const window = await session.request('timeline/steps', { start: 0, count: 500 });
    assert.equal(window.total, summary.steps);
    assert.equal(window.steps.length, Math.min(500, summary.steps));
    window.steps.forEach((step, index) => assert.equal(step.step, index));
    const kinds = new Set<string>(window.steps.map((step) => String(step.kind)));
    for (const kind of kinds) {
      assert.ok(['line', 'call', 'return', 'exception'].includes(kind), `kind ${kind}`);
    }
    // The line steps of add_body are exactly the lineHits of that line.
    const hits = await session.request('timeline/lineHits', { path: basics.path, line: basics.line('add_body') });
    const fromWindow = window.steps
      .filter((step) => step.kind === 'line' && step.path === basics.path && step.line === basics.line('add_body'))
      .map((step) => step.step);
    assert.deepEqual(fromWindow, hits.steps);
    const addSteps = window.steps.filter((step) => step.function === 'add' || /\badd$/.test(step.function));
    assert.ok(addSteps.every((step) => step.depth === 2 && step.threadId === window.steps[0].threadId));
    const page = await session.request('timeline/steps', { start: 5, count: 3 });
    assert.deepEqual(page.steps.map((step) => step.step), [5, 6, 7]);
  });
});
