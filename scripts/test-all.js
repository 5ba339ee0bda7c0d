#!/usr/bin/env node
// `npm test`: runs every test suite (linters, Python recorder + reader, native tracker, TypeScript unit + DAP, real
// VS Code end-to-end), prints each suite's own output and one closing line "N passed, N failed, N skipped".
// Suites that need something the machine lacks print SKIP with the reason; they never pass silently.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const only = process.argv[2]; // lint | py | node | e2e | native | undefined (all)
const totals = { passed: 0, failed: 0, skipped: 0 };
const suiteResults = [];

let pythonsFound = null;
function pythons() {
  if (pythonsFound) return pythonsFound;
  // CPython 3.11 is required (CI runs it); 3.12/3.13 exercise sys.monitoring, 3.8 the oldest supported version,
  // each where the machine has it. `cores` are the recorder cores the suite runs with on that interpreter: the
  // C core (3.11-3.13) and its pure-Python twin, which must pass the same suite.
  const found = [];
  const p311 = ['/root/.pyenv/versions/3.11.7/bin/python3', '/usr/bin/python3'].find((p) => fs.existsSync(p));
  if (p311) found.push({ label: 'py3.11', bin: p311, cores: ['c', 'python'] });
  const optional = [
    { label: 'py3.13', bin: '/root/.pyenv/versions/3.13.0/bin/python3', cores: ['c', 'python'] },
    { label: 'py3.12', bin: '/root/.pyenv/versions/3.12.1/bin/python3', cores: ['c'] },
    { label: 'py3.8', bin: '/root/.pyenv/versions/3.8.18/bin/python3', cores: ['python'] },
  ];
  for (const py of optional) {
    if (fs.existsSync(py.bin)) found.push(py);
    else skip(py.label, `CPython ${py.label.slice(2)} not found at ${py.bin}`);
  }
  pythonsFound = found;
  return found;
}

function skip(name, why) {
  console.log(`SKIP ${name}: ${why}`);
  totals.skipped += 1;
  suiteResults.push(`${name}: SKIP (${why})`);
}

function runSuite(name, cmd, args, parse, env = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = (r.stdout || '') + (r.stderr || '');
  process.stdout.write(out);
  const counts = parse(out, r.status);
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1; // a crash of the runner is a failure
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  suiteResults.push(`${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (exit ${r.status})`);
}

function parseUnittest(out) {
  const ran = /Ran (\d+) tests?/.exec(out);
  const total = ran ? Number(ran[1]) : 0;
  const num = (re) => Number((re.exec(out) || [0, 0])[1]);
  const failures = num(/failures=(\d+)/) + num(/errors=(\d+)/) + num(/unexpected successes=(\d+)/);
  const skipped = num(/skipped=(\d+)/) + num(/expected failures=(\d+)/);
  return { passed: total - failures - skipped, failed: failures, skipped };
}

function parseNodeTest(out) {
  const num = (re) => Number((re.exec(out) || [0, 0])[1]);
  return {
    passed: num(/^# pass (\d+)/m),
    failed: num(/^# fail (\d+)/m) + num(/^# cancelled (\d+)/m),
    skipped: num(/^# skipped (\d+)/m) + num(/^# todo (\d+)/m),
  };
}

function parseClosingLine(out) {
  const all = [...out.matchAll(/^\s*(?:\w+:\s*)?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/gm)];
  const m = all[all.length - 1];
  return m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] || 0) } : { passed: 0, failed: 1, skipped: 0 };
}

function listTests(dir, suffix) {
  if (!fs.existsSync(dir)) return [];
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listTests(p, suffix));
    else if (entry.name.endsWith(suffix)) found.push(p);
  }
  return found.sort();
}

/** A linter counts as one test: passed when it exits 0, failed (with its findings printed) otherwise. */
function runLinter(name, cmd, args) {
  runSuite(name, cmd, args, (_out, status) => ({ passed: status === 0 ? 1 : 0, failed: status === 0 ? 0 : 1, skipped: 0 }));
}

if (!only || only === 'lint') {
  const eslint = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  if (fs.existsSync(eslint)) runLinter('lint: ESLint (TypeScript, JavaScript, boundaries)', process.execPath, [eslint, '.']);
  else skip('lint: ESLint', 'node_modules/eslint is missing (run `npm ci`)');
  const py = pythons()[0];
  if (py) {
    runLinter('lint: Python (scripts/lint_python.py)', py.bin, ['scripts/lint_python.py']);
    runLinter('lint: C text (scripts/lint_c.py)', py.bin, ['scripts/lint_c.py']);
    if (spawnSync('sh', ['-c', 'command -v cppcheck'], { stdio: 'ignore' }).status === 0) {
      runLinter('lint: C cppcheck (scripts/lint_c.py --cppcheck)', py.bin, ['scripts/lint_c.py', '--cppcheck']);
    } else {
      skip('lint: C cppcheck', 'cppcheck is not installed (Debian: cppcheck; scripts/setup.sh installs it)');
    }
  }
}

if (!only || only === 'py') {
  for (const py of pythons()) {
    for (const core of py.cores) {
      runSuite(`python recorder+reader (${py.label}, ${core} core)`, py.bin,
        ['-m', 'unittest', 'discover', '-s', 'test/python', '-t', 'test/python'], parseUnittest,
        { PYTHONPATH: path.join(root, 'native'), WCF_TEST_PYTHON: py.bin, WATERCODEFLOW_RECORDER: core });
    }
  }
  // numpy comes from Debian's python3-numpy, for Debian's interpreter: the array and buffer tests run there.
  if (fs.existsSync('/usr/bin/python3')) {
    const numpy = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
    if (numpy) {
      runSuite('python arrays and buffers (Debian python3 + numpy, c core)', '/usr/bin/python3',
        ['-m', 'unittest', 'discover', '-s', 'test/python/buffers', '-t', 'test/python'], parseUnittest,
        { PYTHONPATH: path.join(root, 'native'), WCF_TEST_PYTHON: '/usr/bin/python3', WATERCODEFLOW_RECORDER: 'c' });
      runSuite('python numpy values (Debian python3 + numpy, c core)', '/usr/bin/python3',
        ['-m', 'unittest', 'discover', '-s', 'test/python', '-t', 'test/python', '-p', 'test_numpy*.py'], parseUnittest,
        { PYTHONPATH: path.join(root, 'native'), WCF_TEST_PYTHON: '/usr/bin/python3', WATERCODEFLOW_RECORDER: 'c' });
    } else {
      skip('python arrays and buffers', 'numpy is not installed for /usr/bin/python3 (Debian: python3-numpy)');
    }
  }
  const py = pythons()[0];
  if (py) runSuite('DAP suite reference tools (python)', py.bin, ['-m', 'unittest', 'discover', '-s', 'test/dap/tools', '-p', 'test_*.py'], parseUnittest);
}

if (!only || only === 'native') {
  if (fs.existsSync(path.join(root, 'native', 'libwcf', 'Makefile'))) {
    runSuite('native write tracker (C)', 'make', ['-s', '-C', 'native/libwcf', 'test'], parseClosingLine);
    const py = pythons()[0];
    if (py && fs.existsSync(path.join(root, 'test', 'native'))) {
      runSuite('native write tracker (Python binding)', py.bin, ['-m', 'unittest', 'discover', '-s', 'test/native', '-p', 'test_*.py'],
        parseUnittest, { PYTHONPATH: path.join(root, 'native') });
    }
  } else {
    skip('native write tracker', 'native/libwcf/Makefile not present');
  }
}

if (!only || only === 'node') {
  const files = [path.join(root, 'out', 'test'), path.join(root, 'out', 'extension', 'test')]
    .flatMap((dir) => listTests(dir, '.test.js'))
    .filter((f) => !f.includes(`${path.sep}e2e${path.sep}`));
  if (files.length === 0) skip('TypeScript tests', 'no compiled tests in out/test (run `npx tsc -p .` first)');
  else runSuite('TypeScript unit + DAP', process.execPath, ['--test', '--test-concurrency=1', ...files], parseNodeTest);
}

if (!only || only === 'e2e') {
  const runner = path.join(root, 'test', 'e2e', 'run.js');
  if (fs.existsSync(runner)) runSuite('real VS Code end-to-end (code-server + Chromium)', process.execPath, [runner], parseClosingLine);
  else skip('real VS Code end-to-end', 'test/e2e/run.js not present');
}

console.log('\n=== summary');
for (const line of suiteResults) console.log('  ' + line);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
