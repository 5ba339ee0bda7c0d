// Starts and stops a private code-server (real VS Code 1.139 in the browser) for the end-to-end suite and
// `npm start`: own user-data and extensions folders, the VSIX installed, workspace trust off. No browser here.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');

const root = path.resolve(__dirname, '..', '..', '..');
const e2eDir = process.env.WCF_E2E_DIR || path.join(root, '.e2e');
const launcher = path.join(e2eDir, 'bin', 'code-server');

/** The user settings every run starts with: nothing asks questions, nothing phones home. */
const USER_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'window.restoreWindows': 'none',
  'git.enabled': false,
  'debug.inlineValues': 'on',
  'debug.toolBarLocation': 'floating',
  'debug.openDebug': 'openOnDebugBreak',
  'editor.minimap.enabled': false,
  'chat.disableAIFeatures': true,
};

/** The launcher written by scripts/setup-e2e.sh, or an error saying how to get it. */
function codeServerLauncher() {
  if (!fs.existsSync(launcher)) {
    throw new Error(`code-server is not installed at ${launcher}; run "bash scripts/setup-e2e.sh" first (needs the npm registry and apt).`);
  }
  return launcher;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * User-data and extensions folders under `stateDir`, with USER_SETTINGS (plus `extraSettings`); with
 * `keepUserSettings`, an existing settings.json (the user's own changes in `npm start`) is left as it is.
 */
function prepareProfile(stateDir, extraSettings = {}, { keepUserSettings = false } = {}) {
  const userDataDir = path.join(stateDir, 'user-data');
  const extensionsDir = path.join(stateDir, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  if (!keepUserSettings || !fs.existsSync(settingsFile)) {
    fs.writeFileSync(settingsFile, JSON.stringify({ ...USER_SETTINGS, ...extraSettings }, null, 2));
  }
  return { userDataDir, extensionsDir };
}

/** `code-server --install-extension vsix` into the profile; throws with code-server's output on failure. */
function installExtension(profile, vsixPath) {
  const r = spawnSync(codeServerLauncher(), ['--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir, '--install-extension', vsixPath, '--force'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  const out = `${r.stdout || ''}${r.stderr || ''}`;
  if (r.status !== 0 || !/successfully installed|already installed/i.test(out)) {
    throw new Error(`code-server --install-extension ${vsixPath} failed (exit ${r.status}):\n${out}`);
  }
  return out.trim();
}

function waitForHttp(url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child && child.exitCode !== null) return reject(new Error(`code-server exited with code ${child.exitCode} before it served ${url}`));
      const req = http.get(url, (res) => {
        res.resume();
        if (res.statusCode && res.statusCode < 500) resolve();
        else retry();
      });
      req.on('error', retry);
      req.setTimeout(2000, () => req.destroy());
    };
    const retry = () => {
      if (Date.now() > deadline) reject(new Error(`code-server did not answer at ${url} within ${timeoutMs / 1000} s`));
      else setTimeout(attempt, 300);
    };
    attempt();
  });
}

/**
 * Starts code-server on a free port with `folder` open. Returns {url, port, child, stop(), logFile}.
 * Its output goes to `logFile` (the extension host's console.* lands there too).
 */
async function startCodeServer({ profile, folder, logFile, port, host = '127.0.0.1', env = {} }) {
  const chosenPort = port || (await freePort());
  const log = fs.openSync(logFile, 'a');
  const args = ['--auth', 'none', '--bind-addr', `${host}:${chosenPort}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir, folder];
  const child = spawn(codeServerLauncher(), args, { stdio: ['ignore', log, log], env: { ...process.env, ...env }, detached: true });
  fs.closeSync(log);
  const url = `http://${host}:${chosenPort}/`;
  const stop = () => stopProcessGroup(child);
  try {
    await waitForHttp(`${url}healthz`, 60_000, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port: chosenPort, child, stop, logFile };
}

/** Ends code-server and everything it started (extension host, adapter, debuggee): its own process group. */
function stopProcessGroup(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try { process.kill(-child.pid, 'SIGTERM'); } catch { clearTimeout(timer); resolve(); }
  });
}

module.exports = { codeServerLauncher, prepareProfile, installExtension, startCodeServer, stopProcessGroup, freePort, USER_SETTINGS, root };
