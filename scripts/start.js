#!/usr/bin/env node
// `npm start`: builds and packs the VSIX, installs it into a private code-server (real VS Code in the browser)
// and opens examples/ there, printing the URL; runs until Ctrl-C. It must not touch the user's own VS Code.
// Options: --port N (default 8080, or a free port), --host H (default 127.0.0.1), --no-package.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};

function step(title, cmd, args) {
  console.log(`start: ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`start: "${title}" failed (exit ${r.status}); see the output above.`);
    process.exit(1);
  }
}

async function portOrFree(cs, wanted) {
  const net = require('net');
  const free = await new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false)).listen(wanted, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  return free ? wanted : cs.freePort();
}

async function main() {
  const cs = require(path.join(root, 'test', 'e2e', 'lib', 'code-server.js'));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const vsix = path.join(root, 'dist', `${pkg.name}-${pkg.version}-linux-x64.vsix`);

  if (!fs.existsSync(path.join(root, '.e2e', 'bin', 'code-server'))) step('installing code-server (first run only)', 'bash', [path.join(root, 'scripts', 'setup-e2e.sh')]);
  if (!argv.includes('--no-package') || !fs.existsSync(vsix)) step('building and packing the VSIX', process.execPath, [path.join(root, 'scripts', 'package.js')]);

  // One profile kept across runs (.e2e/start-profile), so settings, breakpoints and layout survive a restart.
  const profile = cs.prepareProfile(path.join(root, '.e2e', 'start-profile'), {}, { keepUserSettings: true });
  console.log(`start: ${cs.installExtension(profile, vsix).split('\n').pop()}`);

  const host = option('--host', '127.0.0.1');
  const port = await portOrFree(cs, Number(option('--port', process.env.PORT || '8080')));
  const logFile = path.join(root, '.e2e', 'start-code-server.log');
  const server = await cs.startCodeServer({ profile, folder: path.join(root, 'examples'), logFile, port, host });
  console.log('');
  console.log(`WaterCodeFlow is ready in VS Code (code-server): ${server.url}`);
  console.log('Open it in a browser, pick "WaterCodeFlow: basics.py" in Run and Debug, set a breakpoint and press F5.');
  console.log(`code-server log: ${path.relative(root, logFile)}. Press Ctrl-C to stop.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstart: stopping code-server');
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.child.on('exit', (code) => {
    if (!stopping) {
      console.error(`start: code-server exited (code ${code}); see ${logFile}`);
      process.exit(1);
    }
  });
}

main().catch((err) => {
  console.error(`start: ${err.message || err}`);
  process.exit(1);
});
