// Unit tests of the extension's VS Code-free text parts (history text, identifiers, step input, lens lines) under
// plain Node: no VS Code needed. Run: `npx tsc -p . && node --test out/extension/test/`.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { changesUpTo, formatCount, historyHoverMarkdown, inlineHistoryText, lineHitsText, shortValue } from '../format/historyText';
import { blankStringsAndComment, identifiersOnLine } from '../format/identifiers';
import { parseStep, stepFromArgument, validateStepInput } from '../format/stepInput';
import type { ValueChange } from '../protocol';

function change(step: number, value: string, line = 8): ValueChange {
  return { step, line, path: '/w/basics.py', function: 'accumulate', value, type: 'int' };
}

test('inline history is newest first, joined with arrows', () => {
  const history = changesUpTo([change(10, '1'), change(30, '7'), change(20, '3')], undefined);
  assert.equal(inlineHistoryText('x', history, 4), 'x = 7 ← 3 ← 1');
});

test('inline history is bounded and counts what it left out', () => {
  const history = changesUpTo(Array.from({ length: 16 }, (_, i) => change(i, String(i))), undefined);
  assert.equal(inlineHistoryText('i', history, 4), 'i = 15 ← 14 ← 13 ← 12 (+12 more)');
  assert.equal(inlineHistoryText('i', history.slice(0, 2), 4, 1000), 'i = 15 ← 14 (+1,000 more)');
});

test('changes after the current step are not history yet', () => {
  const history = changesUpTo([change(10, '1'), change(20, '3'), change(30, '7')], 20);
  assert.deepEqual(history.map((c) => c.value), ['3', '1']);
});

test('long and multi-line values are cut with an ellipsis', () => {
  assert.equal(shortValue('a\n   b'), 'a b');
  const cut = shortValue('x'.repeat(100), 10);
  assert.equal(cut.length, 10);
  assert.ok(cut.endsWith('…'));
});

test('counts use thousands separators', () => {
  assert.equal(formatCount(1204), '1,204');
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(lineHitsText(1204), 'ran 1,204×');
});

test('the hover links every step to Go to Step and marks the current one', () => {
  const md = historyHoverMarkdown('total', [change(30, '21'), change(20, '7'), change(10, '0')], 5, 'watercodeflow.gotoStep', 25);
  assert.match(md, /\[step 30\]\(command:watercodeflow\.gotoStep\?%5B%7B%22step%22%3A30%7D%5D/);
  assert.match(md, /\[step 20\]\(command:watercodeflow\.gotoStep\?/);
  const rowOf = (step: number) => md.split('\n').find((l) => l.startsWith(`| [step ${step}]`)) ?? '';
  assert.match(rowOf(30), /\(later\)/);
  assert.match(rowOf(20), /◀ now/);
  assert.doesNotMatch(rowOf(10), /now|later/);
  assert.match(md, /\+2 more changes not shown/);
});

test('identifiers skip keywords, attributes, strings and comments', () => {
  const names = identifiersOnLine('    total = total + v.count  # not_me "x"').map((i) => i.name);
  assert.deepEqual(names, ['total', 'total', 'v']);
  assert.deepEqual(identifiersOnLine('print(f"sum of {numbers}")').map((i) => i.name), ['print', 'f']);
  assert.deepEqual(identifiersOnLine('for v in values:').map((i) => i.name), ['v', 'values']);
  assert.deepEqual(identifiersOnLine('y = 1e5').map((i) => i.name), ['y']);
});

test('string blanking keeps columns', () => {
  const line = 's = "a#b" # c';
  const blanked = blankStringsAndComment(line);
  assert.equal(blanked.length, line.length);
  assert.equal(blanked.indexOf('#'), -1);
});

test('step input accepts separators and rejects the rest', () => {
  assert.equal(parseStep(' 1,204 '), 1204);
  assert.equal(parseStep('1_204'), 1204);
  assert.equal(parseStep('-3'), undefined);
  assert.equal(parseStep('abc'), undefined);
  assert.equal(validateStepInput('50', 49), 'The recording has steps 0 to 49.');
  assert.equal(validateStepInput('49', 49), undefined);
  assert.match(validateStepInput('x', 49) ?? '', /whole step number/);
  assert.equal(stepFromArgument({ step: 7 }), 7);
  assert.equal(stepFromArgument([{ step: 7 }]), undefined);
  assert.equal(stepFromArgument(3.5), undefined);
});

test('hit-count lenses go on the first line of each run of equal counts', async () => {
  const { lensLines } = await import('../format/lensLines');
  // def (1×), body of a loop header (4×), loop body (3× twice), line never ran, return (1×)
  const lines = [5, 6, 7, 8, 9, 10, 11];
  const counts = [1, 1, 4, 3, 3, 0, 1];
  assert.deepEqual(lensLines(lines, counts), [
    { line: 5, count: 1 }, { line: 7, count: 4 }, { line: 8, count: 3 }, { line: 11, count: 1 },
  ]);
  assert.deepEqual(lensLines([1, 2], [undefined, 0]), []);
});

test('def, class and import bindings are recognised as definitions', async () => {
  const { isDefinitionChange } = await import('../format/historyText');
  assert.equal(isDefinitionChange({ ...change(1, '<function main at 0x7f>'), type: 'function' }), true);
  assert.equal(isDefinitionChange({ ...change(1, "<class 'Item'>"), type: 'type' }), true);
  assert.equal(isDefinitionChange({ ...change(1, "<module 'os'>"), type: 'module' }), true);
  assert.equal(isDefinitionChange(change(1, '42')), false);
  assert.equal(isDefinitionChange({ ...change(1, "'<function text>'"), type: 'str' }), false);
});
