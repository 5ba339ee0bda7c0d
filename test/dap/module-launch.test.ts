// DAP end-to-end: a launch with "module" records `python -m dapmod` (a package under programs/, run from there),
// stops at a breakpoint inside the package and steps back; "program" and "module" together are refused; a module
// that cannot be found ends the session with the recorder's message.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { program } from './support/markers';
import { programsDir, testPython } from './support/paths';
import { setLineBreakpoints } from './support/breakpoints';
import { AdapterSession, LaunchArgs, withSession } from './support/session';

const squares = program(path.join('dapmod', 'squares.py'));
const main = program(path.join('dapmod', '__main__.py'));
const TIMEOUT = { timeout: 120_000 };

function moduleLaunch(extra: LaunchArgs = {}): LaunchArgs {
  return AdapterSession.launchArgsFor(undefined, { module: 'dapmod', args: ['5'], cwd: programsDir(), python: testPython(), ...extra });
}

test('a "module" launch runs python -m, stops at a breakpoint in the package and steps back through it', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await session.launch(moduleLaunch(), async (s) => {
      await setLineBreakpoints(s, squares, ['return']);
    });
    assert.equal(stop.reason, 'breakpoint', JSON.stringify(stop));
    assert.match(session.outputText('stdout'), /sum of squares below 5 is 30\n/);
    const frames = await session.stackTrace();
    assert.deepEqual(frames.slice(0, 2).map((frame) => [frame.name, frame.source?.path, frame.line]), [
      ['sum_of_squares', squares.path, squares.line('return')],
      ['<module>', main.path, main.line('call')],
    ]);
    assert.equal(frames.length, 2, 'only the module and its package are recorded, not runpy or the recorder');
    assert.deepEqual(await session.localValues(frames[0].id), { limit: '5', total: '30', n: '4' });

    // Backwards: the loop's last test of `for` (the range is exhausted), then its last `total += n * n`.
    await session.step('stepBack');
    let top = await session.topFrame();
    assert.equal(squares.label(top.line), '@for');
    assert.deepEqual(await session.localValues(top.id), { limit: '5', total: '30', n: '4' });
    await session.step('stepBack');
    top = await session.topFrame();
    assert.equal(squares.label(top.line), '@add');
    assert.deepEqual(await session.localValues(top.id), { limit: '5', total: '14', n: '4' });
    assert.equal(await session.valueOf('limit', (await session.stackTrace())[1].id), '5');
  });
});

test('"program" and "module" together are refused, saying to choose one', TIMEOUT, async () => {
  await withSession(async (session) => {
    const message = await session.launchFailure(moduleLaunch({ program: squares.path }));
    assert.match(message, /either "program" .* or "module" .*not both/, message);
    assert.ok(session.adapterAlive, 'a refused launch must not kill the adapter');
  });
});

test('a module python -m cannot find ends the session with the recorder\'s "No module named" message', TIMEOUT, async () => {
  await withSession(async (session) => {
    await assert.rejects(session.launch(moduleLaunch({ module: 'dapmod_missing' })), /terminated/);
    const said = session.outputText();
    assert.match(said, /No module named dapmod_missing/, said);
    assert.match(said, /wrote no recording/, said);
    assert.ok(session.adapterAlive);
  });
});
