// DAP end-to-end: golden dumps (stack + variables, ids normalised) at marked points of the fixtures. The golden
// texts in golden/ are written from Python's semantics, never from the adapter's output.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { program } from './support/markers';
import { LineBreakpoint, setLineBreakpoints } from './support/breakpoints';
import { dumpState } from './support/dump';
import { goldenDir } from './support/paths';
import { replay } from './support/recordings';
import { withSession } from './support/session';

interface GoldenCase {
  golden: string;
  fixture: string;
  /** Fixture whose line the breakpoint is on (default: the fixture itself). */
  breakpointFile?: string;
  /** undefined: the uncaught exception is where the session stops by itself. */
  breakpoint?: LineBreakpoint;
  frames: number[];
}

const cases: GoldenCase[] = [
  { golden: 'basics-add-third-call.txt', fixture: 'basics.py', breakpoint: { marker: 'add_body', condition: 'b == 2' }, frames: [0, 1] },
  { golden: 'aliasing-callee-second.txt', fixture: 'aliasing.py', breakpoint: { marker: 'callee_second' }, frames: [0, 1] },
  { golden: 'recursion-base-case.txt', fixture: 'recursion.py', breakpoint: { marker: 'fact_base' }, frames: [0, 1, 3] },
  { golden: 'exceptions-crash.txt', fixture: 'exceptions_demo.py', frames: [0] },
  { golden: 'two-files-scale-return.txt', fixture: 'two_files.py', breakpointFile: 'helper_math.py', breakpoint: { marker: 'scale_return' }, frames: [0] },
];

for (const golden of cases) {
  test(`golden dump ${golden.golden}`, { timeout: 120_000 }, async () => {
    const expected = fs.readFileSync(path.join(goldenDir(), golden.golden), 'utf8').trimEnd();
    await withSession(async (session) => {
      await replay(session, golden.fixture, async (s) => {
        if (golden.breakpoint) {
          await setLineBreakpoints(s, program(golden.breakpointFile ?? golden.fixture), [golden.breakpoint]);
        }
      });
      const actual = await dumpState(session, { frames: golden.frames, scopes: ['Locals'], expandDepth: 1 });
      assert.equal(actual, expected, `dump differs from golden/${golden.golden}:\n--- actual ---\n${actual}\n--- golden ---\n${expected}`);
    });
  });
}
