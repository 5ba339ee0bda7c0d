// DAP end-to-end fidelity: a stepIn walk over a whole fixture visits every line the reference tracer saw
// (tools/reference_trace.py, plain sys.settrace), in order, with the same locals. Must not trust the recorder.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { locationLabel } from './support/markers';
import { replay } from './support/recordings';
import { ReferenceEvent, referenceRun } from './support/reference';
import { withSession } from './support/session';
import { sameValue } from './support/values';

const MAX_STOPS = 400;

function describeLocals(values: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(values).map(([name, value]) => [name, value.slice(0, 60)])));
}

const walks: Array<{ fixture: string; mode?: 'deep' }> = [
  { fixture: 'basics.py' }, { fixture: 'aliasing.py' }, { fixture: 'recursion.py' }, { fixture: 'exceptions_demo.py' },
  { fixture: 'two_files.py' }, { fixture: 'threads_demo.py' }, { fixture: 'mutations.py' },
  // In deep mode nothing in these small fixtures is beyond the depth limit: values must match exactly.
  { fixture: 'basics.py', mode: 'deep' },
];

for (const { fixture, mode } of walks) {
  const strict = mode === 'deep';
  test(`stepIn over all of ${fixture}${mode ? ` (${mode} mode)` : ''} matches the reference tracer line by line, with locals`, { timeout: 150_000 }, async () => {
    const reference = referenceRun(fixture).events.filter((event) => event.event === 'line' && event.thread === 'MainThread');
    await withSession(async (session) => {
      // The reference traces only the fixture directory, which is what just-my-code records.
      const entry = await replay(session, fixture, undefined, mode ? { justMyCode: true, mode } : { justMyCode: true }, { stopOnEntry: true });
      let matched = 0;
      let lastMatched: ReferenceEvent | undefined;
      const lastLineOfFunctionAtDepth = new Map<string, number>();
      let previousDepth = 0;
      for (let stops = 0; stops < MAX_STOPS && matched < reference.length; stops += 1) {
        const stop = await session.step('stepIn');
        assert.equal(stop.threadId, entry.threadId, 'stepIn follows the main thread');
        const frames = await session.stackTrace();
        const top = frames[0];
        const where = `stepIn #${stops + 1} at ${locationLabel(top.source?.path, top.line)} in ${top.name} (step ${stop.step})`;
        const want = reference[matched];
        const sameSpot = top.source?.path === want.path && top.line === want.line && top.name.endsWith(want.function);
        if (sameSpot) {
          if (want.function !== '<module>') {
            const actual = await session.localValues(top.id);
            assert.deepEqual(Object.keys(actual).sort(), Object.keys(want.locals).sort(), `${where}: local names`);
            for (const [name, value] of Object.entries(want.locals)) {
              assert.ok(sameValue(actual[name], value, strict), `${where}: ${name} = ${actual[name]}, Python had ${value}`);
            }
          }
          matched += 1;
          lastMatched = want;
          lastLineOfFunctionAtDepth.set(`${want.function}@${frames.length}`, want.line);
        } else {
          // Tolerated extra stops: the frame's return shown on its last line (pdb's --Return--), and the caller
          // shown on its call line right after a return (debugpy). Anything else is a wrong stop.
          const isReturn = lastMatched !== undefined && top.line === lastMatched.line && top.name.endsWith(lastMatched.function);
          const isLanding = frames.length < previousDepth &&
            [...lastLineOfFunctionAtDepth.entries()].some(([key, line]) => key === `${top.name.split('.').pop()}@${frames.length}` && line === top.line);
          assert.ok(isReturn || isLanding, `${where}: expected ${want.function} at ${locationLabel(want.path, want.line)} with ${describeLocals(want.locals)}`);
        }
        previousDepth = frames.length;
        assert.ok(!/End of recording/.test(stop.description ?? '') || matched === reference.length,
          `${where}: the recording ended after ${matched} of ${reference.length} reference lines`);
      }
      assert.equal(matched, reference.length, 'every line Python executed is visited by stepIn');
    });
  });
}
