// DAP end-to-end: bad launch configurations, unreadable recordings and programs that crash or are killed get
// failed responses with actionable messages (or a session on what was recorded); the adapter never dies.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { program } from './support/markers';
import { repoRoot, scratchDir, testPython } from './support/paths';
import { sharedRecording } from './support/recordings';
import { AdapterSession, withSession } from './support/session';

const TIMEOUT = { timeout: 120_000 };
const killed = program('killed.py');

async function launchFailure(args: Record<string, unknown>): Promise<string> {
  return withSession(async (session) => {
    const message = await session.launchFailure(AdapterSession.launchArgsFor(undefined, args));
    assert.ok(session.adapterAlive, 'a failed launch must not kill the adapter');
    return message;
  });
}

test('a missing program is refused with its path', TIMEOUT, async () => {
  const missing = path.join(scratchDir('missing'), 'does_not_exist.py');
  const message = await launchFailure({ program: missing, python: testPython() });
  assert.ok(message.includes(missing), `message should name ${missing}: ${message}`);
});

test('a program path that is a directory is refused with its path', TIMEOUT, async () => {
  const directory = scratchDir('dirprogram');
  const message = await launchFailure({ program: directory, python: testPython() });
  assert.ok(message.includes(directory), `message should name ${directory}: ${message}`);
});

test('a launch without program or replay says which field is needed', TIMEOUT, async () => {
  const message = await launchFailure({ python: testPython() });
  assert.match(message, /program/, message);
  assert.match(message, /replay/, message);
});

test('a python interpreter that does not exist is refused with its path', TIMEOUT, async () => {
  const python = '/nonexistent/bin/python3.99';
  const message = await launchFailure({ program: program('basics.py').path, python });
  assert.ok(message.includes(python), `message should name ${python}: ${message}`);
  assert.match(message.split(python).join('<path>'), /python|interpreter/i, `message should say what is missing: ${message}`);
});

test('a Python older than 3.8 is refused with the version it found', TIMEOUT, async () => {
  // No CPython < 3.8 is installed: a wrapper around the real interpreter answers every version question
  // (--version, sys.version_info, sys.version, platform) as CPython 3.6.15 would.
  const dir = scratchDir('oldpython');
  fs.writeFileSync(path.join(dir, 'sitecustomize.py'), [
    'import collections, platform, sys',
    "VersionInfo = collections.namedtuple('version_info', 'major minor micro releaselevel serial')",
    "sys.version_info = VersionInfo(3, 6, 15, 'final', 0)",
    "sys.version = '3.6.15 (default, Jan 1 2021, 00:00:00) [GCC 10.2.1]'",
    "platform.python_version = lambda: '3.6.15'",
    "platform.python_version_tuple = lambda: ('3', '6', '15')",
    '',
  ].join('\n'));
  const fake = path.join(dir, 'python3');
  fs.writeFileSync(fake, [
    '#!/bin/sh',
    'case "$1" in --version|-V) echo "Python 3.6.15"; exit 0;; esac',
    `PYTHONPATH="${dir}\${PYTHONPATH:+:$PYTHONPATH}" exec "${testPython()}" "$@"`,
    '',
  ].join('\n'), { mode: 0o755 });
  const message = await launchFailure({ program: program('basics.py').path, python: fake });
  assert.match(message, /3\.6/, `message should say which version was found: ${message}`);
  assert.match(message, /3\.8/, `message should say 3.8 is the minimum: ${message}`);
});

test('an unwritable recording path is refused with that path', TIMEOUT, async () => {
  const dir = scratchDir('unwritable');
  const blocker = path.join(dir, 'a-file');
  fs.writeFileSync(blocker, 'not a directory');
  const recording = path.join(blocker, 'out.wcf');
  const message = await launchFailure({ program: program('basics.py').path, python: testPython(), recording });
  assert.ok(message.includes(recording), `message should name ${recording}: ${message}`);
});

test('unknown launch fields are refused by name', TIMEOUT, async () => {
  const message = await launchFailure({ program: program('basics.py').path, python: testPython(), stopOnEntyr: true });
  assert.match(message, /stopOnEntyr/, message);
});

test('a corrupt recording is refused with its path', TIMEOUT, async () => {
  const file = path.join(scratchDir('corrupt'), 'garbage.wcf');
  fs.writeFileSync(file, Buffer.from('this is not an SQLite database, just text pretending to be one\n'.repeat(50)));
  const message = await launchFailure({ replay: file });
  assert.ok(message.includes(file), `message should name ${file}: ${message}`);
});

test('a missing recording is refused with its path', TIMEOUT, async () => {
  const file = path.join(scratchDir('norec'), 'nothing-here.wcf');
  const message = await launchFailure({ replay: file });
  assert.ok(message.includes(file), `message should name ${file}: ${message}`);
});

/** A recording whose meta says `version` (tables of the current schema.sql: the version check comes first). */
function recordingOfVersion(label: string, version: number): string {
  const file = path.join(scratchDir(label), `v${version}.wcf`);
  const schema = path.join(repoRoot(), 'native', 'watercodeflow', 'schema.sql');
  const script = [
    'import sqlite3, sys',
    'db = sqlite3.connect(sys.argv[1])',
    'db.executescript(open(sys.argv[2]).read())',
    `db.executemany('INSERT OR REPLACE INTO meta VALUES (?, ?)', [('schema_version', '${version}'), ` +
      "('format', 'watercodeflow-recording'), ('status', 'complete'), ('step_count', '0')])",
    `db.execute("PRAGMA user_version = ${version}")`,
    'db.commit()',
  ].join('\n');
  execFileSync(testPython(), ['-c', script, file, schema]);
  return file;
}

test('a recording from a newer WaterCodeFlow is refused with both versions', TIMEOUT, async () => {
  const file = recordingOfVersion('version', 999);
  const message = (await launchFailure({ replay: file })).split(file).join('<file>');
  assert.match(message, /999/, `message should name the file's version: ${message}`);
  assert.match(message, /\b2\b/, `message should name the supported version: ${message}`);
  assert.match(message, /newer|update|upgrade/i, `message should say a newer WaterCodeFlow is needed: ${message}`);
});

test('a version 1 recording is refused: recorded by an older WaterCodeFlow, record the program again', TIMEOUT, async () => {
  const file = recordingOfVersion('version1', 1);
  const message = (await launchFailure({ replay: file })).split(file).join('<file>');
  assert.match(message, /version 1/, message);
  assert.match(message, /older WaterCodeFlow/, message);
  assert.match(message, /record the program again/i, message);
});

test('a recording with a damaged chunk is refused as corrupt, naming the file and the chunk', TIMEOUT, async () => {
  const file = path.join(scratchDir('chunk'), 'damaged.wcf');
  fs.copyFileSync(await sharedRecording('basics.py'), file);
  execFileSync(testPython(), ['-c', [
    'import sqlite3, sys',
    'db = sqlite3.connect(sys.argv[1])',
    // Cut the first steps chunk short, as a disk error or a bad copy would.
    "db.execute(\"UPDATE chunks SET data = substr(data, 1, length(data) - 3) WHERE tbl = 'steps' AND seq = 0\")",
    'db.commit()',
  ].join('\n'), file]);
  const message = await launchFailure({ replay: file });
  assert.ok(message.includes(file), `message should name ${file}: ${message}`);
  assert.match(message.split(file).join('<file>'), /is corrupt: chunk steps#0: /, message);
});

test('a truncated recording is refused with an actionable message, or opened up to its last valid step', TIMEOUT, async () => {
  const source = await sharedRecording('basics.py');
  const file = path.join(scratchDir('cut'), 'half.wcf');
  const bytes = fs.readFileSync(source);
  fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  await withSession(async (session) => {
    const launch = session.launch(AdapterSession.launchArgsFor(undefined, { replay: file }));
    try {
      await launch;
      // Opened: it must say what was lost.
      const said = session.outputText();
      assert.match(said, /truncat|incomplete|damaged|corrupt/i, `opening a truncated file must warn: ${said}`);
    } catch (error) {
      const message = String((error as Error).message);
      assert.ok(message.includes(file), `message should name ${file}: ${message}`);
      // The file name must not be what satisfies the check: look at the message without it.
      assert.match(message.split(file).join('<file>'), /truncat|incomplete|damaged|corrupt|malformed/i, message);
    }
    assert.ok(session.adapterAlive);
  });
});

test('a killed program: the session opens what was recorded and says it was killed', TIMEOUT, async () => {
  await withSession(async (session) => {
    const stop = await session.launch(AdapterSession.launchArgsFor('killed.py'));
    assert.equal(typeof stop.step, 'number');
    assert.match(session.outputText('stdout'), /before kill 10/);
    const summary = await session.request('timeline/summary', {});
    assert.equal(summary.status, 'killed');
    // The recorder had 1.5 s to flush before SIGKILL: the loop is in the recording.
    const hits = await session.request('timeline/lineHits', { path: killed.path, line: killed.line('count_add') });
    assert.equal(hits.total, 5);
    await session.move('gotoStep', { step: hits.steps[4] });
    assert.equal(await session.valueOf('count'), '6', 'before the fifth count += i (i = 4), count = 0+1+2+3');
  });
});

test('requests the adapter cannot serve fail with a message and leave the session usable', TIMEOUT, async () => {
  await withSession(async (session) => {
    await session.launch(AdapterSession.launchArgsFor(undefined, { replay: await sharedRecording('basics.py'), stopOnEntry: true }));
    const badFrame = await session.requestFailure('scopes', { frameId: 987654321 });
    assert.ok(badFrame.length > 0);
    const badStep = await session.requestFailure('gotoStep', { step: -5 });
    assert.ok(badStep.length > 0);
    const unknown = await session.requestFailure('noSuchRequest', {});
    assert.ok(unknown.length > 0);
    assert.ok(session.adapterAlive);
    const top = await session.topFrame();
    assert.equal(top.source?.path, program('basics.py').path);
  });
});
