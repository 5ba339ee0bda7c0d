// Test helper: finds the CPython the adapter unit tests compare against (the reference chunk codec, repr of
// floats) and runs a script with it. Test-only; must not record programs (the DAP suite does).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const NATIVE_DIR = path.resolve(__dirname, '..', '..', '..', 'native');

/** The interpreter to compare against: WCF_TEST_PYTHON, else CPython 3.11 from pyenv, else python3; undefined if none runs. */
export function referencePython(): string | undefined {
  const candidates = [process.env.WCF_TEST_PYTHON, '/root/.pyenv/versions/3.11.7/bin/python3', 'python3'];
  for (const candidate of candidates) {
    if (!candidate || (candidate.includes('/') && !fs.existsSync(candidate))) continue;
    try {
      execFileSync(candidate, ['-c', 'import sys; assert sys.version_info >= (3, 8)'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Runs `script` with `python` (native/ on sys.path), feeding `input` on stdin; returns its stdout. */
export function runPython(python: string, script: string, input = ''): string {
  return execFileSync(python, ['-c', script], {
    input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONPATH: NATIVE_DIR },
  });
}
