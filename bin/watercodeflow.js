#!/usr/bin/env node
// The npm `watercodeflow` command: finds a Python >= 3.8 and runs `python -m watercodeflow <args>` with this
// package's native/ folder first on PYTHONPATH. No dependencies, no logic of its own beyond that.
'use strict';

const childProcess = require('child_process');
const os = require('os');
const path = require('path');

const MIN_PYTHON = [3, 8];
const PACKAGE_ROOT = path.resolve(__dirname, '..');
const NATIVE_DIR = path.join(PACKAGE_ROOT, 'native');
const EXIT_VALIDATION = 2;
const VERSION_PROBE = 'import sys; sys.stdout.write("%d.%d" % sys.version_info[:2])';

function candidatePythons(env) {
  if (env.WATERCODEFLOW_PYTHON) {
    return [{ command: env.WATERCODEFLOW_PYTHON, from: 'WATERCODEFLOW_PYTHON' }];
  }
  return [
    { command: 'python3', from: 'PATH' },
    { command: 'python', from: 'PATH' },
  ];
}

/** Returns { command, version } of the first usable Python, or { problems } saying why each one failed. */
function findPython(env) {
  const problems = [];
  for (const candidate of candidatePythons(env)) {
    const probe = childProcess.spawnSync(candidate.command, ['-c', VERSION_PROBE], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (probe.error) {
      problems.push(`${candidate.command} (${candidate.from}): ${probe.error.code === 'ENOENT' ? 'not found' : probe.error.message}`);
      continue;
    }
    const match = /^(\d+)\.(\d+)$/.exec((probe.stdout || '').trim());
    if (probe.status !== 0 || !match) {
      problems.push(`${candidate.command} (${candidate.from}): did not run (exit ${probe.status})`);
      continue;
    }
    const version = [Number(match[1]), Number(match[2])];
    if (version[0] < MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] < MIN_PYTHON[1])) {
      problems.push(`${candidate.command} (${candidate.from}): Python ${version.join('.')} is too old`);
      continue;
    }
    return { command: candidate.command, version };
  }
  return { problems };
}

function main() {
  const env = { ...process.env };
  const found = findPython(env);
  if (!found.command) {
    process.stderr.write(
      `watercodeflow: needs Python ${MIN_PYTHON.join('.')} or newer and found none:\n` +
        found.problems.map((problem) => `  - ${problem}\n`).join('') +
        'Install Python 3.8+ or set WATERCODEFLOW_PYTHON to the interpreter to use, e.g.\n' +
        '  WATERCODEFLOW_PYTHON=/usr/bin/python3 watercodeflow record app.py\n',
    );
    process.exit(EXIT_VALIDATION);
  }
  env.PYTHONPATH = env.PYTHONPATH ? NATIVE_DIR + path.delimiter + env.PYTHONPATH : NATIVE_DIR;
  const child = childProcess.spawn(found.command, ['-m', 'watercodeflow', ...process.argv.slice(2)], {
    env,
    stdio: 'inherit',
  });
  // Ctrl-C reaches the whole foreground process group, so the child already has it: only keep Node alive
  // until the child decides. Signals sent to this process alone are passed on.
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handlers = {};
  for (const signal of forwarded) {
    handlers[signal] = () => {
      if (signal !== 'SIGINT') child.kill(signal);
    };
    process.on(signal, handlers[signal]);
  }
  child.on('error', (error) => {
    process.stderr.write(`watercodeflow: could not start ${found.command}: ${error.message}\n`);
    process.exit(EXIT_VALIDATION);
  });
  child.on('exit', (code, signal) => {
    for (const name of forwarded) process.removeListener(name, handlers[name]);
    if (signal) {
      // Die of the same signal so our parent sees what the program saw.
      process.kill(process.pid, signal);
      // Only reached if the signal is ignored or handled here: fall back to the shell's 128+N convention.
      setTimeout(() => process.exit(128 + (os.constants.signals[signal] || 0)), 500).unref();
      return;
    }
    process.exit(code === null ? 1 : code);
  });
}

main();
