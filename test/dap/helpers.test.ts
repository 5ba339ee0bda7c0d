// Self-test of the DAP suite's own helpers and fixture facts (no adapter needed): markers resolve, and the
// values the DAP tests expect are what Python really does with the fixtures. Must not start the adapter.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MarkedProgram, program } from './support/markers';
import { programsDir, testPython } from './support/paths';
import { sameValue } from './support/values';
import { expectedNextStops, nthLineEvent, referenceRun } from './support/reference';

function runFixture(fixture: string, args: string[] = []): { stdout: string; status: number | null } {
  try {
    const stdout = execFileSync(testPython(), [path.join(programsDir(), fixture), ...args], {
      cwd: programsDir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000,
    });
    return { stdout, status: 0 };
  } catch (error) {
    // execFileSync's error carries the child's output and exit status.
    const failed = error as { stdout?: string | Buffer; status?: number | null };
    return { stdout: String(failed.stdout ?? ''), status: failed.status ?? null };
  }
}

test('markers resolve to the lines that carry them', () => {
  const fixture = new MarkedProgram('/x/demo.py', 'a = 1\nb = 2  # @second\n\nc = 3 # @third\n');
  assert.equal(fixture.line('second'), 2);
  assert.equal(fixture.line('third'), 4);
  assert.equal(fixture.label(4), '@third');
  assert.equal(fixture.label(1), 'L1');
  assert.throws(() => fixture.line('missing'), /no marker @missing; known: second, third/);
});

test('a duplicated marker is refused with both line numbers', () => {
  assert.throws(() => new MarkedProgram('/x/dup.py', 'a = 1  # @same\nb = 2  # @same\n'), /@same appears twice \(lines 1 and 2\)/);
});

test('every fixture loads and its markers point at non-empty code lines', () => {
  for (const fixture of ['basics.py', 'aliasing.py', 'recursion.py', 'exceptions_demo.py', 'threads_demo.py',
    'two_files.py', 'helper_math.py', 'killed.py', 'slow_loop.py', 'env_report.py', 'busy_loop.py', 'mutations.py', 'synthetic_source.py']) {
    const marked = program(fixture);
    const source = fs.readFileSync(marked.path, 'utf8').split('\n');
    assert.ok(marked.markerNames().length >= 2, `${fixture} has too few markers`);
    for (const name of marked.markerNames()) {
      const code = source[marked.line(name) - 1].split('#')[0].trim();
      assert.notEqual(code, '', `${fixture}: marker @${name} sits on a line without code`);
    }
  }
});

test('fixture outputs are what the DAP tests expect (Python is the reference)', () => {
  assert.equal(runFixture('basics.py').stdout, 'result 15 63\n');
  assert.equal(runFixture('aliasing.py').stdout, 'pair ([1, 2, 9, 9], 4)\n');
  assert.equal(runFixture('recursion.py').stdout, 'answer 24\n');
  assert.equal(runFixture('two_files.py').stdout, 'doubled [2, 4, 6]\n');
  assert.equal(runFixture('threads_demo.py').stdout, "results [('w0', 3), ('w1', 6)]\n");
  assert.equal(runFixture('slow_loop.py', ['3']).stdout, 'tick 1\ntick 2\ntick 3\nfinished 3\n');
  assert.equal(runFixture('mutations.py').stdout, "stock {'apples': 0, 'pears': 4} tallies [1, -1, 3] big 150\n");
  assert.equal(runFixture('busy_loop.py').stdout, 'done 199990000 20000\n');
  const crash = runFixture('exceptions_demo.py');
  assert.equal(crash.stdout, 'values [12, -1, 7]\n');
  assert.equal(crash.status, 1);
});

test('the reference tracer sees the loop of basics.py as the DAP tests describe it', () => {
  const basics = program('basics.py');
  const run = referenceRun('basics.py');
  const bodies = run.events.filter((event) => event.event === 'line' && event.line === basics.line('add_body'));
  assert.deepEqual(bodies.map((event) => [event.locals.a, event.locals.b]), [['0', '1'], ['1', '5'], ['6', '2'], ['8', '7']]);
  const never = run.events.filter((event) => event.line === basics.line('never_runs'));
  assert.equal(never.length, 0);
  const from = nthLineEvent(run, basics.path, basics.line('acc_init'));
  const stops = expectedNextStops(run, from, 5).map((stop) => basics.label(stop.line));
  assert.deepEqual(stops, ['@acc_for', '@acc_call', '@acc_for', '@acc_call', '@acc_for']);
  const fromReturn = nthLineEvent(run, basics.path, basics.line('add_return'));
  assert.deepEqual(expectedNextStops(run, fromReturn, 2).map((stop) => basics.label(stop.line)), ['@acc_call', '@acc_for']);
});

test('value comparison allows only the documented cut markers', () => {
  assert.ok(sameValue('[1, 2]', '[1, 2]', true));
  assert.ok(!sameValue('[1, 3]', '[1, 2]', true));
  assert.ok(!sameValue(undefined, '1', true));
  assert.ok(sameValue("'xxx…", `'${'x'.repeat(300)}'`, true), 'repr-limit cut');
  assert.ok(!sameValue("'xxy…", `'${'x'.repeat(300)}'`, true));
  assert.ok(sameValue("{'a': 1, 'b': […]}", "{'a': 1, 'b': [10, 20]}", false), 'depth-limit cut');
  assert.ok(!sameValue("{'a': 1, 'b': […]}", "{'a': 1, 'b': [10, 20]}", true), 'strict: no depth cut');
  assert.ok(!sameValue("{'a': 2, 'b': […]}", "{'a': 1, 'b': [10, 20]}", false));
  assert.ok(sameValue('<function f at 0x7f00>', '<function f at 0x7e11>', true), 'addresses are normalised');
});
