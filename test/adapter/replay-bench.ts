// Replay benchmark (not a test): opens a recording and times the engine's operations the issue has speed
// goals for. Run: node out/test/adapter/replay-bench.js --bench REC.wcf (does nothing under `node --test`).
// Prints a table; asserts nothing. Opening is timed in fresh processes too (`--bench-open`), cold like a session.
import { execFileSync } from 'child_process';
import { BreakpointManager } from '../../adapter/replay/breakpoints';
import { Direction } from '../../adapter/replay/direction';
import { ReplayEngine, StepGranularity } from '../../adapter/replay/replay-engine';
import { loadRecording } from '../../adapter/timeline/load-recording';
import { StepKind } from '../../adapter/timeline/schema';
import { VariableHandles } from '../../adapter/session/variable-handles';
import { VariablesView } from '../../adapter/session/variables-view';

function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function timeIt(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** One cold open as a session does it: structure first (to the first stop), then the values in the background. */
async function openOnce(file: string): Promise<void> {
  const t0 = performance.now();
  const rec = await loadRecording(file, { deferValues: true });
  const bps = new BreakpointManager();
  bps.attach(rec);
  new ReplayEngine(rec, bps).initialStop(false);
  const firstStop = performance.now() - t0;
  await rec.valuesReady;
  console.log(JSON.stringify({ firstStop, values: performance.now() - t0 }));
}

function coldOpens(file: string, runs: number): { firstStop: number[]; values: number[] } {
  const out = { firstStop: [] as number[], values: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const r = JSON.parse(execFileSync(process.execPath, [__filename, '--bench-open', file], { encoding: 'utf8' })) as { firstStop: number; values: number };
    out.firstStop.push(r.firstStop);
    out.values.push(r.values);
  }
  return out;
}

const ms = (samples: number[]) => `median ${percentile(samples, 50).toFixed(1)} ms (min ${Math.min(...samples).toFixed(1)})`;

async function main(file: string): Promise<void> {
  const t0 = performance.now();
  const rec = await loadRecording(file);
  const openMs = performance.now() - t0;
  const cold = coldOpens(file, 5);
  const rows: Array<[string, string]> = [
    ['open recording (whole, in this process)', `${openMs.toFixed(1)} ms (${rec.stepCount} steps)`],
    ['open to the first stop (5 fresh processes)', ms(cold.firstStop)],
    ['open until the values are in (same runs)', ms(cold.values)],
  ];
  const bps = new BreakpointManager();
  bps.attach(rec);
  const engine = new ReplayEngine(rec, bps);

  // The most-hit line is the loop body: the far-breakpoint and logpoint targets.
  const [fileId, line] = rec.linesThatRan().reduce((best, l) => (l[2] > best[2] ? l : best));
  const filePath = rec.files.get(fileId)!;
  const hits = rec.stepsOfLine(fileId, line);

  for (const [name, g, d] of [['next', StepGranularity.Over, Direction.Forward], ['stepBack', StepGranularity.Over, Direction.Backward],
    ['stepIn', StepGranularity.In, Direction.Forward], ['reverseStepIn', StepGranularity.In, Direction.Backward],
    ['stepOut', StepGranularity.Out, Direction.Forward]] as const) {
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) { engine.goto(hits[i % hits.length]); engine.step(g, d); } // JIT warm-up
    for (let i = 0; i < 2000; i++) {
      engine.goto(hits[Math.floor((i / 2000) * (hits.length - 1))]);
      samples.push(timeIt(() => engine.step(g, d)));
    }
    rows.push([name, `p50 ${percentile(samples, 50).toFixed(4)} ms, p99 ${percentile(samples, 99).toFixed(4)} ms`]);
  }
  engine.goto(0);
  rows.push(['next over the whole loop call', `${timeIt(() => { engine.goto(Math.max(0, rec.frames.callStep[rec.stepFrame[hits[0]]] - 1)); engine.step(StepGranularity.Over, Direction.Forward); }).toFixed(2)} ms`]);

  const setMs = timeIt(() => bps.setSourceBreakpoints(filePath, [{ line, hitCondition: String(hits.length) }]));
  engine.goto(0);
  let stop = 0;
  const contMs = timeIt(() => { stop = engine.continue(Direction.Forward).step; });
  rows.push([`continue to the last hit (${stop} steps away)`, `${contMs.toFixed(3)} ms (+ ${setMs.toFixed(1)} ms to set the hit-count breakpoint)`]);
  engine.goto(rec.lastStep);
  bps.setSourceBreakpoints(filePath, [{ line, hitCondition: '1' }]);
  const revMs = timeIt(() => { stop = engine.continue(Direction.Backward).step; });
  rows.push([`reverseContinue to the first hit (step ${stop})`, `${revMs.toFixed(3)} ms`]);
  const condMs = timeIt(() => bps.setSourceBreakpoints(filePath, [{ line, condition: 'i == -1' }]));
  rows.push([`conditional breakpoint over ${hits.length} hits`, `${condMs.toFixed(1)} ms`]);
  bps.setSourceBreakpoints(filePath, []);
  let logCount = 0;
  let logBytes = 0;
  const logMs = timeIt(() => {
    // Set, then render every line (as the session does when it sends them).
    const logs = bps.setSourceBreakpoints(filePath, [{ line, logMessage: 'i={i}' }]).logs;
    logCount = logs.length;
    for (let i = 0; i < logs.length; i++) logBytes += logs.textAt(i).length + 1;
  });
  rows.push([`logpoint over ${logCount} hits (set, every line rendered)`, `${logMs.toFixed(1)} ms (${(logBytes / 1e6).toFixed(1)} MB of text)`]);

  const view = new VariablesView(rec, new VariableHandles());
  const mid = hits[hits.length >> 1];
  const frame = rec.stepFrame[mid];
  const samples: number[] = [];
  for (let i = 0; i < 50; i++) view.scopeVariables(rec.frames.localsScope[frame], mid, false); // JIT warm-up
  for (let i = 0; i < 200; i++) samples.push(timeIt(() => view.scopeVariables(rec.frames.localsScope[frame], mid + (i % 50), false)));
  rows.push(['variables (locals of the loop frame)', `p50 ${percentile(samples, 50).toFixed(4)} ms, p99 ${percentile(samples, 99).toFixed(4)} ms`]);
  // The scope with the most names (e.g. a function with 40 locals), at its last binding step.
  let widest: [number, number, number] = [0, 0, 0];
  for (const scopeId of rec.bindings.scopeIds()) {
    const names = rec.bindings.namesOf(scopeId);
    let last = 0;
    for (const nameId of names) {
      const h = rec.bindings.history(scopeId, nameId)!;
      last = Math.max(last, h.steps[h.steps.length - 1]);
    }
    if (names.length > widest[1]) widest = [scopeId, names.length, last];
  }
  const wide: number[] = [];
  for (let i = 0; i < 50; i++) view.scopeVariables(widest[0], widest[2], false); // JIT warm-up
  for (let i = 0; i < 2000; i++) wide.push(timeIt(() => view.scopeVariables(widest[0], widest[2], false)));
  rows.push([`variables (scope with ${widest[1]} names)`, `p50 ${percentile(wide, 50).toFixed(4)} ms, p99 ${percentile(wide, 99).toFixed(4)} ms`]);
  let lineSteps = 0;
  for (let s = 0; s < rec.stepCount; s++) if (rec.stepKind[s] === StepKind.Line) lineSteps++;
  rows.push(['line steps', String(lineSteps)]);
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

const flag = process.argv.indexOf('--bench');
const openFlag = process.argv.indexOf('--bench-open');
if (flag >= 0) {
  main(process.argv[flag + 1]).catch((err) => { console.error(err); process.exit(1); });
} else if (openFlag >= 0) {
  openOnce(process.argv[openFlag + 1]).catch((err) => { console.error(err); process.exit(1); });
}
