// DAP end-to-end property, on every fixture: N steps forward then N steps back visit the same states in
// reverse order, with identical step, thread, stack and variables dumps (stepIn/reverseStepIn and next/stepBack).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { dumpState } from './support/dump';
import { replay } from './support/recordings';
import { AdapterSession, LaunchArgs, StepCommand, Stop, withSession } from './support/session';

interface Fixture {
  file: string;
  options?: LaunchArgs;
  steps: number;
}

const fixtures: Fixture[] = [
  { file: 'basics.py', steps: 45 },
  { file: 'aliasing.py', steps: 25 },
  { file: 'recursion.py', steps: 40 },
  { file: 'exceptions_demo.py', steps: 45 },
  { file: 'threads_demo.py', steps: 40 },
  { file: 'two_files.py', steps: 20 },
  { file: 'killed.py', steps: 20 },
  { file: 'slow_loop.py', options: { args: ['3'] }, steps: 20 },
  { file: 'env_report.py', options: { args: ['x'] }, steps: 10 },
  { file: 'busy_loop.py', options: { args: ['30'] }, steps: 40 },
  { file: 'mutations.py', steps: 20 },
];

async function state(session: AdapterSession, stop: Stop): Promise<string> {
  const dump = await dumpState(session, { expandDepth: 1, maxChildren: 12 });
  return `step ${stop.step} thread ${stop.threadId}\n${dump}`;
}

const atEnd = (stop: Stop) => /End of recording/.test(stop.description ?? '');

async function forwardThenBack(session: AdapterSession, forward: StepCommand, backward: StepCommand, steps: number): Promise<number> {
  const first = session.lastStop!;
  const states = [await state(session, first)];
  let previousStep = first.step!;
  for (let index = 1; index <= steps; index += 1) {
    const stop = await session.step(forward);
    if (atEnd(stop) && stop.step === previousStep) {
      break; // already at the end: the walk is shorter than asked
    }
    if (stop.reason !== 'step' && !atEnd(stop)) {
      // A step interrupted by an event (the uncaught exception stops like a breakpoint) has no exact mirror:
      // the property is about plain steps, so the walk ends before it, back on its last plain state.
      const back = await session.move('gotoStep', { step: previousStep });
      assert.equal(await state(session, back), states[states.length - 1], `gotoStep back to ${previousStep}`);
      break;
    }
    assert.ok(stop.step! > previousStep, `${forward} #${index} must move forward in time: ${previousStep} -> ${stop.step}`);
    previousStep = stop.step!;
    states.push(await state(session, stop));
  }
  for (let index = states.length - 2; index >= 0; index -= 1) {
    const stop = await session.step(backward);
    const actual = await state(session, stop);
    assert.equal(actual, states[index], `${backward} back to state #${index} of the ${forward} walk (stop ${JSON.stringify(stop)})`);
  }
  return states.length - 1;
}

for (const fixture of fixtures) {
  for (const [forward, backward] of [['stepIn', 'reverseStepIn'], ['next', 'stepBack']] as const) {
    test(`reversibility on ${fixture.file}: ${forward} ×N then ${backward} ×N`, { timeout: 150_000 }, async () => {
      await withSession(async (session) => {
        await replay(session, fixture.file, undefined, fixture.options ?? {}, { stopOnEntry: true });
        const walked = await forwardThenBack(session, forward, backward, fixture.steps);
        assert.ok(walked >= 3, `the ${forward} walk on ${fixture.file} should make at least 3 steps, made ${walked}`);
      });
    });
  }
}
