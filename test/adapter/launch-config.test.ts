// Unit tests of launch.json validation and the interpreter check: each refusal names what to fix.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { recordTarget, targetLabel, validateLaunchArguments } from '../../adapter/recording/launch-config';
import { checkPython } from '../../adapter/recording/python-interpreter';
import { RecorderProcess } from '../../adapter/recording/recorder-process';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wcf-config-'));
const prog = path.join(dir, 'prog.py');
fs.writeFileSync(prog, 'print(1)\n');

test('defaults follow the contract; VS Code fields are accepted', () => {
  const c = validateLaunchArguments({ program: prog, type: 'watercodeflow', request: 'launch', name: 'x', __sessionId: 'abc' });
  assert.equal(c.kind, 'record');
  if (c.kind !== 'record') return;
  assert.deepEqual([c.python, c.mode, c.justMyCode, c.stopOnEntry, c.cwd, c.args], ['python3', 'balanced', true, false, dir, []]);
  assert.ok(c.recording.startsWith(os.tmpdir()) && c.recording.endsWith('prog.wcf'), c.recording);
});

test('a module launch records `python -m MODULE` in cwd, named after the module', () => {
  const c = validateLaunchArguments({ module: 'mypackage.cli', cwd: dir, args: ['-v'] });
  assert.equal(c.kind, 'record');
  if (c.kind !== 'record') return;
  assert.deepEqual([c.module, c.program, c.cwd, c.args, c.justMyCode], ['mypackage.cli', undefined, dir, ['-v'], true]);
  assert.ok(c.recording.startsWith(os.tmpdir()) && c.recording.endsWith(`${path.sep}mypackage.cli.wcf`), c.recording);
  assert.deepEqual(recordTarget(c), { module: 'mypackage.cli' });
  assert.equal(targetLabel(c), 'python -m mypackage.cli');
  const script = validateLaunchArguments({ program: prog });
  if (script.kind === 'record') assert.deepEqual([recordTarget(script), targetLabel(script)], [{ program: prog }, 'prog.py']);
});

test('each bad field is refused with a message that says what to do', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{}, /needs "program"/],
    [{ program: prog, speed: 'fast' }, /Unknown launch.json field "speed".*understands: program/],
    [{ program: path.join(dir, 'nope.py') }, /Program not found: .*nope.py/],
    [{ program: dir }, /is a directory/],
    [{ program: prog, mode: 'turbo' }, /"mode" must be one of lite, balanced, deep/],
    [{ program: prog, args: 'a b' }, /"args" must be an array of strings/],
    [{ program: prog, recording: path.join(dir, 'missing', 'r.wcf') }, /folder .*missing does not exist/],
    [{ program: prog, recording: dir }, /is a directory; give a file path/],
    [{ program: prog, stopOnEntry: 'yes' }, /"stopOnEntry" must be true or false/],
    [{ program: prog, replay: '/tmp/x.wcf' }, /either "program".*or "replay"/],
    [{ replay: path.join(dir, 'none.wcf') }, /Recording not found/],
    [{ program: prog, module: 'pkg', cwd: dir }, /either "program" .* or "module" .*, not both/],
    [{ module: 'pkg', replay: '/tmp/x.wcf' }, /either "module".*or "replay"/],
    [{ module: 'pkg' }, /"module" needs "cwd"/],
    [{ module: '', cwd: dir }, /"module" must be the name of a module to run as `python -m`/],
    [{ module: 7, cwd: dir }, /"module" must be the name of a module/],
    [{ module: 'tools/run.py', cwd: dir }, /looks like a file: give its dotted module name .* or record the file with "program"/],
    [{ module: '.cli', cwd: dir }, /is relative: give the full dotted name/],
    [{ module: 'pkg', cwd: path.join(dir, 'nowhere') }, /"cwd" .*nowhere is not an existing directory/],
  ];
  for (const [args, expected] of cases) assert.throws(() => validateLaunchArguments(args), expected, JSON.stringify(args));
});

test('the interpreter check reports a missing interpreter and a too-old version', async () => {
  await assert.rejects(checkPython(path.join(dir, 'no-python'), process.env), /was not found\. Install Python 3\.8/);
  const fake = path.join(dir, 'python2');
  fs.writeFileSync(fake, '#!/bin/sh\necho "3 7 9 /usr/bin/python3.7"\n', { mode: 0o755 });
  await assert.rejects(checkPython(fake, process.env), /Python 3\.7\.9 .* is too old: WaterCodeFlow needs Python 3\.8/);
  const banner = path.join(dir, 'python-banner');
  fs.writeFileSync(banner, '#!/bin/sh\necho "Python 2.7.18" >&2\nexit 1\n', { mode: 0o755 });
  await assert.rejects(checkPython(banner, process.env), /2\.7\.18.*3\.8|failed to start/);
  const ok = await checkPython('/root/.pyenv/versions/3.11.7/bin/python3', process.env).catch(() => undefined);
  if (ok) assert.deepEqual(ok.version.slice(0, 2), [3, 11]);
});

test('the recorder command line follows docs/launch-protocol.md', () => {
  const argv = RecorderProcess.commandLine({
    python: 'python3', program: prog, args: ['--n', '3'], cwd: dir, env: {}, recording: '/tmp/r.wcf', mode: 'deep',
    justMyCode: false, maxRecordingSize: 1000, nativeDir: '/x/native',
  });
  assert.deepEqual(argv, ['-m', 'watercodeflow', 'record', '--out', '/tmp/r.wcf', '--progress-fd', '3', '--control-fd', '4',
    '--mode', 'deep', '--no-just-my-code', '--max-size', '1000', '--', prog, '--n', '3']);
  const moduleArgv = RecorderProcess.commandLine({
    python: 'python3', module: 'pkg.cli', args: ['--', '-x'], cwd: dir, env: {}, recording: '/tmp/r.wcf', mode: 'balanced',
    justMyCode: true, nativeDir: '/x/native',
  });
  assert.deepEqual(moduleArgv, ['-m', 'watercodeflow', 'record', '--out', '/tmp/r.wcf', '--progress-fd', '3', '--control-fd', '4',
    '--mode', 'balanced', '-m', 'pkg.cli', '--', '-x']);
  const buffersArgv = RecorderProcess.commandLine({
    python: 'python3', program: prog, args: [], cwd: dir, env: {}, recording: '/tmp/r.wcf', mode: 'deep', justMyCode: true,
    nativeDir: '/x/native', buffers: { tracking: false, fullCopyLimit: 0, diffLimit: 4096, diffHuge: true, snapshots: 'on-write' },
  });
  assert.deepEqual(buffersArgv.slice(11, -2), ['--buffers', 'off', '--buffer-full-limit', '0', '--buffer-diff-limit', '4096',
    '--buffer-diff-huge', '--buffer-snapshots', 'on-write']);
});

test('"buffers" options are checked and kept', () => {
  const ok = validateLaunchArguments({ program: prog, buffers: { diffLimit: 1024, snapshots: 'on-write' } });
  assert.ok(ok.kind === 'record');
  if (ok.kind === 'record') assert.deepEqual(ok.buffers, { tracking: true, fullCopyLimit: undefined, diffLimit: 1024, diffHuge: false, snapshots: 'on-write' });
  assert.throws(() => validateLaunchArguments({ program: prog, buffers: { diffLimit: -1 } }), /buffers\.diffLimit" must be a whole number/);
  assert.throws(() => validateLaunchArguments({ program: prog, buffers: { snapshots: 'never' } }), /"always" or "on-write"/);
  assert.throws(() => validateLaunchArguments({ program: prog, buffers: { shadow: true } }), /Unknown "buffers" field "shadow"/);
  assert.throws(() => validateLaunchArguments({ program: prog, buffers: 'on' }), /"buffers" must be an object/);
});
