// DAP end-to-end: a recording written by hand from docs/recording-format.md (tools/make_synthetic_recording.py)
// is replayed, so the adapter is checked against the documented format rather than against the recorder.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { program } from './support/markers';
import { setLineBreakpoints } from './support/breakpoints';
import { repoRoot, scratchDir, testPython } from './support/paths';
import { AdapterSession, withSession } from './support/session';

const source = program('synthetic_source.py');
const TIMEOUT = { timeout: 60_000 };

function writeRecording(): string {
  const file = path.join(scratchDir('synthetic'), 'synthetic.wcf');
  execFileSync(testPython(), [
    path.join(repoRoot(), 'test', 'dap', 'tools', 'make_synthetic_recording.py'), file, path.join(repoRoot(), 'native'), source.path,
  ]);
  return file;
}

const recording = writeRecording();

test('a hand-written recording opens; the state at each step is what the file says', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await session.launch(AdapterSession.launchArgsFor(undefined, { replay: recording }), async (s) => {
      await setLineBreakpoints(s, source, ['sq_body']);
    });
    assert.equal(stop.reason, 'breakpoint');
    assert.equal(stop.step, 4);
    const [square, module] = await session.stackTrace();
    assert.equal(square.name, 'square');
    assert.equal(source.label(square.line), '@sq_body');
    assert.equal(square.source?.path, source.path);
    assert.equal(module.name, '<module>');
    assert.equal(source.label(module.line), '@call_square');
    assert.deepEqual(await session.localValues(square.id), { n: '3' });
    const globals = await session.scopeVariables(square.id, 'Globals');
    assert.equal(globals.get('value')?.value, '3');
    assert.ok(!globals.has('answer'), 'answer is bound only at step 7');
    const next = await session.step('next');
    assert.equal(next.step, 5);
    assert.deepEqual(await session.localValues(square.id), { n: '3', result: '9' });
  });
});

test('a hand-written recording: continue to the end shows the list object with its children', TIMEOUT, async () => {
  await withSession(async (session) => {
    const end = await session.launch(AdapterSession.launchArgsFor(undefined, { replay: recording }));
    assert.match(end.description ?? '', /End of recording/);
    assert.equal(end.step, 8);
    const top = await session.topFrame();
    assert.equal(source.label(top.line), '@make_items');
    const items = (await session.scopeVariables(top.id, 'Globals')).get('items');
    assert.ok(items, 'items is bound at the last step');
    assert.equal(items!.value, '[9, 3]');
    const children = (await session.variables(items!.variablesReference)).filter((child) => child.presentationHint?.kind !== 'virtual');
    assert.deepEqual(children.map((child) => child.value), ['9', '3']);
    assert.equal(await session.valueOf('answer'), '9');
    assert.equal(await session.valueOf('items[0] + value'), '12');
  });
});

test('a hand-written recording: timeline requests read the documented tables', TIMEOUT, async () => {
  await withSession(async (session) => {
    await session.launch(AdapterSession.launchArgsFor(undefined, { replay: recording, stopOnEntry: true }));
    const summary = await session.request('timeline/summary', {});
    assert.equal(summary.steps, 9);
    assert.equal(summary.status, 'complete');
    assert.equal(summary.exitCode, 0);
    const hits = await session.request('timeline/lineHits', { path: source.path, line: source.line('sq_body') });
    assert.deepEqual(hits.steps, [4]);
    const steps = await session.request('timeline/steps', { start: 0, count: 20 });
    assert.equal(steps.total, 9);
    assert.deepEqual(steps.steps.map((step) => step.depth), [0, 0, 0, 1, 1, 1, 1, 0, 0]);
    const history = await session.request('timeline/variableHistory', { name: 'result', everywhere: true });
    assert.deepEqual(history.changes.map((change) => [change.step, change.value]), [[5, '9']]);
  });
});
