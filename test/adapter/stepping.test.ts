// Unit tests of direction-aware stepping: forward like debugpy, backward its mirror, plus reversibility.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { BreakpointManager } from '../../adapter/replay/breakpoints';
import { Direction } from '../../adapter/replay/direction';
import { ReplayEngine, StepGranularity } from '../../adapter/replay/replay-engine';
import { stepIn, stepOut, stepOver } from '../../adapter/replay/stepping';
import { loadRecording } from '../../adapter/timeline/load-recording';
import { ADD_STEPS as S, buildAddProgram } from './fixtures';
import { RecordingBuilder } from './recording-builder';

test('next steps over the call; stepBack is its mirror and lands on the call line', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  assert.equal(stepOver(rec, S.callLine, Direction.Forward), S.itemsLine);
  assert.equal(stepOver(rec, S.itemsLine, Direction.Backward), S.callLine);
});

test('stepIn enters the callee and stops at its return into the caller; reverse step-in mirrors it', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  assert.equal(stepIn(rec, S.callLine, Direction.Forward), S.addLine2);
  assert.equal(stepIn(rec, S.addLine3, Direction.Forward), S.addReturn);
  assert.equal(rec.codeOfFrame(rec.shownFrame(S.addReturn))!.name, '<module>', 'a return stop shows the caller');
  assert.equal(rec.stackAt(S.addReturn).length, 1);
  assert.equal(stepIn(rec, S.itemsLine, Direction.Backward), S.addReturn);
  assert.equal(stepIn(rec, S.addReturn, Direction.Backward), S.addLine3);
});

test('stepOut lands in the caller at the call line; reverse step-out lands on the call site', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  assert.equal(stepOut(rec, S.addLine2, Direction.Forward), S.addReturn, 'the caller, at the line of the call');
  assert.equal(stepOver(rec, S.addReturn, Direction.Forward), S.itemsLine, 'next finishes the call line');
  assert.equal(stepOver(rec, S.addLine3, Direction.Forward), S.addReturn, 'next from the last line stops at the return');
  assert.equal(stepOver(rec, S.addReturn, Direction.Backward), S.addLine3, 'stepBack from a return stop re-enters the callee');
  assert.equal(stepOut(rec, S.addLine3, Direction.Backward), S.callLine);
  assert.equal(stepOut(rec, S.callLine, Direction.Forward), undefined, 'no caller at module level');
});

test('stepBack from the first line of a function goes to the call site', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  assert.equal(stepOver(rec, S.addLine2, Direction.Backward), S.callLine);
});

test('stepping past either end stops at the boundary with a description', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  const engine = new ReplayEngine(rec, new BreakpointManager());
  engine.goto(S.printLine);
  const end = engine.step(StepGranularity.Over, Direction.Forward);
  assert.deepEqual([end.step, end.reason, end.description], [rec.lastStep, 'step', 'End of recording']);
  engine.goto(S.defLine);
  const start = engine.step(StepGranularity.Over, Direction.Backward);
  assert.deepEqual([start.step, start.reason, start.description], [0, 'entry', 'Start of recording']);
});

test('stepping follows the thread of the current step and skips other threads', async () => {
  const b = new RecordingBuilder();
  const file = b.file('/tmp/t.py');
  const mod = b.code(file, '<module>', 1);
  const work = b.code(file, 'work', 10);
  const main = b.enter(mod, 1);
  b.line(main, 1); // 1
  const t2 = b.thread('worker');
  const w = b.enter(work, 10, t2); // 2
  b.line(w, 11); // 3
  b.line(main, 2); // 4
  b.line(w, 12); // 5
  b.line(main, 3); // 6
  const rec = await loadRecording(await b.write());
  assert.equal(stepOver(rec, 1, Direction.Forward), 4);
  assert.equal(stepOver(rec, 4, Direction.Forward), 6);
  assert.equal(stepOver(rec, 3, Direction.Forward), 5);
  assert.equal(stepIn(rec, 6, Direction.Backward), 4);
  assert.equal(stepOver(rec, 5, Direction.Backward), 3);
});

test('reversibility: N nexts forward then N stepBacks visit the same steps in reverse', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  for (const granularity of [StepGranularity.Over, StepGranularity.In]) {
    const engine = new ReplayEngine(rec, new BreakpointManager());
    engine.goto(S.defLine);
    const forward = [engine.currentStep];
    for (let i = 0; i < 4; i++) forward.push(engine.step(granularity, Direction.Forward).step);
    const backward = [engine.currentStep];
    for (let i = 0; i < 4; i++) backward.push(engine.step(granularity, Direction.Backward).step);
    assert.deepEqual(backward, [...forward].reverse(), `granularity ${granularity}`);
  }
});

test('next over a call stops at a breakpoint inside the callee', async () => {
  const rec = await loadRecording(await buildAddProgram().write());
  const bps = new BreakpointManager();
  bps.attach(rec);
  bps.setSourceBreakpoints('/tmp/wcf-fixture/add_program.py', [{ line: 3 }]);
  const engine = new ReplayEngine(rec, bps);
  engine.goto(S.callLine);
  const stop = engine.step(StepGranularity.Over, Direction.Forward);
  assert.deepEqual([stop.step, stop.reason], [S.addLine3, 'breakpoint']);
  engine.goto(S.printLine);
  const back = engine.step(StepGranularity.Over, Direction.Backward);
  assert.equal(back.step, S.appendLine, 'no breakpoint between: plain stepBack');
});
