// DAP end-to-end: session life cycle — capabilities, recording on launch (output, progress, pause/cancel),
// where the first stop lands, replay of an existing recording, restart, terminate, disconnect.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { program } from './support/markers';
import { scratchDir } from './support/paths';
import { setLineBreakpoints } from './support/breakpoints';
import { sharedRecording } from './support/recordings';
import { AdapterSession, withSession } from './support/session';

const basics = program('basics.py');
const crash = program('exceptions_demo.py');
const slow = program('slow_loop.py');
const TIMEOUT = { timeout: 180_000 };

function pythonProcessesRunning(marker: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes(slow.path) && line.includes(marker));
}

async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

test('initialize announces the reverse-debugging capabilities and the two exception filters', TIMEOUT, async () => {
  await withSession(async (session) => {
    await session.launch(AdapterSession.launchArgsFor('basics.py', { stopOnEntry: true }));
    const caps = session.capabilities;
    for (const flag of [
      'supportsConfigurationDoneRequest', 'supportsStepBack', 'supportsRestartFrame', 'supportsGotoTargetsRequest',
      'supportsConditionalBreakpoints', 'supportsHitConditionalBreakpoints', 'supportsLogPoints',
      'supportsFunctionBreakpoints', 'supportsDataBreakpoints', 'supportsBreakpointLocationsRequest',
      'supportsStepInTargetsRequest', 'supportsCompletionsRequest', 'supportsExceptionInfoRequest',
      'supportsLoadedSourcesRequest', 'supportsTerminateRequest', 'supportsRestartRequest', 'supportsEvaluateForHovers',
    ] as const) {
      assert.equal(caps[flag], true, `capability ${flag} should be true; got ${JSON.stringify(caps)}`);
    }
    const filters = (caps.exceptionBreakpointFilters ?? []).map((filter) => filter.filter).sort();
    assert.deepEqual(filters, ['raised', 'uncaught']);
  });
});

test('launch records the program, streams its stdout, and stops at the last step with "End of recording"', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await session.launch(AdapterSession.launchArgsFor('basics.py'));
    assert.match(stop.description ?? '', /End of recording/, `stop: ${JSON.stringify(stop)}`);
    assert.equal(typeof stop.step, 'number', 'the stopped event carries the current step as `step`');
    assert.match(session.outputText('stdout'), /result 15 63\n/);
    const top = await session.topFrame();
    assert.equal(top.source?.path, basics.path);
    assert.equal(top.line, basics.line('print'));
    assert.ok(!session.events.some((event) => event.event === 'terminated'), 'the end of the recording must not terminate the session');
  });
});

test('launch stops at the first breakpoint hit from the start', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await session.launch(AdapterSession.launchArgsFor('basics.py'), async (s) => {
      await setLineBreakpoints(s, basics, ['add_body', 'print']);
    });
    assert.equal(stop.reason, 'breakpoint');
    const top = await session.topFrame();
    assert.equal(top.line, basics.line('add_body'));
    assert.deepEqual(await session.localValues(top.id), { a: '0', b: '1' });
  });
});

test('stopOnEntry stops at step 0 with reason "entry"', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await session.launch(AdapterSession.launchArgsFor('basics.py', { stopOnEntry: true }), async (s) => {
      await setLineBreakpoints(s, basics, ['add_body']);
    });
    assert.equal(stop.reason, 'entry');
    assert.equal(stop.step, 0);
    const top = await session.topFrame();
    assert.equal(top.source?.path, basics.path);
  });
});

test('an uncaught exception stops there with reason "exception" when no breakpoint comes first', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await session.launch(AdapterSession.launchArgsFor('exceptions_demo.py'));
    assert.equal(stop.reason, 'exception');
    const frames = await session.stackTrace();
    assert.equal(frames[0].line, crash.line('divide'));
    assert.equal(frames[1].line, crash.line('call_divide'));
    assert.match(session.outputText('stdout'), /values \[12, -1, 7\]/);
    assert.match(session.outputText(), /ZeroDivisionError/, 'the traceback (stderr) reaches the client as output');
  });
});

test('a breakpoint before the crash wins over the uncaught exception', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await session.launch(AdapterSession.launchArgsFor('exceptions_demo.py'), async (s) => {
      await setLineBreakpoints(s, crash, ['print_values']);
    });
    assert.equal(stop.reason, 'breakpoint');
    assert.equal((await session.topFrame()).line, crash.line('print_values'));
  });
});

test('args, cwd and env reach the recorded program', TIMEOUT, async () => {
  const cwd = scratchDir('cwd');
  await withSession(async (session) => {
    const stop = await session.launch(AdapterSession.launchArgsFor('env_report.py', {
      args: ['first arg', '2'], cwd, env: { WCF_DAP_TEST_MARK: 'marked' },
    }));
    assert.match(stop.description ?? '', /End of recording/);
    assert.match(session.outputText('stdout'), new RegExp(`cwd ${cwd} mark marked argv \\['first arg', '2'\\]`));
    assert.equal(await session.valueOf('mark'), "'marked'");
    assert.equal(await session.valueOf('cwd'), `'${cwd}'`);
  });
  fs.rmSync(cwd, { recursive: true, force: true });
});

test('maxRecordingSize stops the recording at the limit and says so', TIMEOUT, async () => {
  const work = scratchDir('sizecap');
  const recording = path.join(work, 'capped.wcf');
  const maxRecordingSize = 400_000;
  await withSession(async (session) => {
    const stop = await session.launch(AdapterSession.launchArgsFor('busy_loop.py', { recording, maxRecordingSize }));
    assert.equal(typeof stop.step, 'number');
    const summary = await session.request('timeline/summary', {});
    assert.equal(summary.status, 'limit');
    // 20000 iterations are about 60000 line steps: the limit must have cut well before that.
    assert.ok(summary.steps < 60_000, `steps recorded: ${summary.steps}`);
    assert.match(session.outputText().split(recording).join('<file>'), /limit|maxRecordingSize/i, 'the user is told why the recording stopped');
  });
  assert.ok(fs.statSync(recording).size <= maxRecordingSize * 1.25,
    `the file (${fs.statSync(recording).size} bytes) stays near maxRecordingSize (${maxRecordingSize})`);
  fs.rmSync(work, { recursive: true, force: true });
});

for (const how of ['pause', 'cancel'] as const) {
  test(`recording reports progress and ${how} ends it there; the session moves on to what was recorded`, TIMEOUT, async () => {
    const marker = how === 'pause' ? '1199' : '1198';
    await withSession(async (session) => {
      const progressStart = session.waitForEvent('progressStart', 60_000);
      const launching = session.launch(AdapterSession.launchArgsFor('slow_loop.py', { args: [marker] }));
      launching.catch(() => undefined);
      const start = await progressStart;
      assert.equal(start.body.cancellable, true, 'recording progress must be cancellable');
      const update = await session.waitForEvent('progressUpdate', 30_000);
      assert.match(String(update.body.message ?? ''), /\d/, `progress tells how far the recording got: ${JSON.stringify(update.body)}`);
      // Output is streamed while the program runs, not after the recording ends.
      const streamed = Date.now() + 30_000;
      while (!/tick 2\n/.test(session.outputText('stdout')) && Date.now() < streamed) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(session.outputText('stdout'), /tick 1\ntick 2\n/, 'stdout reaches the client while recording');
      const progressEnd = session.waitForEvent('progressEnd', 30_000);
      if (how === 'pause') {
        await session.request('pause', { threadId: 1 });
      } else {
        await session.request('cancel', { progressId: start.body.progressId });
      }
      const stop = await launching;
      await progressEnd;
      assert.equal(typeof stop.step, 'number');
      const ticks = Number(await session.valueOf('ticks'));
      assert.ok(ticks >= 1 && ticks < Number(marker), `ticks should show a partial run, got ${ticks}`);
      const summary = await session.request('timeline/summary', {});
      assert.equal(summary.status, 'stopped');
      assert.ok(!/finished/.test(session.outputText('stdout')));
    });
    assert.ok(await waitUntil(() => pythonProcessesRunning(marker).length === 0, 5000),
      `the recorded program still runs after the session ended: ${pythonProcessesRunning(marker).join('; ')}`);
  });
}

test('replay opens an existing recording without running the program', TIMEOUT, async () => {
  const work = scratchDir('replay');
  const copy = path.join(work, 'basics.py');
  fs.copyFileSync(basics.path, copy);
  const recording = path.join(work, 'copy.wcf');
  await withSession(async (session) => {
    await session.launch(AdapterSession.launchArgsFor('basics.py', { program: copy, cwd: work, recording }));
  });
  fs.rmSync(copy);
  await withSession(async (session) => {
    const stop = await session.launch(AdapterSession.launchArgsFor(undefined, { replay: recording }), async (s) => {
      await s.request('setBreakpoints', { source: { path: copy }, breakpoints: [{ line: basics.line('acc_return') }] });
    });
    assert.equal(stop.reason, 'breakpoint');
    const top = await session.topFrame();
    assert.equal(top.source?.path, copy, 'frames keep the recorded path');
    assert.equal(top.line, basics.line('acc_return'));
    assert.equal(await session.valueOf('acc'), '15');
    const summary = await session.request('timeline/summary', {});
    assert.equal(summary.recording, recording);
    assert.equal(summary.status, 'complete');
    assert.equal(summary.exitCode, 0);
  });
  fs.rmSync(work, { recursive: true, force: true });
});

test('restart goes back to step 0 without re-recording', TIMEOUT, async () => {
  const recording = await sharedRecording('basics.py');
  const before = fs.statSync(recording).mtimeMs;
  await withSession(async (session) => {
    const args = AdapterSession.launchArgsFor(undefined, { replay: recording });
    await session.launch(args, async (s) => {
      await setLineBreakpoints(s, basics, ['acc_return']);
    });
    const stop = await session.move('restart', { arguments: args });
    assert.equal(stop.step, 0);
    assert.equal(fs.statSync(recording).mtimeMs, before, 'the recording file must not be rewritten');
    const again = await session.step('continue');
    assert.equal(again.reason, 'breakpoint');
    assert.equal((await session.topFrame()).line, basics.line('acc_return'));
  });
});

test('terminate sends "terminated"; disconnect ends the adapter process on its own', TIMEOUT, async () => {
  const session = await AdapterSession.start();
  try {
    await session.launch(AdapterSession.launchArgsFor(undefined, { replay: await sharedRecording('basics.py') }));
    const terminated = session.waitForEvent('terminated', 10_000);
    await session.request('terminate', {});
    await terminated;
    await session.request('disconnect', {});
    assert.ok(await waitUntil(() => !session.adapterAlive, 5000), 'the adapter process should exit after disconnect');
  } finally {
    await session.close().catch(() => undefined);
  }
});
