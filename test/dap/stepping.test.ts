// DAP end-to-end: forward stepping (next, stepIn, stepOut, continue) compared with what pdb/debugpy do on the
// same program; expected lines and locals come from the reference tracer or from reading the fixture.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import { program } from './support/markers';
import { setLineBreakpoints } from './support/breakpoints';
import { replay } from './support/recordings';
import { expectedNextStops, nthLineEvent, referenceRun } from './support/reference';
import { withSession } from './support/session';

const basics = program('basics.py');
const recursion = program('recursion.py');
const twoFiles = program('two_files.py');
const helper = program('helper_math.py');
const TIMEOUT = { timeout: 120_000 };

test('next walks accumulate() line by line like pdb, with the locals Python had at each line', TIMEOUT, async () => {
  const run = referenceRun('basics.py');
  const from = nthLineEvent(run, basics.path, basics.line('acc_init'));
  const expected = expectedNextStops(run, from, 12);
  assert.equal(expected.length, 12);
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['acc_init']);
    });
    for (const [index, want] of expected.entries()) {
      const stop = await session.step('next');
      const top = await session.topFrame();
      const where = `next #${index + 1} (stop ${JSON.stringify(stop)})`;
      assert.equal(basics.label(top.line), basics.label(want.line), `${where}: line`);
      assert.equal(top.source?.path, basics.path, `${where}: path`);
      if (want.event && want.function !== '<module>') {
        assert.ok(top.name.includes(want.function), `${where}: frame ${top.name} should be ${want.function}`);
        assert.deepEqual(sorted(await session.localValues(top.id)), sorted(want.event.locals), `${where}: locals`);
      }
    }
  });
});

function sorted(values: Record<string, string>): Array<[string, string]> {
  return Object.entries(values).sort(([left], [right]) => left.localeCompare(right));
}

test('stepIn enters the callee at its first line; stepping on from its last line lands in the caller at the call', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['acc_call']);
    });
    await session.step('stepIn');
    let top = await session.topFrame();
    assert.equal(basics.label(top.line), '@add_body');
    assert.deepEqual(await session.localValues(top.id), { a: '0', b: '1' });
    assert.equal((await session.stackTrace()).length, 3, 'add <- accumulate <- <module>');
    await session.step('stepIn');
    top = await session.topFrame();
    assert.equal(basics.label(top.line), '@add_return');
    assert.equal((await session.localValues(top.id)).total, '1');
    await session.step('stepIn');
    top = await session.topFrame();
    assert.ok(top.name.includes('accumulate'), `after add returns the caller is shown, got ${top.name}`);
    assert.equal(basics.label(top.line), '@acc_call');
    await session.step('stepIn');
    top = await session.topFrame();
    assert.equal(basics.label(top.line), '@acc_for');
    assert.deepEqual(await session.localValues(top.id), { values: '[1, 5, 2, 7]', acc: '1', v: '1' });
  });
});

test('stepIn on a class instantiation enters __init__; stepOut returns to the line of the call', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['describe_point']);
    });
    await session.step('stepIn');
    let top = await session.topFrame();
    assert.match(top.name, /__init__/);
    assert.equal(basics.label(top.line), '@point_init_x');
    assert.equal((await session.localValues(top.id)).x, '3');
    await session.step('stepOut');
    top = await session.topFrame();
    assert.match(top.name, /describe/);
    assert.equal(basics.label(top.line), '@describe_point');
    await session.step('next');
    top = await session.topFrame();
    assert.equal(basics.label(top.line), '@describe_move');
    assert.equal(await session.valueOf('pt.x'), '3');
  });
});

test('stepOut from a callee lands in the caller on the line of the call, then next finishes that line', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, [{ marker: 'add_body', condition: 'b == 5' }]);
    });
    assert.equal(await session.valueOf('a'), '1');
    await session.step('stepOut');
    let top = await session.topFrame();
    assert.match(top.name, /accumulate/);
    assert.equal(basics.label(top.line), '@acc_call');
    assert.equal((await session.stackTrace()).length, 2);
    await session.step('next');
    top = await session.topFrame();
    assert.equal(basics.label(top.line), '@acc_for');
    assert.deepEqual(await session.localValues(top.id), { values: '[1, 5, 2, 7]', acc: '6', v: '5' });
  });
});

test('stepOut through recursion climbs one frame at a time', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'recursion.py', async (s) => {
      await setLineBreakpoints(s, recursion, ['fact_base']);
    });
    assert.equal((await session.stackTrace()).length, 5, 'factorial(1..4) <- <module>');
    for (const n of [2, 3, 4]) {
      await session.step('stepOut');
      const top = await session.topFrame();
      assert.equal(recursion.label(top.line), '@fact_recurse');
      assert.equal(await session.valueOf('n'), String(n));
      assert.equal((await session.stackTrace()).length, 6 - n);
    }
    await session.step('stepOut');
    const top = await session.topFrame();
    assert.equal(recursion.label(top.line), '@call_factorial');
  });
});

test('next over a call stops at a breakpoint inside the callee, as debugpy does', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['acc_call']);
    });
    await setLineBreakpoints(session, basics, ['acc_call', 'add_return']);
    const stop = await session.step('next');
    assert.equal(stop.reason, 'breakpoint');
    assert.equal(basics.label((await session.topFrame()).line), '@add_return');
  });
});

test('continue runs to the next breakpoint hit, then to "End of recording" without terminating', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['acc_return']);
    });
    assert.equal(await session.valueOf('acc'), '15');
    const end = await session.step('continue');
    assert.match(end.description ?? '', /End of recording/);
    const again = await session.step('next');
    assert.match(again.description ?? '', /End of recording/, 'stepping past the end stays at the end');
    assert.equal(again.step, end.step);
    assert.ok(!session.events.some((event) => event.event === 'terminated'));
  });
});

test('stepIn into a function of another file shows that file with its real path', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'two_files.py', async (s) => {
      await setLineBreakpoints(s, twoFiles, ['call_scale']);
    });
    await session.step('stepIn');
    const frames = await session.stackTrace();
    assert.equal(frames[0].source?.path, helper.path);
    assert.ok(fs.existsSync(frames[0].source!.path!));
    assert.equal(helper.label(frames[0].line), '@scale_body');
    assert.equal(frames[1].source?.path, twoFiles.path);
    assert.equal(twoFiles.label(frames[1].line), '@call_scale');
    assert.equal(await session.valueOf('factor'), '2');
  });
});
