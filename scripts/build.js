#!/usr/bin/env node
// `npm run build`: esbuild bundles dist/extension.js (extension host) and dist/adapter.js (the debug adapter
// process), plus dist/adapter-session.js for the inline developer mode. Fails on any esbuild warning.
// It must not package or install anything (scripts/package.js does).
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** One entry per bundle; `optional` bundles are skipped with a notice when their entry does not exist yet. */
function bundles() {
  const common = { bundle: true, platform: 'node', sourcemap: !production, minify: production, logLevel: 'silent', absWorkingDir: root };
  return [
    { name: 'extension', entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], format: 'cjs', ...common },
    { name: 'adapter', entryPoints: ['adapter/main.ts'], outfile: 'dist/adapter.js', external: ['sqlite3'], target: 'node18', format: 'cjs', ...common },
    { name: 'adapter-session (inline mode)', entryPoints: [inlineSessionEntry()], outfile: 'dist/adapter-session.js', external: ['sqlite3', 'vscode'], target: 'node18', format: 'cjs', optional: true, ...common },
  ];
}

/** The adapter's DAP session module (adapter/session/index.ts, or the one file there exporting the session). */
function inlineSessionEntry() {
  for (const candidate of ['adapter/session/index.ts', 'adapter/session/session.ts', 'adapter/session/wcf-session.ts', 'adapter/session/debug-session.ts']) {
    if (fs.existsSync(path.join(root, candidate))) return candidate;
  }
  return 'adapter/session/index.ts';
}

function report(name, result) {
  for (const m of result.errors) console.error(`  error: ${formatMessage(m)}`);
  for (const m of result.warnings) console.error(`  warning: ${formatMessage(m)}`);
  return result.errors.length === 0 && result.warnings.length === 0;
}

function formatMessage(m) {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : '';
  return `${where}${m.text}`;
}

async function main() {
  let ok = true;
  for (const { name, optional, ...options } of bundles()) {
    const entry = path.join(root, options.entryPoints[0]);
    if (!fs.existsSync(entry)) {
      if (optional) {
        console.log(`build: skip ${name}: ${options.entryPoints[0]} does not exist yet`);
        continue;
      }
      console.error(`build: ${name}: entry ${options.entryPoints[0]} is missing; the bundle cannot be built.`);
      ok = false;
      continue;
    }
    if (watch) {
      const ctx = await esbuild.context({ ...options, logLevel: 'info' });
      await ctx.watch();
      console.log(`build: watching ${name}`);
      continue;
    }
    try {
      const result = await esbuild.build(options);
      const good = report(name, result);
      const size = fs.statSync(path.join(root, options.outfile)).size;
      console.log(`build: ${options.outfile} (${(size / 1024).toFixed(0)} KiB)${good ? '' : ' WITH WARNINGS'}`);
      ok = ok && good;
    } catch (err) {
      console.error(`build: ${name} failed`);
      if (err && err.errors) report(name, err);
      else console.error(err);
      ok = false;
    }
  }
  if (!watch && !ok) {
    console.error('build: FAILED (errors or warnings above)');
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
