// DAP end-to-end: backward motion (stepBack, reverseStepIn, reverseStepOut, reverseContinue), the start of the
// recording, and jumps (gotoStep, gotoTargets/goto, restartFrame). Expected states come from the fixture's logic.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { program } from './support/markers';
import { setLineBreakpoints } from './support/breakpoints';
import { dumpState } from './support/dump';
import { replay } from './support/recordings';
import { nthLineEvent, referenceRun } from './support/reference';
import { withSession } from './support/session';

const basics = program('basics.py');
const recursion = program('recursion.py');
const TIMEOUT = { timeout: 120_000 };

test('stepBack walks accumulate() backwards line by line, skipping the add() calls', TIMEOUT, async () => {
  const run = referenceRun('basics.py');
  const from = nthLineEvent(run, basics.path, basics.line('acc_return'));
  const frame = run.events[from].frame;
  const earlier = run.events.slice(0, from).filter((event) => event.event === 'line' && event.frame === frame).reverse();
  assert.equal(earlier.length, 10, 'acc_init, then acc_for/acc_call four times, then acc_for');
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['acc_return']);
    });
    for (const [index, want] of earlier.entries()) {
      const stop = await session.step('stepBack');
      const top = await session.topFrame();
      const where = `stepBack #${index + 1} (stop ${JSON.stringify(stop)})`;
      assert.equal(basics.label(top.line), basics.label(want.line), `${where}: line`);
      assert.match(top.name, /accumulate/, where);
      const actual = await session.localValues(top.id);
      assert.deepEqual(Object.entries(actual).sort(), Object.entries(want.locals).sort(), `${where}: locals`);
    }
    // From the first line of the function, stepBack goes to the call site.
    await session.step('stepBack');
    const top = await session.topFrame();
    assert.equal(top.name, '<module>');
    assert.equal(basics.label(top.line), '@call_accumulate');
    assert.equal(await session.valueOf('numbers'), '[1, 5, 2, 7]');
    await assert.rejects(session.evaluate('result', top.id), 'result is not bound before accumulate() returns');
  });
});

test('reverseStepIn from a line after a call goes back into the callee it just left', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, [{ marker: 'acc_for', hitCondition: '2' }]);
    });
    assert.equal(await session.valueOf('acc'), '1', 'second visit of the for line: acc = add(0, 1) already ran');
    let top = await session.topFrame();
    // At most two reverse steps: the caller-after-return state (if the adapter shows it), then add's last line.
    for (let attempt = 0; attempt < 2 && !/add/.test(top.name); attempt += 1) {
      await session.step('reverseStepIn');
      top = await session.topFrame();
    }
    assert.match(top.name, /add/);
    assert.equal(basics.label(top.line), '@add_return');
    assert.deepEqual(await session.localValues(top.id), { a: '0', b: '1', total: '1' });
  });
});

test('reverseStepOut goes to the call site in the caller, before the call', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, [{ marker: 'add_body', condition: 'b == 5' }]);
    });
    await session.step('reverseStepOut');
    const top = await session.topFrame();
    assert.match(top.name, /accumulate/);
    assert.equal(basics.label(top.line), '@acc_call');
    assert.deepEqual(await session.localValues(top.id), { values: '[1, 5, 2, 7]', acc: '1', v: '5' });
    assert.equal((await session.stackTrace()).length, 2);
  });
});

test('reverseContinue visits the breakpoint hits backwards, then stops at "Start of recording"', TIMEOUT, async () => {
  await withSession(async (session) => {
    const first = await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['print']);
    });
    assert.equal(first.reason, 'breakpoint');
    await setLineBreakpoints(session, basics, ['add_body']);
    const seen: string[] = [];
    for (let hit = 0; hit < 4; hit += 1) {
      const stop = await session.step('reverseContinue');
      assert.equal(stop.reason, 'breakpoint', JSON.stringify(stop));
      seen.push(`${await session.valueOf('a')},${await session.valueOf('b')}`);
    }
    assert.deepEqual(seen, ['8,7', '6,2', '1,5', '0,1']);
    const start = await session.step('reverseContinue');
    assert.equal(start.reason, 'entry');
    assert.match(start.description ?? '', /Start of recording/);
    assert.equal(start.step, 0);
  });
});

test('going back from step 0 stays at step 0 with "Start of recording"', TIMEOUT, async () => {
  await withSession(async (session) => {
    const entry = await replay(session, 'basics.py', undefined, {}, { stopOnEntry: true });
    assert.equal(entry.step, 0);
    for (const command of ['stepBack', 'reverseStepIn', 'reverseContinue'] as const) {
      const stop = await session.step(command);
      assert.equal(stop.reason, 'entry', `${command}: ${JSON.stringify(stop)}`);
      assert.match(stop.description ?? '', /Start of recording/, command);
      assert.equal(stop.step, 0, command);
    }
  });
});

test('gotoStep jumps to any step and back to an identical state', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, [{ marker: 'add_body', hitCondition: '3' }]);
    });
    assert.equal(typeof stop.step, 'number');
    const before = await dumpState(session, { expandDepth: 1, frames: [0, 1] });
    const zero = await session.move('gotoStep', { step: 0 });
    assert.equal(zero.step, 0);
    const back = await session.move('gotoStep', { step: stop.step });
    assert.equal(back.step, stop.step);
    assert.equal(await dumpState(session, { expandDepth: 1, frames: [0, 1] }), before);
    assert.equal(await session.valueOf('a'), '6');
  });
});

test('gotoTargets offers the previous and next execution of a line, and goto jumps there', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'recursion.py', async (s) => {
      await setLineBreakpoints(s, recursion, ['fact_base']);
    });
    const source = { path: recursion.path, name: recursion.basename };
    // At the base case (n = 1) the multiply line ran never yet, and runs next in factorial(2).
    const forward = await session.request('gotoTargets', { source, line: recursion.line('fact_multiply') });
    const next = forward.targets.find((target) => /next/i.test(target.label));
    assert.ok(next, `a "next execution" target: ${JSON.stringify(forward.targets)}`);
    assert.ok(!forward.targets.some((target) => /previous/i.test(target.label)), 'fact_multiply never ran before');
    const nextStep = Number(/step (\d+)/.exec(next.label)?.[1]);
    assert.ok(Number.isInteger(nextStep), `the label names the step: ${next.label}`);
    const landed = await session.move('goto', { threadId: session.threadId, targetId: next.id });
    assert.equal(landed.step, nextStep, 'goto lands on the step its label named');
    let top = await session.topFrame();
    assert.equal(recursion.label(top.line), '@fact_multiply');
    assert.equal(await session.valueOf('n'), '2');
    assert.equal(await session.valueOf('smaller'), '1');
    // Now the check line: its previous execution is the n = 1 call's check.
    const backward = await session.request('gotoTargets', { source, line: recursion.line('fact_check') });
    const previous = backward.targets.find((target) => /previous/i.test(target.label));
    assert.ok(previous, `a "previous execution" target: ${JSON.stringify(backward.targets)}`);
    assert.ok(!backward.targets.some((target) => /next/i.test(target.label)), 'fact_check never runs again');
    const previousStep = Number(/step (\d+)/.exec(previous.label)?.[1]);
    const landedBack = await session.move('goto', { threadId: session.threadId, targetId: previous.id });
    assert.equal(landedBack.step, previousStep, `goto lands on the step its label named: ${previous.label}`);
    top = await session.topFrame();
    assert.equal(recursion.label(top.line), '@fact_check');
    assert.equal(await session.valueOf('n'), '1');
  });
});

test('restartFrame goes back to the first step of the chosen frame', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'recursion.py', async (s) => {
      await setLineBreakpoints(s, recursion, ['fact_base']);
    });
    const frames = await session.stackTrace();
    assert.equal(frames.length, 5);
    await session.move('restartFrame', { frameId: frames[1].id });
    const after = await session.stackTrace();
    assert.equal(after.length, 4, 'factorial(2) <- factorial(3) <- factorial(4) <- <module>');
    assert.ok(['@fact_def', '@fact_check'].includes(recursion.label(after[0].line)), `line ${recursion.label(after[0].line)}`);
    const locals = await session.localValues(after[0].id);
    assert.deepEqual(locals, { n: '2' }, 'smaller is not bound yet at the frame start');
  });
});
