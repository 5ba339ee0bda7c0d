// Where the DAP tests find things: the repository root, the adapter bundle, the fixture programs and the
// Python interpreters (numpy's too). Must not start processes beyond an interpreter probe, or know anything
// about the adapter's internals.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The repository root: the nearest ancestor of this file holding the project's package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate) && JSON.parse(fs.readFileSync(candidate, 'utf8')).name === 'watercodeflow') {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find the watercodeflow package.json above ${__dirname}`);
    }
    dir = parent;
  }
}

/** The fixture programs live next to the TypeScript sources, not in out/. */
export function programsDir(): string {
  return path.join(repoRoot(), 'test', 'dap', 'programs');
}

export function goldenDir(): string {
  return path.join(repoRoot(), 'test', 'dap', 'golden');
}

export function referenceTracerPath(): string {
  return path.join(repoRoot(), 'test', 'dap', 'tools', 'reference_trace.py');
}

export const ADAPTER_BUILD_HINT =
  'build it with `npx esbuild adapter/main.ts --bundle --platform=node --target=node18 --external:sqlite3 ' +
  '--outfile=dist/adapter.js` (or set WCF_TEST_ADAPTER to another bundle)';

/** The newest adapter source file and its modification time (ms), to detect a stale bundle. */
function newestAdapterSource(dir: string): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 };
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const candidate = entry.isDirectory()
      ? newestAdapterSource(full)
      : entry.name.endsWith('.ts') ? { file: full, mtimeMs: fs.statSync(full).mtimeMs } : newest;
    if (candidate.mtimeMs > newest.mtimeMs) {
      newest = candidate;
    }
  }
  return newest;
}

/**
 * The adapter bundle under test; throws an actionable error when it was not built, or when the default
 * bundle is older than adapter/ sources (testing stale code; WCF_TEST_ALLOW_STALE_ADAPTER=1 accepts it).
 */
export function adapterPath(): string {
  const explicit = process.env.WCF_TEST_ADAPTER;
  const bundle = explicit || path.join(repoRoot(), 'dist', 'adapter.js');
  if (!fs.existsSync(bundle)) {
    throw new Error(`the debug adapter bundle ${bundle} does not exist: ${ADAPTER_BUILD_HINT}`);
  }
  const sources = path.join(repoRoot(), 'adapter');
  if (!explicit && process.env.WCF_TEST_ALLOW_STALE_ADAPTER !== '1' && fs.existsSync(sources)) {
    const newest = newestAdapterSource(sources);
    if (newest.mtimeMs > fs.statSync(bundle).mtimeMs) {
      throw new Error(`the debug adapter bundle ${bundle} is older than ${newest.file}: rebuild it; ${ADAPTER_BUILD_HINT}`);
    }
  }
  return bundle;
}

const DEFAULT_PYTHON = '/root/.pyenv/versions/3.11.7/bin/python3';

/** The interpreter that records the fixtures: $WCF_TEST_PYTHON, else the project's default, else python3. */
export function testPython(): string {
  if (process.env.WCF_TEST_PYTHON) {
    return process.env.WCF_TEST_PYTHON;
  }
  return fs.existsSync(DEFAULT_PYTHON) ? DEFAULT_PYTHON : 'python3';
}

/** A fresh private directory for scratch files, removed when the test process exits. */
export function scratchDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wcf-dap-${label}-`));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Debian's interpreter: numpy and torch come from python3-numpy and python3-torch for it only (see scripts/test-all.js). */
export const NUMPY_PYTHON = '/usr/bin/python3';

const moduleProbes = new Map<string, string | undefined>();

/** Why tests that need `module` for NUMPY_PYTHON must skip (the interpreter missing, or without it), or undefined. */
function moduleSkipReason(module: string, debianPackage: string): string | undefined {
  if (moduleProbes.has(module)) return moduleProbes.get(module);
  let reason: string | undefined;
  if (!fs.existsSync(NUMPY_PYTHON)) reason = `${NUMPY_PYTHON} not found`;
  else {
    try {
      execFileSync(NUMPY_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
    } catch {
      reason = `${module} is not installed for ${NUMPY_PYTHON} (Debian: ${debianPackage})`;
    }
  }
  moduleProbes.set(module, reason);
  return reason;
}

/** Why tests that need numpy must skip (NUMPY_PYTHON missing, or without numpy), or undefined when they can run. */
export function numpySkipReason(): string | undefined {
  return moduleSkipReason('numpy', 'python3-numpy');
}

/** Why tests that need torch must skip (NUMPY_PYTHON missing, or without torch), or undefined when they can run. */
export function torchSkipReason(): string | undefined {
  return moduleSkipReason('torch', 'python3-torch');
}
