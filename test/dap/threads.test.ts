// DAP end-to-end: recorded threads — the threads list, per-thread stacks, and stepping that follows the
// stepped thread while the others interleave. Expected values come from the fixture's logic.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { program } from './support/markers';
import { setLineBreakpoints } from './support/breakpoints';
import { replay } from './support/recordings';
import { withSession } from './support/session';

const threads = program('threads_demo.py');
const TIMEOUT = { timeout: 120_000 };

test('threads lists every recorded thread with its name', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'threads_demo.py', async (s) => {
      await setLineBreakpoints(s, threads, ['worker_start']);
    });
    const listed = (await session.request('threads')).threads as Array<{ id: number; name: string }>;
    const names = listed.map((thread) => thread.name);
    assert.ok(names.some((name) => /MainThread|main/i.test(name)), `threads: ${names}`);
    assert.ok(names.some((name) => name.includes('worker-0')), `threads: ${names}`);
    assert.ok(names.some((name) => name.includes('worker-1')), `threads: ${names}`);
    assert.equal(new Set(listed.map((thread) => thread.id)).size, listed.length, 'thread ids are distinct');
  });
});

test('a breakpoint in a worker stops on that thread; its stack and the main stack are separate', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await replay(session, 'threads_demo.py', async (s) => {
      await setLineBreakpoints(s, threads, ['worker_start']);
    });
    const listed = (await session.request('threads')).threads as Array<{ id: number; name: string }>;
    const stopped = listed.find((thread) => thread.id === stop.threadId);
    assert.ok(stopped && /worker-[01]/.test(stopped.name), `stopped on a worker: ${JSON.stringify(stop)} ${JSON.stringify(listed)}`);
    const main = listed.find((thread) => /MainThread|main/i.test(thread.name))!;
    const workerStack = await session.stackTrace(stopped!.id);
    assert.match(workerStack[0].name, /worker/);
    assert.equal(threads.label(workerStack[0].line), '@worker_start');
    const index = stopped!.name.includes('worker-0') ? 0 : 1;
    assert.equal(await session.valueOf('name', workerStack[0].id), `'w${index}'`);
    assert.equal(await session.valueOf('count', workerStack[0].id), String(3 + index));
    assert.ok(!workerStack.some((frame) => frame.name === '<module>'), 'the worker stack does not contain the main module frame');
    const mainStack = await session.stackTrace(main.id);
    const mainModule = mainStack.find((frame) => frame.source?.path === threads.path);
    assert.ok(mainModule, `the main thread is in the fixture's module: ${JSON.stringify(mainStack.map((f) => f.name))}`);
    // Thread.start() returns once the worker has started, so the main thread may already be further on.
    assert.ok(['@start_thread', '@join_thread'].includes(threads.label(mainModule!.line)), threads.label(mainModule!.line));
  });
});

test('next follows the stepped worker thread through its loop', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await replay(session, 'threads_demo.py', async (s) => {
      await setLineBreakpoints(s, threads, [{ marker: 'worker_start', condition: "name == 'w1'" }]);
    });
    const worker = stop.threadId;
    assert.equal(await session.valueOf('name'), "'w1'");
    // count = 4: the for line runs 5 times, the body 4 times, then the store.
    const expected = [
      ['@worker_loop', null], ['@worker_add', '0'], ['@worker_loop', '0'], ['@worker_add', '0'], ['@worker_loop', '1'],
      ['@worker_add', '1'], ['@worker_loop', '3'], ['@worker_add', '3'], ['@worker_loop', '6'], ['@worker_store', '6'],
    ];
    for (const [index, [label, total]] of expected.entries()) {
      const next = await session.step('next');
      assert.equal(next.threadId, worker, `next #${index + 1} stays on the stepped thread`);
      const top = await session.topFrame(worker);
      assert.equal(threads.label(top.line), label, `next #${index + 1}`);
      if (total !== null) {
        assert.equal(await session.valueOf('total', top.id), total, `next #${index + 1}: total`);
      }
    }
    // And back again on the same thread.
    for (let index = expected.length - 2; index >= 0; index -= 1) {
      const back = await session.step('stepBack');
      assert.equal(back.threadId, worker, 'stepBack stays on the stepped thread');
      assert.equal(threads.label((await session.topFrame(worker)).line), expected[index][0], `stepBack to #${index + 1}`);
    }
  });
});

test('the shared dict mutated by the workers is seen from the main thread after join', TIMEOUT, async () => {
  await withSession(async (session) => {
    await replay(session, 'threads_demo.py', async (s) => {
      await setLineBreakpoints(s, threads, ['print_results']);
    });
    assert.equal(await session.valueOf('results'), "{'w0': 3, 'w1': 6}");
  });
});

for (const justMyCode of [true, false]) {
  test(`justMyCode ${justMyCode}: the worker stack ${justMyCode ? 'holds only the program' : 'includes threading.py'}`, TIMEOUT, async () => {
    await withSession(async (session) => {
      await replay(session, 'threads_demo.py', async (s) => {
        await setLineBreakpoints(s, threads, ['worker_start']);
      }, { justMyCode });
      const paths = (await session.stackTrace()).map((frame) => frame.source?.path ?? '<none>');
      if (justMyCode) {
        assert.deepEqual(paths, [threads.path], 'only worker() is user code on a worker thread');
      } else {
        assert.equal(paths[0], threads.path);
        assert.ok(paths.slice(1).some((file) => file.endsWith('threading.py')), `library frames shown: ${paths}`);
      }
    });
  });
}
