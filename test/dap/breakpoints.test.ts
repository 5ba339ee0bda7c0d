// DAP end-to-end: every breakpoint kind in both directions — line, function, conditional, hit count, exception
// filters, logpoints, data breakpoints — plus breakpointLocations and stepInTargets. Expected hits: fixture logic.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { program } from './support/markers';
import { DebugProtocol } from '@vscode/debugprotocol';
import { isVerified, setExceptionFilters, setFunctionBreakpoints, setLineBreakpoints } from './support/breakpoints';
import { replay } from './support/recordings';
import { AdapterSession, withSession } from './support/session';

const basics = program('basics.py');
const crash = program('exceptions_demo.py');
const TIMEOUT = { timeout: 120_000 };

async function argsOfAdd(session: AdapterSession): Promise<string> {
  return `${await session.valueOf('a')},${await session.valueOf('b')}`;
}

test('a conditional breakpoint (b > 3) stops only where the recorded values satisfy it, both ways', TIMEOUT, async () => {
  await withSession(async (session) => {
    let bp: DebugProtocol.Breakpoint | undefined;
    const first = await replay(session, 'basics.py', async (s) => {
      [bp] = await setLineBreakpoints(s, basics, [{ marker: 'add_body', condition: 'b > 3' }]);
    });
    assert.ok(await isVerified(session, bp!), `the breakpoint on a line that ran is verified: ${JSON.stringify(bp)}`);
    assert.equal(first.reason, 'breakpoint');
    assert.equal(await argsOfAdd(session), '1,5');
    await session.step('continue');
    assert.equal(await argsOfAdd(session), '8,7');
    const end = await session.step('continue');
    assert.match(end.description ?? '', /End of recording/);
    await session.step('reverseContinue');
    assert.equal(await argsOfAdd(session), '8,7');
    await session.step('reverseContinue');
    assert.equal(await argsOfAdd(session), '1,5');
    const start = await session.step('reverseContinue');
    assert.match(start.description ?? '', /Start of recording/);
  });
});

test('a hit-count breakpoint first stops at the third hit', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, [{ marker: 'add_body', hitCondition: '3' }]);
    });
    assert.equal(await argsOfAdd(session), '6,2');
    // Backwards from the end, the first and second hits never satisfy the hit condition.
    let stop = await session.step('continue');
    for (let guard = 0; !/End of recording/.test(stop.description ?? ''); guard += 1) {
      assert.ok(guard < 4, 'continue reaches the end after at most the remaining hits');
      assert.ok(['6,2', '8,7'].includes(await argsOfAdd(session)));
      stop = await session.step('continue');
    }
    stop = await session.step('reverseContinue');
    const reverseHits: string[] = [];
    for (let guard = 0; !/Start of recording/.test(stop.description ?? ''); guard += 1) {
      assert.ok(guard < 4, `reverseContinue reaches the start after at most four hits: ${reverseHits}`);
      reverseHits.push(await argsOfAdd(session));
      stop = await session.step('reverseContinue');
    }
    assert.ok(reverseHits.length >= 1, 'reverseContinue stops at a hit that satisfies the hit count');
    assert.ok(reverseHits.every((hit) => hit === '6,2' || hit === '8,7'), `reverse hits ${reverseHits}`);
  });
});

test('a function breakpoint stops at the first line of each call, both ways', TIMEOUT, async () => {
  await withSession(async (session) => {
    let bp: DebugProtocol.Breakpoint | undefined;
    const first = await replay(session, 'basics.py', async (s) => {
      [bp] = await setFunctionBreakpoints(s, ['add']);
    });
    assert.ok(await isVerified(session, bp!), `the function breakpoint on add() is verified: ${JSON.stringify(bp)}`);
    assert.equal(first.reason, 'function breakpoint');
    const top = await session.topFrame();
    assert.match(top.name, /add/);
    assert.ok(['@add_def', '@add_body'].includes(basics.label(top.line)), basics.label(top.line));
    assert.equal(await argsOfAdd(session), '0,1');
    await session.step('continue');
    assert.equal(await argsOfAdd(session), '1,5');
    await session.step('reverseContinue');
    assert.equal(await argsOfAdd(session), '0,1');
  });
});

test('a logpoint prints every hit of the whole recording at once, in time order, with its step', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', undefined, {}, { stopOnEntry: true });
    const before = session.events.length;
    await setLineBreakpoints(session, basics, [{ marker: 'add_body', logMessage: 'adding {a} and {b}' }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const logged = session.events.slice(before).filter((event) => event.event === 'output' && /adding/.test(event.body.output ?? ''));
    assert.equal(logged.length, 4, `one output event per hit: ${JSON.stringify(logged.map((e) => e.body.output))}`);
    const steps = logged.map((event) => Number(/\[step (\d+)\]/.exec(event.body.output ?? '')?.[1]));
    assert.ok(steps.every((step) => Number.isInteger(step)), `each line carries "[step N]": ${logged.map((e) => e.body.output)}`);
    assert.deepEqual([...steps].sort((x, y) => x - y), steps, 'in time order');
    assert.deepEqual(logged.map((event) => /adding \d+ and \d+/.exec(event.body.output ?? '')?.[0]),
      ['adding 0 and 1', 'adding 1 and 5', 'adding 6 and 2', 'adding 8 and 7']);
    // A logpoint never stops: continue goes to the end.
    const end = await session.step('continue');
    assert.match(end.description ?? '', /End of recording/);
    // The printed step is the step of that hit.
    const third = await session.move('gotoStep', { step: steps[2] });
    assert.equal(third.step, steps[2]);
    assert.equal(await argsOfAdd(session), '6,2');
  });
});

test('exception filter "raised" stops where exceptions are raised, forwards and backwards', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'exceptions_demo.py', undefined, {}, { stopOnEntry: true });
    await setExceptionFilters(session, ['raised']);
    let stop = await session.step('continue');
    assert.equal(stop.reason, 'exception');
    assert.equal(crash.label((await session.topFrame()).line), '@parse_int');
    const valueError = await session.request('exceptionInfo', { threadId: session.threadId });
    assert.match(valueError.exceptionId, /ValueError/);
    assert.match(valueError.description ?? '', /invalid literal for int\(\) with base 10: 'oops'/);
    stop = await session.step('continue');
    // debugpy reports a raise once, where it happened, not again in each frame it propagates through.
    assert.notEqual(crash.label((await session.topFrame()).line), '@safe_call', 'the ValueError must not stop again in safe_parse');
    assert.equal(stop.reason, 'exception');
    assert.equal(crash.label((await session.topFrame()).line), '@divide');
    stop = await session.step('reverseContinue');
    assert.equal(stop.reason, 'exception');
    assert.equal(crash.label((await session.topFrame()).line), '@parse_int');
    stop = await session.step('reverseContinue');
    assert.match(stop.description ?? '', /Start of recording/);
  });
});

test('exception filter "uncaught" skips caught exceptions and stops at the crash', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'exceptions_demo.py', undefined, {}, { stopOnEntry: true });
    await setExceptionFilters(session, ['uncaught']);
    const stop = await session.step('continue');
    assert.equal(stop.reason, 'exception');
    assert.equal(crash.label((await session.topFrame()).line), '@divide');
    const info = await session.request('exceptionInfo', { threadId: session.threadId });
    assert.match(info.exceptionId, /ZeroDivisionError/);
    assert.match(info.description ?? '', /division by zero/);
    assert.equal(info.breakMode, 'unhandled');
    const back = await session.step('reverseContinue');
    assert.match(back.description ?? '', /Start of recording/, 'no uncaught exception before the crash');
  });
});

test('a data breakpoint on a local stops where its value changed, with old → new, both ways', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['acc_for']);
    });
    const top = await session.topFrame();
    const locals = (await session.scopes(top.id)).find((scope) => scope.name === 'Locals');
    assert.ok(locals, 'a Locals scope');
    const info = await session.request('dataBreakpointInfo', { variablesReference: locals!.variablesReference, name: 'acc' });
    assert.ok(info.dataId, `dataBreakpointInfo gives a dataId: ${JSON.stringify(info)}`);
    await setLineBreakpoints(session, basics, []);
    const [bp] = (await session.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }] })).breakpoints;
    assert.ok(await isVerified(session, bp), `the data breakpoint is verified: ${JSON.stringify(bp)}`);
    let stop = await session.step('continue');
    assert.match(stop.description ?? '', /0\s*→\s*1/, JSON.stringify(stop));
    assert.equal(await session.valueOf('acc'), '1');
    stop = await session.step('continue');
    assert.match(stop.description ?? '', /1\s*→\s*6/, JSON.stringify(stop));
    assert.equal(await session.valueOf('acc'), '6');
    stop = await session.step('reverseContinue');
    assert.match(stop.description ?? '', /0\s*→\s*1/, JSON.stringify(stop));
    assert.equal(await session.valueOf('acc'), '1');
  });
});

test("a data breakpoint on an object's attribute stops where the attribute changed", TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['describe_move']);
    });
    const pt = (await session.scopeVariables((await session.topFrame()).id)).get('pt');
    assert.ok(pt && pt.variablesReference > 0, 'pt is expandable');
    const info = await session.request('dataBreakpointInfo', { variablesReference: pt!.variablesReference, name: 'y' });
    assert.ok(info.dataId, `dataBreakpointInfo on pt.y gives a dataId: ${JSON.stringify(info)}`);
    await setLineBreakpoints(session, basics, []);
    await session.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }] });
    const stop = await session.step('continue');
    assert.match(stop.description ?? '', /4\s*→\s*6/, JSON.stringify(stop));
    assert.equal(await session.valueOf('pt.y'), '6');
  });
});

const mutations = program('mutations.py');

/** The child of an expandable variable whose name is `key` in any of the usual spellings ('k', [k], k). */
async function childNamed(session: AdapterSession, parent: DebugProtocol.Variable, key: string): Promise<DebugProtocol.Variable> {
  const children = await session.variables(parent.variablesReference);
  const spellings = [key, `'${key}'`, `[${key}]`, `['${key}']`, `"${key}"`];
  const child = children.find((candidate) => spellings.includes(candidate.name));
  assert.ok(child, `${parent.name} has a child ${key}: ${children.map((c) => c.name)}`);
  return child!;
}

test('a data breakpoint on a dict item follows the object into other frames, both ways', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'mutations.py', async (s) => {
      await setLineBreakpoints(s, mutations, ['take_apples']);
    });
    const inventory = (await session.scopeVariables((await session.topFrame()).id)).get('inventory')!;
    const apples = await childNamed(session, inventory, 'apples');
    const info = await session.request('dataBreakpointInfo', { variablesReference: inventory.variablesReference, name: apples.name });
    assert.ok(info.dataId, `dataBreakpointInfo on inventory['apples'] gives a dataId: ${JSON.stringify(info)}`);
    await setLineBreakpoints(session, mutations, []);
    await session.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }] });
    let stop = await session.step('continue');
    assert.match(stop.description ?? '', /5\s*→\s*3/, JSON.stringify(stop));
    assert.equal(await session.valueOf("inventory['apples']"), '3');
    stop = await session.step('continue');
    assert.match(stop.description ?? '', /3\s*→\s*0/, `the same dict changed at module level: ${JSON.stringify(stop)}`);
    assert.equal(await session.valueOf("stock['apples']"), '0');
    stop = await session.step('reverseContinue');
    assert.match(stop.description ?? '', /5\s*→\s*3/, JSON.stringify(stop));
  });
});

test('a data breakpoint on a list item stops where that item changed, not on other items', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'mutations.py', async (s) => {
      await setLineBreakpoints(s, mutations, ['take_apples']);
    });
    const counts = (await session.scopeVariables((await session.topFrame()).id)).get('counts')!;
    const second = await childNamed(session, counts, '1');
    const info = await session.request('dataBreakpointInfo', { variablesReference: counts.variablesReference, name: second.name });
    assert.ok(info.dataId, `dataBreakpointInfo on counts[1] gives a dataId: ${JSON.stringify(info)}`);
    await setLineBreakpoints(session, mutations, []);
    await session.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }] });
    let stop = await session.step('continue');
    assert.match(stop.description ?? '', /2\s*→\s*12/, JSON.stringify(stop));
    stop = await session.step('continue');
    assert.match(stop.description ?? '', /12\s*→\s*-1/, JSON.stringify(stop));
    assert.equal(await session.valueOf('tallies'), '[1, -1, 3]');
    stop = await session.step('continue');
    assert.match(stop.description ?? '', /End of recording/, 'no other change of tallies[1]');
  });
});

test('breakpointLocations lists only lines that ran', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', undefined, {}, { stopOnEntry: true });
    const body = await session.request('breakpointLocations', {
      source: { path: basics.path }, line: 1, endLine: basics.lineCount,
    });
    const lines = new Set<number>(body.breakpoints.map((location) => location.line));
    for (const ran of ['add_body', 'add_return', 'acc_for', 'acc_call', 'point_init_y', 'describe_text', 'print']) {
      assert.ok(lines.has(basics.line(ran)), `@${ran} ran and must be offered`);
    }
    assert.ok(!lines.has(basics.line('never_runs')), '@never_runs never ran');
    assert.ok(!lines.has(2), 'a comment line never runs');
  });
});

test('stepInTargets lists the calls that happened from the current line; stepIn with a target enters it', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'basics.py', async (s) => {
      await setLineBreakpoints(s, basics, ['describe_point']);
    });
    assert.equal(basics.label((await session.topFrame()).line), '@describe_point');
    const body = await session.request('stepInTargets', { frameId: (await session.topFrame()).id });
    const labels: string[] = body.targets.map((target) => target.label);
    assert.ok(labels.some((label) => /__init__|Point/.test(label)), `targets: ${labels}`);
    assert.ok(!labels.some((label) => /add|accumulate/.test(label)), `only calls from this line: ${labels}`);
    const target = body.targets.find((candidate) => /__init__|Point/.test(candidate.label));
    assert.ok(target, `a target for Point.__init__: ${labels}`);
    await session.step('stepIn', { targetId: target.id });
    const top = await session.topFrame();
    assert.match(top.name, /__init__/);
  });
});
