// Self-test of support/session.ts against a tiny scripted adapter (not WaterCodeFlow): launch sequences in both
// event orders, failed launches, stops that arrive before their response, and an adapter that dies.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { scratchDir } from './support/paths';
import { AdapterSession, withSession } from './support/session';

// A scripted adapter: behaviour is chosen by launch arguments, so each test states what it exercises.
const SCRIPTED_ADAPTER = `
const { DebugSession, InitializedEvent, StoppedEvent, Response } = require(${JSON.stringify(require.resolve('@vscode/debugadapter'))});
class Scripted extends DebugSession {
  step = 0;
  initializeRequest(response) {
    response.body = { supportsConfigurationDoneRequest: true, supportsStepBack: true };
    this.sendResponse(response);
    if (process.env.SCRIPTED_EARLY_INITIALIZED) this.sendEvent(new InitializedEvent());
  }
  launchRequest(response, args) {
    if (args.fail) { this.sendErrorResponse(response, 1, args.fail); return; }
    this.initializedLate = !!args.initializedAfterLaunch;
    if (process.env.SCRIPTED_EARLY_INITIALIZED) { this.sendResponse(response); return; }
    if (!this.initializedLate) this.sendEvent(new InitializedEvent());
    this.sendResponse(response);
    if (this.initializedLate) setTimeout(() => this.sendEvent(new InitializedEvent()), 20);
  }
  configurationDoneRequest(response) { this.sendResponse(response); this.stop('entry'); }
  stop(reason) { const event = new StoppedEvent(reason, 1); event.body.step = this.step; this.sendEvent(event); }
  nextRequest(response) { this.step += 1; this.stop('step'); this.sendResponse(response); }
  customRequest(command, response) {
    if (command === 'crash') { process.stderr.write('scripted adapter: crashing on purpose\\n'); process.exit(7); }
    this.sendErrorResponse(response, 2, 'unknown request ' + command);
  }
}
DebugSession.run(Scripted);
`;

const adapterFile = path.join(scratchDir('scripted'), 'scripted-adapter.js');
fs.writeFileSync(adapterFile, SCRIPTED_ADAPTER);
process.env.WCF_TEST_ADAPTER = adapterFile;

for (const initializedAfterLaunch of [false, true]) {
  test(`launch works when 'initialized' comes ${initializedAfterLaunch ? 'after' : 'before'} the launch response`, async () => {
    await withSession(async (session) => {
      const stop = await session.launch(AdapterSession.launchArgsFor(undefined, { initializedAfterLaunch }));
      assert.equal(stop.reason, 'entry');
      assert.equal(stop.step, 0);
    });
  });
}

test("'initialized' sent in the same chunk as the initialize response is not missed", async () => {
  process.env.SCRIPTED_EARLY_INITIALIZED = '1';
  try {
    await withSession(async (session) => {
      const stop = await session.launch(AdapterSession.launchArgsFor(undefined, {}));
      assert.equal(stop.reason, 'entry');
    });
  } finally {
    delete process.env.SCRIPTED_EARLY_INITIALIZED;
  }
});

test('a stop sent before the response of its request is not lost, and each step gets its own stop', async () => {
  await withSession(async (session) => {
    await session.launch(AdapterSession.launchArgsFor(undefined, {}));
    assert.equal((await session.step('next')).step, 1);
    assert.equal((await session.step('next')).step, 2);
  });
});

test('a failed launch gives the adapter message', async () => {
  await withSession(async (session) => {
    const message = await session.launchFailure(AdapterSession.launchArgsFor(undefined, { fail: 'program /x.py not found' }));
    assert.match(message, /program \/x\.py not found/);
  });
});

test('an adapter that dies fails the waiting request at once, with its stderr', async () => {
  const started = Date.now();
  await assert.rejects(
    withSession(async (session) => {
      await session.launch(AdapterSession.launchArgsFor(undefined, {}));
      await session.request('crash', {});
    }),
    (error: Error) => /exited \(code 7/.test(error.message) && /crashing on purpose/.test(error.message),
  );
  assert.ok(Date.now() - started < 5000, 'no waiting for a timeout');
});
