#!/usr/bin/env node
// `npm run bench`: runs every benchmark the project has and prints their tables. Measures only, asserts
// nothing. Each part is skipped with a reason when what it needs is missing.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const python = process.env.WCF_BENCH_PYTHON || findPython();

function findPython() {
  const pyenv = '/root/.pyenv/versions/3.11.7/bin/python3';
  return fs.existsSync(pyenv) ? pyenv : 'python3';
}

function run(title, cmd, args, opts = {}) {
  console.log(`\n== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) console.log(`SKIP: ${r.error.message}`);
  return r.status === 0;
}

const extra = process.argv.slice(2);
// The recorder on CPython 3.11 (settrace) and 3.13 (sys.monitoring) with the C core at full size, numpy_train
// on Debian's interpreter (its numpy), and the pure-Python twin at reduced size for comparison.
const benchPy = path.join('scripts', 'bench.py');
const p313 = '/root/.pyenv/versions/3.13.0/bin/python3';
run('Recorder: plain vs recorded, C core (issue 2)', python, [benchPy, '--python', python, ...extra]);
if (fs.existsSync(p313)) run('Recorder: plain vs recorded, C core, CPython 3.13 (issue 2)', python, [benchPy, '--python', p313, '--only', 'compute,tight_loop,recursion,many_locals,threads,io_bound,object_graph', ...extra]);
else console.log(`\n== CPython 3.13\nSKIP: ${p313} not found`);
if (fs.existsSync('/usr/bin/python3')) run('Recorder: numpy_train with buffer tracking, C core (issues 2, 5)', python, [benchPy, '--python', '/usr/bin/python3', '--only', 'numpy_train', ...extra]);
run('Recorder: plain vs recorded, pure-Python core, reduced sizes (issue 2)', python, [benchPy, '--python', python, '--core', 'python', '--small', '--runs', '1', '--only', 'compute,tight_loop,many_locals', ...extra]);
const replayBench = path.join(root, 'out', 'test', 'adapter', 'replay-bench.js');
if (fs.existsSync(replayBench)) {
  // A recording of >= 1M steps (tight_loop with 300k iterations), made once with the real recorder.
  const os = require('os');
  const rec = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wcf-replay-bench-')), 'tight_loop.wcf');
  const program = path.join(root, '..', 'shared', 'bench', 'tight_loop.py');
  console.log(`\n== Adapter: replay latency on a recording of tight_loop.py 300000 (issue 3)`);
  const made = spawnSync(python, ['-m', 'watercodeflow', 'record', '--out', rec, '--', program, '300000'], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PYTHONPATH: path.join(root, 'native') },
  });
  if (made.status === 0) run('replay engine timings', process.execPath, [replayBench, '--bench', rec]);
  else console.log(`SKIP: recording tight_loop failed (exit ${made.status})`);
  fs.rmSync(path.dirname(rec), { recursive: true, force: true });
} else {
  console.log('\n== Adapter: replay latency (issue 3)\nSKIP: run `npx tsc -p .` first (out/test/adapter/replay-bench.js missing)');
}
if (fs.existsSync(path.join(root, 'native', 'libwcf', 'Makefile'))) {
  run('Native write tracker: collect cost per mechanism (issue 5)', 'make', ['-s', '-C', 'native/libwcf', 'bench']);
}
