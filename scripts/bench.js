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
run('Recorder: plain vs recorded (issue 2)', python, [path.join('scripts', 'bench.py'), '--python', python, ...extra]);
if (fs.existsSync(path.join(root, 'out', 'test', 'bench', 'replay.bench.js'))) {
  run('Adapter: replay latency (issue 3)', process.execPath, [path.join('out', 'test', 'bench', 'replay.bench.js')]);
} else {
  console.log('\n== Adapter: replay latency (issue 3)\nSKIP: run `npx tsc -p .` first (out/test/bench/replay.bench.js missing)');
}
if (fs.existsSync(path.join(root, 'native', 'libwcf', 'Makefile'))) {
  run('Native write tracker: collect cost per mechanism (issue 5)', 'make', ['-s', '-C', 'native/libwcf', 'bench']);
}
