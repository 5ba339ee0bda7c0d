// The adapter and the Python reader (watercodeflow.recording_expand, an independent decoder) must see the same
// recording: every value's display, every binding, every object state's children (deltas resolved), for
// programs recorded with the real recorder. Skips when the recorder or CPython is missing.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadRecording } from '../../adapter/timeline/load-recording';
import { NATIVE_DIR, referencePython, runPython } from './python';

const python = referencePython();
const hasReader = fs.existsSync(path.join(NATIVE_DIR, 'watercodeflow', 'recording_expand.py'));
const skip = (!python && 'no CPython found') || (!hasReader && 'the Python reader is missing');
const PROGRAMS = path.resolve(__dirname, '..', '..', '..', 'test', 'dap', 'programs');

/** Mutations in place, aliasing, floats and big ints: what deltas and binary values are made of. */
const EXTRA_PROGRAM = `
import math
items = []
table = {}
for i in range(150):
    items.append(i * 0.1)
    table[str(i % 7)] = i ** 3
    if i % 10 == 0:
        items[0] = -i
    if i % 25 == 0:
        del items[1:3]
big = 2 ** 62 + 1
neg = -(2 ** 63)
huge = 10 ** 30
f = [1e16, 1e-05, -0.0, math.inf, math.nan, 1.5e300, 123456.789]
flag = None, True, False
`;

const DUMP = `
import json, sys
from watercodeflow.recording_expand import expand
db = expand(sys.argv[1])
out = {
  "vals": db.execute("SELECT value_id, type, repr FROM vals").fetchall(),
  "bindings": db.execute("SELECT scope_id, name_id, step, value_id FROM bindings").fetchall(),
  "states": [[o, s, json.loads(c) if c else []] for o, s, c in db.execute("SELECT object_id, step, children FROM object_states WHERE cut >= 0")],
}
print(json.dumps(out))
`;

function record(program: string, mode: string): string {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wcf-agree-')), 'run.wcf');
  execFileSync(python!, ['-m', 'watercodeflow', 'record', '--mode', mode, '--out', out, '--', program], {
    env: { ...process.env, PYTHONPATH: NATIVE_DIR }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  return out;
}

test('every value, binding and object state reads the same in the adapter and the Python reader', { skip, timeout: 120_000 }, async () => {
  const extra = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wcf-agree-src-')), 'extra.py');
  fs.writeFileSync(extra, EXTRA_PROGRAM);
  const runs: Array<[string, string]> = [[extra, 'balanced'], [extra, 'deep'], [path.join(PROGRAMS, 'mutations.py'), 'balanced'],
    [path.join(PROGRAMS, 'aliasing.py'), 'deep']];
  let states = 0;
  for (const [program, mode] of runs) {
    const file = record(program, mode);
    const expected = JSON.parse(runPython(python!, DUMP.replace('sys.argv[1]', JSON.stringify(file)))) as {
      vals: Array<[number, string, string | null]>; bindings: Array<[number, number, number, number | null]>; states: Array<[number, number, unknown[]]>;
    };
    const rec = await loadRecording(file);
    const where = `${path.basename(program)} (${mode})`;
    for (const [id, type, repr] of expected.vals) {
      assert.equal(rec.valueType(id), type, `${where}: type of value ${id}`);
      assert.equal(rec.valueRepr(id), repr, `${where}: display of value ${id}`);
    }
    // Several rows of one name at one step: the last one is the binding from that step on.
    const lastRow = new Map<string, [number, number, number, number]>();
    for (const [scope, name, step, value] of expected.bindings) lastRow.set(`${scope}:${name}:${step}`, [scope, name, step, value ?? 0]);
    for (const [scope, name, step, value] of lastRow.values()) {
      assert.equal(rec.bindingAt(scope, name, step), value, `${where}: scope ${scope} name ${name} at step ${step}`);
    }
    for (const [object, step, children] of expected.states) {
      const state = rec.objectStateAt(object, step);
      assert.ok(state && state.step === step, `${where}: object ${object} has a state at step ${step}`);
      assert.deepEqual(rec.children(state), children, `${where}: children of object ${object} at step ${step}`);
      states++;
    }
  }
  assert.ok(states > 100, `enough object states compared (${states})`);
});
