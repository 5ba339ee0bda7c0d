// DAP-level tests of the adapter process (DebugClient over stdio) on recordings built in the test, plus one
// real record-then-replay run when the Python recorder is present. The full DAP suite lives in test/dap/.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { DebugProtocol } from '@vscode/debugprotocol';
import { ADD_PROGRAM_PATH, ADD_STEPS as S, buildAddProgram } from './fixtures';

const ADAPTER = path.resolve(__dirname, '..', '..', 'adapter', 'main.js');
const ROOT = path.resolve(__dirname, '..', '..', '..');

let dc: DebugClient;
let recording: string;

before(async () => { recording = await buildAddProgram().write(); });

async function startClient(): Promise<DebugClient> {
  const client = new DebugClient('node', ADAPTER, 'watercodeflow');
  client.defaultTimeout = 15000;
  await client.start();
  return client;
}

async function openReplay(extra: Record<string, unknown> = {}, setup?: (c: DebugClient) => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  dc = await startClient();
  await dc.initializeRequest({ adapterID: 'watercodeflow', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await dc.launchRequest({ replay: recording, ...extra } as DebugProtocol.LaunchRequestArguments);
  if (setup) await setup(dc);
  await dc.configurationDoneRequest();
  return stopped;
}

after(async () => { await dc?.stop().catch(() => undefined); });

async function run(command: string, args: Record<string, unknown> = { threadId: 1 }): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await dc.send(command, args);
  return stopped;
}

async function where(): Promise<string> {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  return st.body.stackFrames.map((f) => `${f.name}:${f.line}`).join(' < ');
}

test('replay opens without running anything and stops at the end, then steps both ways', async () => {
  const first = await openReplay();
  assert.equal(first.body.reason, 'step');
  assert.equal(first.body.description, 'End of recording');
  assert.equal((first.body as { step?: number }).step, S.moduleReturn);
  await run('gotoStep', { step: S.callLine });
  assert.equal(await where(), '<module>:6');
  assert.equal((await run('stepIn')).body.reason, 'step');
  assert.equal(await where(), 'add:2 < <module>:6');
  await run('next');
  const out = await run('stepOut');
  assert.equal((out.body as { step?: number }).step, S.addReturn);
  assert.equal(await where(), '<module>:6', 'after the return: the caller at the call line');
  await run('next');
  assert.equal(await where(), '<module>:7');
  await run('reverseStepIn');
  assert.equal(await where(), '<module>:6');
  await run('reverseStepIn');
  assert.equal(await where(), 'add:3 < <module>:6');
  await run('reverseStepOut');
  assert.equal(await where(), '<module>:6');
  const start = await run('stepBack');
  await run('stepBack');
  const bottom = await run('stepBack');
  assert.equal(start.body.reason, 'step');
  assert.deepEqual([bottom.body.reason, bottom.body.description], ['entry', 'Start of recording']);
  await dc.stop();
});

test('breakpoints set during configuration give the first stop; variables, return value, evaluate', async () => {
  const first = await openReplay({}, (c) => c.setBreakpointsRequest({ source: { path: ADD_PROGRAM_PATH }, breakpoints: [{ line: 3 }] }));
  assert.deepEqual([first.body.reason, (first.body as { step?: number }).step], ['breakpoint', S.addLine3]);
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const scopes = (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes;
  assert.deepEqual(scopes.map((s) => s.name), ['Locals', 'Globals']);
  const locals = (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
  assert.deepEqual(locals.map((v) => `${v.name}=${v.value}`), ['a=1', 'b=2', 's=3']);
  const ev = await dc.evaluateRequest({ expression: 'a + b * s', frameId: frames[0].id, context: 'watch' });
  assert.equal(ev.body.result, '7');
  await assert.rejects(dc.evaluateRequest({ expression: 'print(a)', context: 'repl' }), /cannot run code in a recording: calling print\(\)/);
  const afterReturn = await run('stepOut');
  assert.equal((afterReturn.body as { step?: number }).step, S.addReturn);
  const outerScopes = (await dc.scopesRequest({ frameId: (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].id })).body.scopes;
  assert.equal(outerScopes[0].name, 'Return Value');
  const ret = (await dc.variablesRequest({ variablesReference: outerScopes[0].variablesReference })).body.variables;
  assert.deepEqual(ret.map((v) => `${v.name}=${v.value}`), ['(return) add=3']);
  await dc.stop();
});

test('containers expand lazily; data breakpoint on a variable stops where it changed, both ways', async () => {
  await openReplay();
  await run('gotoStep', { step: S.printLine });
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const globalsRef = (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes.find((s) => s.name === 'Globals')!.variablesReference;
  const globals = (await dc.variablesRequest({ variablesReference: globalsRef })).body.variables;
  const items = globals.find((v) => v.name === 'items')!;
  assert.equal(items.value, '[1, 3, 9]');
  const children = (await dc.variablesRequest({ variablesReference: items.variablesReference })).body.variables;
  assert.deepEqual(children.map((c) => `${c.name}=${c.value}`), ['0=1', '1=3', '2=9', 'len()=3']);
  const info = await dc.dataBreakpointInfoRequest({ variablesReference: globalsRef, name: 'items' });
  assert.ok(info.body.dataId);
  await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
  const back = await run('reverseContinue');
  assert.deepEqual([back.body.reason, back.body.description], ['data breakpoint', 'items: <unbound> \u2192 [1, 3]']);
  assert.equal((back.body as { step?: number }).step, S.appendLine);
  const fwd = await run('continue');
  assert.deepEqual([(fwd.body as { step?: number }).step, fwd.body.description], [S.printLine, 'items: [1, 3] \u2192 [1, 3, 9]']);
  const end = await run('continue');
  assert.equal(end.body.description, 'End of recording');
  await dc.stop();
});

test('logpoints print every hit at once; timeline custom requests answer from the recording', async () => {
  await openReplay();
  const output: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
  await dc.setBreakpointsRequest({ source: { path: ADD_PROGRAM_PATH }, breakpoints: [{ line: 8, logMessage: 'items is {items}' }] });
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(output.includes(`[step ${S.appendLine}] items is [1, 3]\n`), output.join(''));
  const summary = (await dc.send('timeline/summary')).body;
  assert.equal(summary.steps, 12);
  const hist = (await dc.send('timeline/variableHistory', { name: 'items', everywhere: true })).body;
  assert.deepEqual(hist.changes.map((c: { step: number; value: string; line: number }) => [c.step, c.value, c.line]), [[S.appendLine, '[1, 3]', 7], [S.printLine, '[1, 3, 9]', 8]]);
  const hits = (await dc.send('timeline/lineHits', { path: ADD_PROGRAM_PATH, line: 2 })).body;
  assert.deepEqual(hits, { steps: [S.addLine2], total: 1 });
  const win = (await dc.send('timeline/steps', { start: 4, count: 2 })).body;
  assert.deepEqual(win.steps.map((s: { kind: string; function: string; depth: number }) => [s.kind, s.function, s.depth]), [['call', 'add', 1], ['line', 'add', 1]]);
  const targets = (await dc.gotoTargetsRequest({ source: { path: ADD_PROGRAM_PATH }, line: 2 })).body.targets;
  assert.deepEqual(targets.map((t) => t.label), [`previous execution of this line (step ${S.addLine2})`]);
  await run('goto', { threadId: 1, targetId: targets[0].id });
  assert.equal(await where(), 'add:2 < <module>:6');
  const locs = (await dc.send('breakpointLocations', { source: { path: ADD_PROGRAM_PATH }, line: 1, endLine: 9 })).body.breakpoints;
  assert.deepEqual(locs.map((l: { line: number }) => l.line), [1, 2, 3, 5, 6, 7, 8, 9]);
  await dc.stop();
});

test('bad requests fail with a message and the session keeps working', async () => {
  await openReplay();
  await assert.rejects(dc.send('gotoStep', { step: 999 }), /outside the recording/);
  await assert.rejects(dc.scopesRequest({ frameId: 12345 }), /Unknown frame id/);
  await assert.rejects(dc.send('noSuchRequest'), /Unrecognized request/);
  assert.equal((await dc.threadsRequest()).body.threads.length, 1);
  await dc.stop();
});

test('bad launch configurations are refused with actionable messages', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wcf-launch-'));
  const prog = path.join(dir, 'p.py');
  fs.writeFileSync(prog, 'x = 1\n');
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ program: path.join(dir, 'missing.py') }, /Program not found/],
    [{ program: prog, colour: 'blue' }, /Unknown launch.json field "colour"/],
    [{ program: prog, python: '/nonexistent/python9' }, /Python interpreter "\/nonexistent\/python9" was not found/],
    [{ program: prog, recording: path.join(dir, 'no', 'such', 'dir', 'r.wcf') }, /folder .* does not exist/],
    [{ replay: path.join(dir, 'nothing.wcf') }, /Recording not found/],
  ];
  for (const [args, expected] of cases) {
    const client = await startClient();
    await client.initializeRequest({ adapterID: 'watercodeflow' });
    await assert.rejects(client.launchRequest(args as DebugProtocol.LaunchRequestArguments), expected, JSON.stringify(args));
    await client.stop();
  }
});

async function dumpState(): Promise<string> {
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const lines: string[] = [];
  for (const f of frames) {
    lines.push(`${f.name}:${f.line}`);
    for (const scope of (await dc.scopesRequest({ frameId: f.id })).body.scopes) {
      const vars = (await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
      lines.push(`  ${scope.name}: ${vars.map((v) => `${v.name}=${v.value}`).join(', ')}`);
    }
  }
  return lines.join('\n');
}

test('reversibility: N steps forward then N back show identical stack and variable dumps', async () => {
  await openReplay({ stopOnEntry: true });
  for (const [forward, backward] of [['stepIn', 'reverseStepIn'], ['next', 'stepBack']]) {
    await run('gotoStep', { step: S.defLine });
    const seen = [await dumpState()];
    for (let i = 0; i < 5; i++) { await run(forward); seen.push(await dumpState()); }
    const back = [seen[seen.length - 1]];
    for (let i = 0; i < 5; i++) { await run(backward); back.push(await dumpState()); }
    assert.deepEqual(back, [...seen].reverse(), `${forward} / ${backward}`);
  }
  await dc.stop();
});

test('function breakpoints, restartFrame, stepInTargets, completions, loadedSources', async () => {
  const first = await openReplay({}, (c) => c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'add' }] }));
  assert.deepEqual([first.body.reason, (first.body as { step?: number }).step], ['function breakpoint', S.addLine2]);
  await run('next');
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const restarted = await run('restartFrame', { frameId: frames[0].id });
  assert.equal((restarted.body as { step?: number }).step, S.addLine2);
  await run('gotoStep', { step: S.callLine });
  const targets = (await dc.send('stepInTargets', { frameId: frames[1].id })).body.targets;
  assert.deepEqual(targets.map((t: { label: string }) => t.label), [`add (step ${S.addCall})`]);
  const into = await run('stepIn', { threadId: 1, targetId: targets[0].id });
  assert.equal((into.body as { step?: number }).step, S.addLine2);
  const completions = (await dc.send('completions', { text: 'a', column: 2 })).body.targets;
  assert.deepEqual(completions.map((c: { label: string }) => c.label), ['a', 'add']);
  const sources = (await dc.send('loadedSources')).body.sources;
  assert.deepEqual(sources.map((x: { path: string }) => x.path), [ADD_PROGRAM_PATH]);
  await dc.stop();
});

test('exception filters and exceptionInfo', async () => {
  const { RecordingBuilder } = await import('./recording-builder');
  const b = new RecordingBuilder();
  const file = b.file('/tmp/wcf-fixture/exc.py');
  const m = b.enter(b.code(file, '<module>', 1), 1);
  b.line(m, 1);
  b.raise(m, 2, 'KeyError', "'k'"); // 2
  b.line(m, 4);
  b.raise(m, 5, 'ValueError', 'bad value', 'uncaught'); // 4
  recording = await b.write();
  const first = await openReplay();
  assert.deepEqual([first.body.reason, first.body.description], ['exception', 'ValueError: bad value']);
  const info = (await dc.send('exceptionInfo', { threadId: 1 })).body;
  assert.deepEqual([info.exceptionId, info.description, info.breakMode], ['ValueError', 'bad value', 'unhandled']);
  await dc.setExceptionBreakpointsRequest({ filters: ['raised'] });
  const back = await run('reverseContinue');
  assert.deepEqual([back.body.reason, (back.body as { step?: number }).step, back.body.text], ['exception', 2, "KeyError: 'k'"]);
  await dc.stop();
  recording = await buildAddProgram().write();
});

const hasRecorder = fs.existsSync(path.join(ROOT, 'native', 'watercodeflow', '__main__.py'));

test('records a real Python program, streams its output, then debugs the recording', { skip: !hasRecorder && 'recorder not present' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wcf-real-'));
  const prog = path.join(dir, 'prog.py');
  fs.writeFileSync(prog, ['def double(v):', '    return v * 2', '', 'total = 0', 'for i in range(3):', '    total += double(i)', 'print("total", total)', ''].join('\n'));
  dc = await startClient();
  const output: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
  await dc.initializeRequest({ adapterID: 'watercodeflow', supportsProgressReporting: true });
  const progressEnd = dc.waitForEvent('progressEnd');
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await dc.launchRequest({ program: prog, recording: path.join(dir, 'run.wcf') } as DebugProtocol.LaunchRequestArguments);
  await dc.setBreakpointsRequest({ source: { path: prog }, breakpoints: [{ line: 2, condition: 'v == 2' }] });
  await dc.configurationDoneRequest();
  await progressEnd;
  const first = await stopped;
  assert.equal(first.body.reason, 'breakpoint');
  assert.ok(output.join('').includes('total 6'), output.join(''));
  const ev = await dc.evaluateRequest({ expression: 'v', context: 'watch' });
  assert.equal(ev.body.result, '2');
  const back = await run('reverseStepOut');
  assert.equal(back.body.reason, 'step');
  assert.equal(await where(), '<module>:6');
  assert.equal((await dc.evaluateRequest({ expression: 'i', context: 'watch' })).body.result, '2');
  await dc.stop();
});
