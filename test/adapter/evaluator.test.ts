// Unit tests of the recorded-value evaluator: arithmetic, access, Python semantics, and code refusal.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RecordedEvaluator } from '../../adapter/evaluate/evaluator';
import { strRepr } from '../../adapter/evaluate/py-values';
import { pyFloatRepr as floatRepr } from '../../adapter/timeline/py-float-repr';
import { loadRecording } from '../../adapter/timeline/load-recording';
import { ADD_STEPS as S, buildAddProgram } from './fixtures';
import { RecordingBuilder } from './recording-builder';

async function evaluatorAt(step: number) {
  const rec = await loadRecording(await buildAddProgram().write());
  return new RecordedEvaluator(rec, step, rec.stepFrame[step]);
}

test('names resolve locals then globals at the step; arithmetic follows Python', async () => {
  const ev = await evaluatorAt(S.addLine3);
  assert.equal(ev.evaluate('s * 10 + x').repr, '31');
  assert.equal(ev.evaluate('a / b').repr, '0.5');
  assert.equal(ev.evaluate('-7 // 2').repr, '-4');
  assert.equal(ev.evaluate('-7 % 3').repr, '2');
  assert.equal(ev.evaluate('2 ** 100').repr, '1267650600228229401496703205376');
  assert.equal(ev.evaluate('a < b <= 2 and not s == 4').repr, 'True');
  assert.equal(ev.evaluate('0 or "x"').repr, "'x'");
});

test('containers: index, negative index, slice, len, in, equality with literals', async () => {
  const ev = await evaluatorAt(S.printLine);
  assert.equal(ev.evaluate('items[-1]').repr, '9');
  assert.equal(ev.evaluate('items[0:2]').repr, '[1, 3]');
  assert.equal(ev.evaluate('items[::-1]').repr, '[9, 3, 1]');
  assert.equal(ev.evaluate('len(items)').repr, '3');
  assert.equal(ev.evaluate('9 in items').repr, 'True');
  assert.equal(ev.evaluate('items == [1, 3, 9]').repr, 'True');
  assert.equal(ev.evaluate('max(items) - min(items)').repr, '8');
  assert.throws(() => ev.evaluate('items[5]'), /IndexError/);
});

test('the same expression sees the value recorded at each step', async () => {
  assert.equal((await evaluatorAt(S.appendLine)).evaluate('len(items)').repr, '2');
  assert.equal((await evaluatorAt(S.printLine)).evaluate('len(items)').repr, '3');
});

test('anything that would run code is refused with the standard message', async () => {
  const ev = await evaluatorAt(S.printLine);
  for (const expr of ['print(x)', 'items.append(1)', 'x = 3', 'lambda: 1', 'f"{x}"', '[i for i in items]', 'x.bit_length']) {
    assert.throws(() => ev.evaluate(expr), /^Error: cannot run code in a recording: /, expr);
  }
  assert.throws(() => ev.evaluate('1 +'), /invalid syntax/);
  assert.throws(() => ev.evaluate('nope'), /name 'nope' is not defined at step 10/);
});

test('instance attributes and dict items come from the recorded state', async () => {
  const b = new RecordingBuilder();
  const m = b.enter(b.code(b.file('/tmp/o.py'), '<module>', 1), 1);
  b.set(m, 'p', b.object('m.Point', 'instance', [['x', b.int(4)], ['y', b.int(5)]]));
  b.set(m, 'd', b.object('dict', 'dict', [["'k'", b.str('v')], ['2', b.int(20)]]));
  b.line(m, 2);
  const rec = await loadRecording(await b.write());
  const ev = new RecordedEvaluator(rec, 1, rec.stepFrame[1]);
  assert.equal(ev.evaluate('p.x * p.y').repr, '20');
  assert.equal(ev.evaluate("d['k'] + '!'").repr, "'v!'");
  assert.equal(ev.evaluate('d[2]').repr, '20');
  assert.throws(() => ev.evaluate('p.z'), /no recorded attribute 'z'/);
  assert.throws(() => ev.evaluate("d['zz']"), /KeyError: 'zz'/);
});

test('float and str reprs match Python', () => {
  assert.equal(floatRepr(1), '1.0');
  assert.equal(floatRepr(0.1 + 0.2), '0.30000000000000004');
  assert.equal(floatRepr(1e20), '1e+20');
  assert.equal(floatRepr(1e-5), '1e-05');
  assert.equal(strRepr("it's"), '"it\'s"');
  assert.equal(strRepr('a\nb'), "'a\\nb'");
});
