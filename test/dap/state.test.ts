// DAP end-to-end: the state at a step — stackTrace, scopes (Locals, Globals, Return Value), variables
// (structure, paging, cut marker), evaluate, completions, loadedSources, aliasing across frames.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import { program } from './support/markers';
import { setLineBreakpoints } from './support/breakpoints';
import { replay } from './support/recordings';
import { AdapterSession, withSession } from './support/session';

const basics = program('basics.py');
const aliasing = program('aliasing.py');
const twoFiles = program('two_files.py');
const helper = program('helper_math.py');
const TIMEOUT = { timeout: 120_000 };
const DEEP = { mode: 'deep' as const };

async function atDescribeReturn(session: AdapterSession): Promise<number> {
  await replay(session, 'basics.py', async (s) => {
    await setLineBreakpoints(s, basics, ['describe_return']);
  }, DEEP);
  return (await session.topFrame()).id;
}

test('stackTrace gives real frames with paths the editor can open', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'two_files.py', async (s) => {
      await setLineBreakpoints(s, helper, ['scale_return']);
    });
    const frames = await session.stackTrace();
    assert.deepEqual(frames.map((frame) => [frame.source?.path, frame.line]), [
      [helper.path, helper.line('scale_return')],
      [twoFiles.path, twoFiles.line('call_scale')],
    ]);
    for (const frame of frames) {
      assert.ok(fs.existsSync(frame.source!.path!));
    }
    assert.match(frames[0].name, /scale/);
    assert.equal(frames[1].name, '<module>');
    const loaded = await session.request('loadedSources', {});
    const paths = loaded.sources.map((source) => source.path);
    assert.ok(paths.includes(twoFiles.path) && paths.includes(helper.path), `loadedSources: ${paths}`);
  });
});

test('scopes are Locals and Globals; variables carry the Python repr and expand structurally', TIMEOUT, async () => {
  await withSession(async (session) => {
    const frameId = await atDescribeReturn(session);
    const scopeNames = (await session.scopes(frameId)).map((scope) => scope.name);
    assert.ok(scopeNames.includes('Locals') && scopeNames.includes('Globals'), `scopes: ${scopeNames}`);
    const locals = await session.scopeVariables(frameId);
    assert.deepEqual([...locals.keys()].sort(), ['many', 'pt', 'table', 'text']);
    assert.equal(locals.get('table')!.value, "{'a': 1, 'b': [10, 20]}");
    const table = await session.variables(locals.get('table')!.variablesReference);
    const b = table.find((child) => /b/.test(child.name));
    assert.ok(b, `table children: ${JSON.stringify(table)}`);
    assert.equal(b!.value, '[10, 20]');
    const bItems = await session.variables(b!.variablesReference);
    assert.deepEqual(bItems.filter((item) => /^\[?\d+\]?$/.test(item.name)).map((item) => item.value), ['10', '20']);
    const pt = await session.variables(locals.get('pt')!.variablesReference);
    const attributes = Object.fromEntries(pt.map((child) => [child.name, child.value]));
    assert.equal(attributes.x, '3');
    assert.equal(attributes.y, '6');
    const globals = await session.scopeVariables(frameId, 'Globals');
    assert.equal(globals.get('numbers')?.value, '[1, 5, 2, 7]');
    assert.equal(globals.get('result')?.value, '15');
    assert.ok(!globals.has('summary'), 'summary is bound only after describe() returns');
  });
});

test('a large list is paged: indexed children come in the requested window', TIMEOUT, async () => {
  await withSession(async (session) => {
    const frameId = await atDescribeReturn(session);
    const many = (await session.scopeVariables(frameId)).get('many')!;
    assert.ok(many.variablesReference > 0);
    assert.equal(many.indexedVariables, 60, 'the Variables view pages by indexedVariables');
    const window = await session.variables(many.variablesReference, { filter: 'indexed', start: 10, count: 5 });
    assert.deepEqual(window.map((item) => item.value), ['10', '11', '12', '13', '14']);
  });
});

test('a repr past the limit is cut with a marker, never silently', TIMEOUT, async () => {
  await withSession(async (session) => {
    const frameId = await atDescribeReturn(session);
    const text = (await session.scopeVariables(frameId)).get('text')!;
    const full = `'${'x'.repeat(300)}'`;
    assert.ok(text.value.length < full.length, 'a 302-character repr is longer than the default limit of 200');
    assert.ok(text.value.startsWith("'xxxxxxxxxx"), text.value);
    assert.ok(text.value.endsWith('…'), `cut values end with the … marker: ${text.value.slice(-20)}`);
  });
});

test('evaluate reads recorded values: names, attributes, indexing, slicing, len(), arithmetic, comparisons', TIMEOUT, async () => {
  await withSession(async (session) => {
    const frameId = await atDescribeReturn(session);
    const cases: Array<[string, string]> = [
      ['pt.x', '3'],
      ['pt.y', '6'],
      ["table['b'][1]", '20'],
      ["table['a']", '1'],
      ['many[2:5]', '[2, 3, 4]'],
      ['many[-1]', '59'],
      ['len(many)', '60'],
      ['pt.x * 2 + 1', '7'],
      ['len(many) + pt.x', '63'],
      ['len(many) > 50', 'True'],
      ["table['a'] == 1", 'True'],
      ['text[:3]', "'xxx'"],
      ['numbers[1]', '5'],
    ];
    const wrong: string[] = [];
    for (const [expression, expected] of cases) {
      const response = await session.raw('evaluate', { expression, frameId, context: 'watch' });
      const result = response.success ? response.body.result : `<failed: ${response.message}>`;
      if (result !== expected) {
        wrong.push(`${expression} gave ${result}, Python gives ${expected}`);
      }
    }
    assert.deepEqual(wrong, [], 'every expression evaluates as Python would');
    const hover = await session.evaluate('pt', frameId, 'hover');
    assert.ok(hover.variablesReference > 0, 'a hover on an object can be expanded');
  });
});

test('evaluate refuses code that would have to run, with a clear message', TIMEOUT, async () => {
  await withSession(async (session) => {
    const frameId = await atDescribeReturn(session);
    const wrong: string[] = [];
    for (const expression of ['many.append(1)', 'print(1)', 'describe()', '__import__("os")']) {
      const response = await session.raw('evaluate', { expression, frameId, context: 'repl' });
      if (response.success || !/cannot run code in a recording/.test(response.message ?? '')) {
        wrong.push(`${expression}: ${response.success ? `succeeded with ${response.body.result}` : response.message}`);
      }
    }
    assert.deepEqual(wrong, [], 'each is refused with "cannot run code in a recording"');
    const unknown = await session.requestFailure('evaluate', { expression: 'no_such_name', frameId, context: 'watch' });
    assert.match(unknown, /no_such_name/);
  });
});

test('completions offer the names in scope at the step', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['add_return']);
    });
    const frameId = (await session.topFrame()).id;
    const body = await session.request('completions', { frameId, text: 'to', column: 3 });
    const labels = body.targets.map((target) => target.label);
    assert.ok(labels.includes('total'), `completions for "to": ${labels}`);
    assert.ok(!labels.includes('acc'), 'acc is not in scope in add()');
  });
});

test('aliasing: one list seen through three names in two frames, with a callee mutation visible in the caller', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'aliasing.py', async (s) => {
      await setLineBreakpoints(s, aliasing, ['callee_first', 'callee_second', 'callee_return']);
    });
    const expectations: Array<[string, string]> = [
      ['@callee_first', '[1, 2]'],
      ['@callee_second', '[1, 2, 9]'],
      ['@callee_return', '[1, 2, 9, 9]'],
    ];
    for (const [index, [label, list]] of expectations.entries()) {
      if (index > 0) {
        await session.step('continue');
      }
      const [callee, caller] = await session.stackTrace();
      assert.equal(aliasing.label(callee.line), label);
      assert.equal(aliasing.label(caller.line), '@owner_call');
      const calleeLocals = await session.localValues(callee.id);
      const callerLocals = await session.localValues(caller.id);
      assert.equal(calleeLocals.target, list, `${label}: target in append_twice`);
      assert.equal(callerLocals.mine, list, `${label}: mine in owner (mutation by the callee shows in the caller)`);
      assert.equal(callerLocals.alias, list, `${label}: alias in owner`);
      assert.equal((await session.evaluate('len(mine)', caller.id)).result, String(JSON.parse(list).length));
    }
  });
});

test('right after a return, a Return Value scope shows what was returned', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'aliasing.py', async (s) => {
      await setLineBreakpoints(s, aliasing, ['callee_return']);
    });
    await session.step('next');
    const top = await session.topFrame();
    assert.equal(aliasing.label(top.line), '@owner_call');
    const scopes = await session.scopes(top.id);
    const returned = scopes.find((scope) => /return/i.test(scope.name));
    assert.ok(returned, `a Return Value scope after append_twice returned: ${scopes.map((scope) => scope.name)}`);
    const values = (await session.variables(returned!.variablesReference)).map((variable) => variable.value);
    assert.deepEqual(values, ['4']);
    await session.step('next');
    const later = (await session.scopes((await session.topFrame()).id)).map((scope) => scope.name);
    assert.ok(!later.some((name) => /return/i.test(name)), `no Return Value scope one line later: ${later}`);
  });
});

test('a list longer than maxItems shows the recorded items and marks how many were cut', TIMEOUT, async () => {
  const mutations = program('mutations.py');
  await withSession(async (session) => {
    await replay(session, 'mutations.py', async (s) => {
      await setLineBreakpoints(s, mutations, ['print_state']);
    });
    const big = (await session.scopeVariables((await session.topFrame()).id, 'Globals')).get('big');
    assert.ok(big && big.variablesReference > 0, 'big is expandable');
    const children = await session.variables(big!.variablesReference);
    const items = children.filter((child) => /^\[?\d+\]?$/.test(child.name));
    assert.ok(items.length <= 100, `at most maxItems (100) items are recorded, got ${items.length}`);
    items.forEach((item) => assert.equal(item.value, item.name.replace(/[[\]]/g, '')));
    const marker = children.find((child) => /50/.test(`${child.name} ${child.value}`) && /…|more|cut/i.test(`${child.name} ${child.value}`));
    assert.ok(marker, `a marker says 50 items were cut: ${children.slice(-3).map((c) => `${c.name}=${c.value}`)}`);
    assert.ok(big!.value.includes('…'), `the repr of a cut list shows the cut: ${big!.value.slice(-40)}`);
  });
});
