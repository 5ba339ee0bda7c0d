#!/usr/bin/env node
// Real-VS-Code end-to-end suite: packs the VSIX, installs it into a private code-server, opens a copy of
// examples/, and drives headless Chromium through F5, Step Back, Reverse and Step Over, checking the editor,
// Call Stack, Variables and inline values; screenshots go to artifacts/e2e/. Closing line: "N passed, N failed".
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const cs = require('./lib/code-server');
const wb = require('./lib/workbench');
const { Harness, expect } = require('./lib/harness');
const { markerLines } = require('./lib/markers');

const root = cs.root;
const artifacts = path.join(root, 'artifacts', 'e2e');
const CHROMIUM = process.env.WCF_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const args = new Set(process.argv.slice(2));

function ensureCodeServer() {
  try {
    return cs.codeServerLauncher();
  } catch {
    console.log('e2e: code-server missing; running scripts/setup-e2e.sh');
    const r = spawnSync('bash', [path.join(root, 'scripts', 'setup-e2e.sh')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('scripts/setup-e2e.sh failed; see its output above');
    return cs.codeServerLauncher();
  }
}

function ensureVsix() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const vsix = path.join(root, 'dist', `${pkg.name}-${pkg.version}-linux-x64.vsix`);
  if (args.has('--no-package') && fs.existsSync(vsix)) return vsix;
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'package.js')], { encoding: 'utf8' });
  if (r.status !== 0 || !fs.existsSync(vsix)) throw new Error(`scripts/package.js failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return vsix;
}

/** A fresh copy of examples/ (so breakpoints, recordings and .vscode state never touch the repo). */
function copyExamples(stateDir) {
  const workspace = path.join(stateDir, 'examples');
  fs.cpSync(path.join(root, 'examples'), workspace, { recursive: true, filter: (src) => !/__pycache__|\.wcf$/.test(src) });
  // Two test-only configurations (JSONC: inserted after the last one): a broken interpreter, for the error
  // message, and a run long enough (tens of seconds) that Cancel always lands while it is still recording.
  const launchJson = path.join(workspace, '.vscode', 'launch.json');
  const text = fs.readFileSync(launchJson, 'utf8');
  const extra = [
    '{ "type": "watercodeflow", "request": "launch", "name": "e2e: missing interpreter", "program": "${workspaceFolder}/basics.py", "python": "/nonexistent/python3" }',
    '{ "type": "watercodeflow", "request": "launch", "name": "e2e: long recording", "program": "${workspaceFolder}/primes.py", "args": ["300000"] }',
  ];
  const at = text.lastIndexOf(']');
  fs.writeFileSync(launchJson, `${text.slice(0, at).trimEnd()},\n    ${extra.join(',\n    ')}\n  ${text.slice(at)}`);
  return workspace;
}

let shotIndex = 0;
async function screenshot(page, name) {
  shotIndex += 1;
  const file = path.join(artifacts, `${String(shotIndex).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file }).catch((err) => console.log(`e2e: screenshot ${name} failed: ${err.message}`));
  return file;
}

function variableValue(vars, name) {
  const row = vars.find((v) => v.name === name);
  return row ? row.value : undefined;
}

/** Copies code-server's and the extension host's logs next to the screenshots. */
function keepLogs(profile) {
  const logsDir = path.join(profile.userDataDir, 'logs');
  if (!fs.existsSync(logsDir)) return;
  for (const file of walk(logsDir)) {
    if (/exthost|remoteagent|sharedprocess|WaterCodeFlow|watercodeflow/i.test(file)) {
      fs.copyFileSync(file, path.join(artifacts, `log-${path.relative(logsDir, file).replace(/[\\/]/g, '_')}`));
    }
  }
}

function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

async function stopSession(page) {
  await page.keyboard.press('Shift+F5');
  await page.waitForSelector('.debug-toolbar', { state: 'hidden', timeout: 15_000 }).catch(() => undefined);
}

async function main() {
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const h = new Harness();
  h.onFailure = async (name) => {
    if (page) await screenshot(page, `FAILED-${name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 50)}`);
  };
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wcf-e2e-'));
  let server;
  let browser;
  let page;
  let profile;
  let workspace;
  let vsix;
  const program = 'basics.py';
  const marks = markerLines(path.join(root, 'examples', program));

  try {
    await h.check('setup: code-server installed, Chromium present, VSIX packed', async () => {
      ensureCodeServer();
      expect(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}; run "bash scripts/setup-e2e.sh"`);
      vsix = ensureVsix();
    }, { requires: true });

    await h.check('code-server installs the VSIX and serves the workbench', async () => {
      // WCF_E2E_INLINE_ADAPTER=1 runs the same suite with the adapter inside the extension host (developer mode).
      profile = cs.prepareProfile(stateDir, process.env.WCF_E2E_INLINE_ADAPTER === '1' ? { 'watercodeflow.adapter.inline': true } : {});
      workspace = copyExamples(stateDir);
      console.log(`e2e: ${cs.installExtension(profile, vsix).split('\n').pop()}`);
      server = await cs.startCodeServer({ profile, folder: workspace, logFile: path.join(artifacts, 'code-server.log') });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
      page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await wb.installHelpers(page);
      await page.goto(server.url, { waitUntil: 'domcontentloaded' });
      await wb.waitForWorkbench(page);
      await screenshot(page, 'workbench');
    }, { requires: true });

    await h.check(`open ${program} and set a breakpoint on line ${marks.breakpoint}`, async () => {
      await wb.openFile(page, program);
      await wb.toggleBreakpoint(page, marks.breakpoint);
      const bps = await wb.linesWithGlyph(page, 'codicon-debug-breakpoint');
      expect(bps.includes(marks.breakpoint), `a breakpoint glyph on line ${marks.breakpoint}`, bps);
      await screenshot(page, 'breakpoint-set');
    }, { requires: true });

    await h.check('F5 records the program and stops at the breakpoint', async () => {
      await wb.pressF5(page);
      try {
        await wb.waitForStop(page, 120_000);
      } finally {
        await screenshot(page, 'after-f5');
      }
      const line = await wb.topFrameLine(page);
      expect(line === marks.breakpoint, `the top frame is on line ${marks.breakpoint}`, { line, notifications: await wb.notifications(page) });
    }, { requires: true });

    await h.check('the debug toolbar offers Step Back and Reverse', async () => {
      const labels = await wb.toolbarLabels(page);
      expect(labels.some((l) => l.startsWith('Step Back')), 'a "Step Back" button', labels);
      expect(labels.some((l) => l === 'Reverse' || l.startsWith('Reverse (')), 'a "Reverse" (reverse continue) button', labels);
      for (const ours of ['Reverse Step Into', 'Reverse Step Out', 'Go to Step…']) {
        expect(labels.some((l) => l.startsWith(ours)), `the extension's "${ours}" button`, labels);
      }
    });

    await h.check('at the breakpoint: Call Stack shows main, Variables show x = 7 and result = 42', async () => {
      const frames = await wb.stackFrameNames(page);
      expect(frames[0] === 'main', 'the top frame is main', frames);
      expect(frames.includes('<module>'), 'the module frame is below main', frames);
      const vars = await wb.variables(page);
      expect(variableValue(vars, 'x') === '7', 'x = 7', vars);
      expect(variableValue(vars, 'result') === '42', 'result = 42', vars);
      await screenshot(page, 'stopped-at-breakpoint');
    });

    await h.check('inline values show the value history on the lines that changed it', async () => {
      const inline = await wb.inlineValues(page);
      const onX = inline[marks['x-last']] || '';
      expect(/x = 7/.test(onX), `line ${marks['x-last']} shows "x = 7"`, inline);
      expect(/result = 42/.test(inline[marks['call-accumulate']] || ''), `line ${marks['call-accumulate']} shows "result = 42"`, inline);
    });

    await h.check('Step Back goes to the previous line and undoes its assignment', async () => {
      await wb.stepWith(page, 'Step Back');
      await screenshot(page, 'after-step-back');
      const line = await wb.topFrameLine(page);
      expect(line === marks.breakpoint - 1, `the top frame is on line ${marks.breakpoint - 1}`, line);
      const frames = await wb.stackFrameNames(page);
      expect(frames[0] === 'main', 'still in main', frames);
      const vars = await wb.variables(page);
      expect(variableValue(vars, 'longest') === undefined, 'longest is not yet bound', vars);
      expect(variableValue(vars, 'result') === '42', 'result is still 42', vars);
    });

    await h.check('Step Over forward returns to the breakpoint line with longest = 27', async () => {
      await wb.stepWith(page, 'Step Over');
      await screenshot(page, 'after-step-over');
      const line = await wb.topFrameLine(page);
      expect(line === marks.breakpoint, `the top frame is on line ${marks.breakpoint}`, line);
      const vars = await wb.variables(page);
      expect(variableValue(vars, 'longest') === '27', 'longest = 27', vars);
    });

    await h.check(`Reverse runs back to a breakpoint inside accumulate (line ${marks['total-update']})`, async () => {
      await wb.toggleBreakpoint(page, marks['total-update']);
      await wb.stepWith(page, 'Reverse');
      await screenshot(page, 'after-reverse');
      const line = await wb.topFrameLine(page);
      expect(line === marks['total-update'], `the top frame is on line ${marks['total-update']}`, line);
      const frames = await wb.stackFrameNames(page);
      expect(frames[0] === 'accumulate' && frames[1] === 'main', 'accumulate called from main', frames);
      const vars = await wb.variables(page);
      expect(variableValue(vars, 'v') === '21', 'the last loop iteration (v = 21)', vars);
      expect(variableValue(vars, 'total') === '21', 'total = 21 before the last addition', vars);
    });

    await h.check('inline history in the loop: total = 21 ← 7 (newest first)', async () => {
      const inline = await wb.inlineValues(page);
      const text = inline[marks['total-update']] || '';
      expect(/total = 21 ← 7/.test(text), `line ${marks['total-update']} shows "total = 21 ← 7"`, inline);
      await screenshot(page, 'inline-history');
    });

    await h.check('Alt+hover on total shows its whole history; clicking a step link jumps there', async () => {
      await wb.altHoverWord(page, marks['total-update'], 'total', async (hover) => {
        const text = (await hover.textContent()).replace(/\s+/g, ' ');
        await screenshot(page, 'history-hover');
        expect(/step [\d,]+ ?`?42/.test(text) && /later/.test(text) && /now/.test(text), 'rows for 42 (later) and the value now', text);
        // The link of the change to 7: it became visible at the loop's second `for` line.
        const link = hover.locator('tr').filter({ hasText: /^\s*step [\d,]+\s*7\b/ }).locator('a').first();
        await wb.waitForStopChange(page, () => link.click());
      });
      await screenshot(page, 'after-hover-link');
      const vars = await wb.variables(page);
      expect(variableValue(vars, 'total') === '7', 'total = 7 after the jump', vars);
      // Visible from the step after the first `total + v`: the second `for` line, before it binds v = 14.
      const line = await wb.topFrameLine(page);
      expect(line === marks['total-update'] - 1 && variableValue(vars, 'v') === '7', `on line ${marks['total-update'] - 1} with v still 7`, { line, vars });
    });

    await h.check('Continue runs forward to the loop-body breakpoint (second iteration)', async () => {
      await wb.stepWith(page, 'Continue');
      const line = await wb.topFrameLine(page);
      expect(line === marks['total-update'], `the top frame is on line ${marks['total-update']}`, line);
      const vars = await wb.variables(page);
      expect(variableValue(vars, 'v') === '14' && variableValue(vars, 'total') === '7', 'v = 14, total = 7', vars);
    });

    await h.check('Step Back at the loop body goes to the for line', async () => {
      await wb.stepWith(page, 'Step Back');
      await screenshot(page, 'after-second-step-back');
      const line = await wb.topFrameLine(page);
      expect(line === marks['total-update'] - 1, `the top frame is on line ${marks['total-update'] - 1}`, line);
      const frames = await wb.stackFrameNames(page);
      expect(frames[0] === 'accumulate', 'still in accumulate', frames);
    });

    await h.check('Reverse Step Out (extension toolbar button) returns to the call in main', async () => {
      // The loop-body breakpoint would (rightly) stop the reverse step-out at an earlier iteration: remove it.
      await wb.toggleBreakpoint(page, marks['total-update']);
      await wb.stepWith(page, 'Reverse Step Out');
      await screenshot(page, 'after-reverse-step-out');
      const line = await wb.topFrameLine(page);
      expect(line === marks['call-accumulate'], `the top frame is on line ${marks['call-accumulate']}`, line);
      const frames = await wb.stackFrameNames(page);
      expect(frames[0] === 'main', 'back in main', frames);
    });

    await h.check('Step Over, then Reverse Step Into (extension button) enters accumulate at its return line', async () => {
      await wb.stepWith(page, 'Step Over');
      const after = await wb.topFrameLine(page);
      expect(after === marks['after-accumulate'], `Step Over reaches line ${marks['after-accumulate']}`, after);
      await wb.stepWith(page, 'Reverse Step Into');
      await screenshot(page, 'after-reverse-step-into');
      // The adapter first stops where the call returned (main, line of the call, showing the return value), then
      // a second Reverse Step Into enters the callee at its last line.
      let frames = await wb.stackFrameNames(page);
      if (frames[0] === 'main') {
        const line = await wb.topFrameLine(page);
        expect(line === marks['call-accumulate'], `the first stop is the return point on line ${marks['call-accumulate']}`, line);
        const retVars = await wb.variables(page);
        expect(retVars.some((v) => /accumulate/.test(v.name) && v.value === '42'), 'the Return Value of accumulate (42) is shown', retVars);
        await wb.stepWith(page, 'Reverse Step Into');
        await screenshot(page, 'after-second-reverse-step-into');
        frames = await wb.stackFrameNames(page);
      }
      const line = await wb.topFrameLine(page);
      expect(frames[0] === 'accumulate' && frames[1] === 'main', 'inside accumulate, called from main', frames);
      expect(line === marks['total-update'] + 1, `on the return line ${marks['total-update'] + 1}`, line);
      const vars = await wb.variables(page);
      expect(variableValue(vars, 'total') === '42', 'total = 42 at the return', vars);
      await wb.stepWith(page, 'Reverse Step Out');
      expect((await wb.topFrameLine(page)) === marks['call-accumulate'], `back on line ${marks['call-accumulate']}`, await wb.topFrameLine(page));
    });

    await h.check('Show Value History (Variables view menu) lists x = 7, 3, 1 and jumps to a change', async () => {
      await wb.variableContextMenu(page, 'x', 'Show Value History');
      const rows = await wb.quickPickRows(page);
      await screenshot(page, 'value-history-quick-pick');
      const values = rows.map((r) => (/step [\d,]+: (-?\d+)/.exec(r) || [])[1]);
      expect(JSON.stringify(values) === JSON.stringify(['7', '3', '1']), 'the changes of x newest first: 7, 3, 1', rows);
      await wb.waitForStopChange(page, () => wb.pickQuickPickRow(page, /step [\d,]+: 1(?!\d)/));
      const line = await wb.topFrameLine(page);
      expect(line === marks['x-first'] + 1, `x = 1 becomes visible on line ${marks['x-first'] + 1}`, line);
      const vars = await wb.variables(page);
      expect(variableValue(vars, 'x') === '1', 'x = 1 there', vars);
      await screenshot(page, 'after-value-history-jump');
    });

    await h.check('Go to Step… with step 0 goes to the start of the recording', async () => {
      await wb.waitForStopChange(page, async () => {
        await wb.runCommand(page, 'WaterCodeFlow: Go to Step…');
        await wb.answerInputBox(page, '0');
      });
      await screenshot(page, 'after-goto-step-0');
      const frames = await wb.stackFrameNames(page);
      expect(frames.length === 1 && frames[0] === '<module>', 'only the module frame', frames);
    });

    await h.check('Open Recording… replays the saved recording without running the program again', async () => {
      const consoleText = await wb.debugConsoleText(page);
      const recording = (/opened (\S+\.wcf)/.exec(consoleText) || [])[1];
      expect(recording && fs.existsSync(recording), 'the Debug Console names the recording file', consoleText);
      await stopSession(page);
      await wb.runCommand(page, 'WaterCodeFlow: Open Recording…');
      await wb.answerFileDialog(page, recording);
      await wb.waitForStop(page, 60_000);
      await screenshot(page, 'replay-opened');
      const line = await wb.topFrameLine(page);
      expect(line === marks.breakpoint, `the replay stops at the breakpoint on line ${marks.breakpoint}`, line);
      const text = await wb.debugConsoleText(page);
      expect(!/Program exited/.test(text), 'no new run of the program', text);
    });

    await h.check('a missing interpreter is refused with a message that says how to set "python"', async () => {
      await stopSession(page);
      await wb.dismissNotifications(page);
      await wb.runCommand(page, 'Debug: Select and Start Debugging');
      await wb.pickQuickPickRow(page, 'e2e: missing interpreter');
      await page.waitForSelector('.notification-toast', { timeout: 15_000 });
      await screenshot(page, 'missing-interpreter');
      const messages = await wb.notifications(page);
      expect(messages.some((m) => /was not found/.test(m) && /Set "python"/.test(m)), 'an error naming the interpreter and how to set "python"', messages);
    });

    await h.check('the dynamic configuration "WaterCodeFlow: Record current file" records the open file', async () => {
      await wb.dismissNotifications(page);
      await wb.openFile(page, program);
      await wb.runCommand(page, 'Debug: Select and Start Debugging');
      // The provider's own entry (not launch.json's configuration of the same name) lists the dynamic ones.
      await wb.pickQuickPickRow(page, /time-travel Python/);
      const rows = await wb.quickPickRows(page);
      expect(rows.some((r) => r.includes('WaterCodeFlow: Record current file')), 'the dynamic configuration is offered', rows);
      await wb.pickQuickPickRow(page, 'WaterCodeFlow: Record current file');
      await wb.waitForStop(page, 120_000);
      await screenshot(page, 'dynamic-configuration');
      const line = await wb.topFrameLine(page);
      expect(line === marks.breakpoint, `stopped at the breakpoint on line ${marks.breakpoint}`, line);
      await stopSession(page);
    });

    await h.check('numpy arrays: the Variables view shows the elements recorded at the step, and Step Back undoes a write', async () => {
      const numpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
      if (!numpy) h.skip('numpy is not installed for python3 on PATH (the interpreter the examples use)');
      const arrays = markerLines(path.join(root, 'examples', 'arrays.py'));
      await wb.dismissNotifications(page);
      await wb.openFile(page, 'arrays.py');
      await wb.toggleBreakpoint(page, arrays.total);
      await wb.runCommand(page, 'Debug: Select and Start Debugging');
      await wb.pickQuickPickRow(page, /arrays\.py \(numpy/);
      try {
        await checkArrayElements(page, arrays);
      } finally {
        await wb.toggleBreakpoint(page, arrays.total);
        await stopSession(page);
      }
    });

    async function checkArrayElements(page, arrays) {
      await wb.waitForStop(page, 120_000);
      expect((await wb.topFrameLine(page)) === arrays.total, `stopped on line ${arrays.total}`, await wb.topFrameLine(page));
      await wb.expandVariable(page, 'weights');
      await wb.expandVariable(page, '1');
      await screenshot(page, 'array-elements');
      let vars = await wb.variables(page);
      // arange(12).reshape(3, 4): row 1 was scaled by 10 through a view, then np.add(..., out=) added 1.
      const values = vars.map((v) => `${v.name}=${v.value}`).join(' ');
      expect(/41\.?0?\b/.test(values) && /71\.?0?\b/.test(values), 'row 1 holds 41 … 71 after np.add(out=)', vars);
      await wb.stepWith(page, 'Step Back');
      expect((await wb.topFrameLine(page)) === arrays['add-out'], `Step Back reaches line ${arrays['add-out']}`, await wb.topFrameLine(page));
      vars = await wb.variables(page);
      await screenshot(page, 'array-after-step-back');
      const before = vars.map((v) => `${v.name}=${v.value}`).join(' ');
      expect(/\b40\.?0?\b/.test(before) && !/41\.?0?\b/.test(before), 'before np.add the row holds 40 … 70', vars);
    }

    await h.check('a longer run shows a cancellable "Recording" progress; Cancel stops recording and opens the part so far', async () => {
      await wb.runCommand(page, 'Debug: Select and Start Debugging');
      await wb.pickQuickPickRow(page, 'e2e: long recording');
      const toast = page.locator('.notification-toast').filter({ hasText: 'Recording primes.py' }).first();
      await toast.waitFor({ state: 'visible', timeout: 30_000 });
      await screenshot(page, 'recording-progress');
      const text = (await toast.textContent()).replace(/\s+/g, ' ');
      expect(/[\d,]+ steps/.test(text), 'the progress counts steps', text);
      await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await wb.waitForStop(page, 60_000);
      await screenshot(page, 'recording-cancelled');
      const frames = await wb.stackFrameNames(page);
      expect(frames.includes('<module>'), 'stopped inside the recorded program', frames);
      const consoleText = await wb.debugConsoleText(page);
      // Cancel stops the recording, not the program (it runs on untraced): the recording says where it stopped.
      expect(/status "stopped"/.test(consoleText), 'the opened recording has status "stopped"', consoleText);
      await stopSession(page);
    });
  } finally {
    if (page) await screenshot(page, 'final');
    if (page) {
      const console = await wb.debugConsoleText(page).catch(() => '');
      fs.writeFileSync(path.join(artifacts, 'debug-console.txt'), console);
    }
    if (browser) await browser.close().catch(() => undefined);
    if (server) await server.stop();
    if (profile) keepLogs(profile);
    if (!process.env.WCF_E2E_KEEP) fs.rmSync(stateDir, { recursive: true, force: true });
  }
  console.log(`e2e: screenshots and logs in ${path.relative(root, artifacts)}/`);
  console.log(h.closingLine());
  return h.counts().failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
