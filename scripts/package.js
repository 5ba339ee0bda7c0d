#!/usr/bin/env node
// `npm run package`: builds the bundles, then packs the linux-x64 VSIX with @vscode/vsce and checks that its
// file list (`vsce ls`) holds what a user needs and nothing else. It must not install the VSIX anywhere.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const TARGET = 'linux-x64';
const vsixPath = path.join(root, 'dist', `${pkg.name}-${pkg.version}-${TARGET}.vsix`);

/** Files the VSIX must contain (relative to the extension root). */
const REQUIRED = [
  'package.json',
  'dist/extension.js',
  'dist/adapter.js',
  'node_modules/sqlite3/lib/sqlite3.js',
  'node_modules/sqlite3/lib/sqlite3-binding.js',
  'node_modules/sqlite3/build/Release/node_sqlite3.node',
  'node_modules/bindings/bindings.js',
  'node_modules/file-uri-to-path/index.js',
  'native/watercodeflow/schema.sql',
  'native/wcfcore/build.py',
  'native/libwcf/libwcf.so',
  'media/icon.png',
];

/** Every file in the VSIX must match one of these; anything else is a packaging leak. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE(\.md|\.txt)?$/,
  /^media\//,
  /^bin\//,
  /^dist\/(extension|adapter|adapter-session|webview)\.(js|css)$/,
  /^native\/watercodeflow\/.*\.(py|sql)$/,
  /^native\/watercodeflow\/_builds\/[^/]+\/_wcfcore\.[^/]+\.so$/,
  /^native\/wcfcore\/[^/]+\.(c|h|py)$/,
  /^native\/libwcf\/libwcf\.so$/,
  /^node_modules\/sqlite3\/(package\.json|LICENSE|lib\/[^/]+\.js|build\/Release\/node_sqlite3\.node)$/,
  /^node_modules\/bindings\/(package\.json|bindings\.js|LICENSE\.md)$/,
  /^node_modules\/file-uri-to-path\/(package\.json|index\.js|LICENSE)$/,
];

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (r.error) throw r.error;
  return r;
}

function vsce(args) {
  const bin = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  return run(process.execPath, [bin, ...args]);
}

/** vsce's own flags for what the repo may not have yet (a LICENSE or a repository URL is the lead's call). */
function leniencyFlags() {
  const flags = [];
  if (!['LICENSE', 'LICENSE.md', 'LICENSE.txt'].some((f) => fs.existsSync(path.join(root, f)))) {
    console.warn('package: WARNING: no LICENSE file; packing with --skip-license');
    flags.push('--skip-license');
  }
  if (!pkg.repository) flags.push('--allow-missing-repository');
  return flags;
}

function checkFileList(files) {
  const problems = [];
  for (const required of REQUIRED) if (!files.includes(required)) problems.push(`missing: ${required}`);
  for (const file of files) if (!ALLOWED.some((re) => re.test(file))) problems.push(`not allowed in the VSIX: ${file}`);
  if (!files.some((f) => /^native\/watercodeflow\/.*\.py$/.test(f))) problems.push('missing: the Python recorder (native/watercodeflow/*.py)');
  if (!files.some((f) => /^native\/watercodeflow\/_builds\/.*\.so$/.test(f))) problems.push('missing: a build of the C recorder core (run `make -C native/wcfcore`)');
  return problems;
}

function main() {
  if (!process.argv.includes('--no-build')) {
    const build = run(process.execPath, [path.join(root, 'scripts', 'build.js'), '--production'], { stdio: 'inherit' });
    if (build.status !== 0) {
      console.error('package: the build failed; no VSIX was made.');
      process.exit(1);
    }
  }
  const flags = leniencyFlags();
  const listing = vsce(['ls']);
  if (listing.status !== 0) {
    console.error(`package: vsce ls failed:\n${listing.stdout}${listing.stderr}`);
    process.exit(1);
  }
  const files = listing.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
  const problems = checkFileList(files);
  console.log(`package: the VSIX will hold ${files.length} files`);
  for (const file of files) console.log(`  ${file}`);
  if (problems.length > 0) {
    for (const p of problems) console.error(`package: ${p}`);
    console.error('package: FAILED: fix .vscodeignore or build the missing parts.');
    process.exit(1);
  }
  fs.mkdirSync(path.dirname(vsixPath), { recursive: true });
  // Relative README links (media/screenshot.png) stay relative: VS Code shows them from the installed VSIX, and
  // vsce would otherwise refuse them for want of a repository URL to rewrite them against.
  const packed = vsce(['package', '--target', TARGET, '--out', vsixPath, '--no-rewrite-relative-links', ...flags]);
  process.stdout.write(packed.stdout);
  process.stderr.write(packed.stderr);
  if (packed.status !== 0 || !fs.existsSync(vsixPath)) {
    console.error('package: vsce package failed (output above).');
    process.exit(1);
  }
  console.log(`package: ${path.relative(root, vsixPath)} (${(fs.statSync(vsixPath).size / 1024).toFixed(0)} KiB)`);
  console.log(vsixPath);
}

main();
