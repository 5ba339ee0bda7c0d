// Drives and reads the VS Code workbench in a Chromium page (playwright-core): open files, breakpoints, F5,
// the debug toolbar, and what the editor, Call Stack, Variables view and inline values show. No assertions.
'use strict';

const STEP_TIMEOUT_MS = 30_000;

async function waitForWorkbench(page) {
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  await page.waitForSelector('.explorer-folders-view, .explorer-viewlet', { timeout: 90_000 }).catch(() => undefined);
  // Let the extension host and the file explorer settle before typing.
  await page.waitForTimeout(1500);
}

async function dismissNotifications(page) {
  for (const close of await page.$$('.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close')) {
    await close.click().catch(() => undefined);
  }
}

/** Runs a Command Palette command by its visible title (e.g. "View: Close All Editors"). */
async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.waitForTimeout(400);
  await page.keyboard.press('Enter');
}

/** Opens a workspace file with Quick Open and waits until its tab is active. */
async function openFile(page, relativePath) {
  const base = relativePath.split('/').pop();
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(relativePath);
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${base}"]`, { timeout: 10_000 });
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.tab.active[aria-label^="${base}"]`, { timeout: 10_000 });
  await page.waitForSelector('.monaco-editor .view-lines', { timeout: 10_000 });
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
}

/** Moves the cursor of the active editor to a 1-based line (Go to Line). */
async function gotoLine(page, line) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  // Go to Line is Quick Open with a ':' prefix; filling the box replaces the prefix, so type it again.
  await input.fill(`:${line}`);
  await page.waitForTimeout(150);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(200);
}

/** F9 on a line: toggles a breakpoint there; waits until the gutter shows the new state. */
async function toggleBreakpoint(page, line) {
  await gotoLine(page, line);
  const had = (await linesWithGlyph(page, 'codicon-debug-breakpoint')).includes(line);
  await page.keyboard.press('F9');
  await page.waitForFunction(([l, before]) => window.linesWithGlyph('codicon-debug-breakpoint').includes(l) !== before, [line, had], { timeout: 5000 })
    .catch(() => undefined);
}

/** The 1-based editor lines that show a glyph whose class list contains `glyphClass` (see installHelpers). */
async function linesWithGlyph(page, glyphClass) {
  return page.evaluate((cls) => window.linesWithGlyph(cls), glyphClass);
}

/** Helpers evaluated inside the page (call before page.goto): map decorations to lines by their position. */
async function installHelpers(page) {
  await page.addInitScript(() => {
    window.linesWithGlyph = (cls) => {
      const editor = document.querySelector('.editor-group-container.active .monaco-editor') || document.querySelector('.monaco-editor');
      if (!editor) return [];
      const numbers = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].map((el) => {
        const r = el.getBoundingClientRect();
        return { line: Number(el.textContent.trim()), mid: r.top + r.height / 2 };
      });
      const found = new Set();
      for (const glyph of editor.querySelectorAll(`.${cls}`)) {
        const r = glyph.getBoundingClientRect();
        if (r.height === 0) continue;
        const mid = r.top + r.height / 2;
        let best;
        for (const n of numbers) if (!best || Math.abs(n.mid - mid) < Math.abs(best.mid - mid)) best = n;
        if (best && Math.abs(best.mid - mid) < r.height) found.add(best.line);
      }
      return [...found].sort((a, b) => a - b);
    };
  });
}

/** Starts debugging with the configuration selected in Run and Debug (F5). */
async function pressF5(page) {
  await page.keyboard.press('F5');
}

/** Waits until the debugger is stopped: the toolbar's Step Over is enabled and a top stack frame shows. */
async function waitForStop(page, timeoutMs = 120_000) {
  await page.waitForFunction(() => {
    const stepOver = document.querySelector('.debug-toolbar .action-label[aria-label^="Step Over"]');
    if (!stepOver || stepOver.classList.contains('disabled') || stepOver.getAttribute('aria-disabled') === 'true') return false;
    return window.linesWithGlyph('codicon-debug-stackframe').length > 0;
  }, undefined, { timeout: timeoutMs, polling: 250 });
  await page.waitForTimeout(700); // Call Stack / Variables views refresh right after the stop
}

/** The line of the top stack frame in the editor (yellow arrow), from the gutter. */
async function topFrameLine(page) {
  const lines = await linesWithGlyph(page, 'codicon-debug-stackframe');
  return lines.length > 0 ? lines[0] : undefined;
}

/**
 * Clicks a debug toolbar button by its label ("Step Back", "Reverse", "Step Over", "Continue"), with or without
 * its keybinding suffix (" (F10)"), so "Reverse" does not pick "Reverse Step Into".
 */
async function clickToolbar(page, label) {
  const button = page.locator(`.debug-toolbar .action-label[aria-label="${label}"], .debug-toolbar .action-label[aria-label^="${label} ("]`).first();
  await button.waitFor({ state: 'visible', timeout: 10_000 });
  await button.click();
}

async function toolbarLabels(page) {
  return page.$$eval('.debug-toolbar .action-label', (els) => els.map((e) => e.getAttribute('aria-label') || '').filter(Boolean));
}

/** Clicks a toolbar button and waits for the next stop at a different (line, first frame) than before. */
async function stepWith(page, label) {
  const before = await stopSignature(page);
  await clickToolbar(page, label);
  await page.waitForFunction((prev) => {
    const rows = [...document.querySelectorAll('.debug-call-stack .monaco-list-row')].map((r) => r.textContent).join('|');
    const lines = window.linesWithGlyph('codicon-debug-stackframe').join(',');
    const stepOver = document.querySelector('.debug-toolbar .action-label[aria-label^="Step Over"]');
    const stopped = stepOver && !stepOver.classList.contains('disabled');
    return stopped && `${lines}#${rows}` !== prev && lines !== '';
  }, before, { timeout: STEP_TIMEOUT_MS, polling: 200 }).catch(() => undefined);
  await page.waitForTimeout(700);
}

async function stopSignature(page) {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll('.debug-call-stack .monaco-list-row')].map((r) => r.textContent).join('|');
    return `${window.linesWithGlyph('codicon-debug-stackframe').join(',')}#${rows}`;
  });
}

/** Call Stack rows (thread and frame rows), each as its visible text. */
async function callStack(page) {
  return page.$$eval('.debug-call-stack .monaco-list-row', (rows) => rows.map((r) => r.textContent.replace(/\s+/g, ' ').trim()));
}

/** Stack frame names in the Call Stack, top first. */
async function stackFrameNames(page) {
  return page.$$eval('.debug-call-stack .monaco-list-row .stack-frame .expression, .debug-call-stack .monaco-list-row .stack-frame .label',
    (els) => els.map((e) => e.textContent.trim()).filter(Boolean));
}

/** Variables view rows as {name, value} (scopes have no value); expands the Locals scope first if collapsed. */
async function variables(page) {
  const locals = page.locator('.debug-variables .monaco-list-row[aria-label="Scope Locals"][aria-expanded="false"]');
  if (await locals.count()) {
    await locals.first().click();
    await page.waitForTimeout(500);
  }
  return page.$$eval('.debug-variables .monaco-list-row', (rows) => rows.map((r) => ({
    name: (r.querySelector('.name') || r.querySelector('.scope') || r).textContent.replace(/\s*[=:]$/, '').trim(),
    value: (r.querySelector('.value') || { textContent: '' }).textContent.trim(),
  })));
}

/** Expands the Variables view row named `name` (the first such row) if it is collapsed. */
async function expandVariable(page, name) {
  const escaped = name.replace(/[[\]().*+?^$|\\]/g, '\\$&');
  const row = page.locator('.debug-variables .monaco-list-row')
    .filter({ has: page.locator('.name', { hasText: new RegExp(`^\\s*${escaped}(\\s*[=:])?\\s*$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  if ((await row.getAttribute('aria-expanded')) === 'false') {
    await row.click();
    if ((await row.getAttribute('aria-expanded')) === 'false') await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(700);
  }
}

/** Inline value texts rendered in the active editor (spans of class debug-inline-value), keyed by 1-based line. */
async function inlineValues(page) {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    if (!editor) return {};
    const numbers = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].map((el) => {
      const r = el.getBoundingClientRect();
      return { line: Number(el.textContent.trim()), mid: r.top + r.height / 2 };
    });
    const byLine = {};
    for (const line of editor.querySelectorAll('.view-lines .view-line')) {
      const injected = [...line.querySelectorAll('.debug-inline-value')].map((s) => s.textContent).join(' ').replace(/\u00a0/g, ' ').trim();
      if (!injected) continue;
      const r = line.getBoundingClientRect();
      const mid = r.top + r.height / 2;
      let best;
      for (const n of numbers) if (!best || Math.abs(n.mid - mid) < Math.abs(best.mid - mid)) best = n;
      if (best) byLine[best.line] = injected;
    }
    return byLine;
  });
}

/** Right-clicks a variable row in the Variables view and picks `item` from its context menu. */
async function variableContextMenu(page, name, item) {
  const row = page.locator('.debug-variables .monaco-list-row').filter({ has: page.locator('.name', { hasText: new RegExp(`^${name}\\b`) }) }).first();
  await row.click({ button: 'right' });
  const entry = page.locator('.context-view .monaco-menu .action-item .action-label', { hasText: item }).first();
  await entry.waitFor({ state: 'visible', timeout: 5000 });
  // VS Code's web context menu does not take synthetic clicks reliably: focus the item, then Enter.
  await entry.hover();
  await page.waitForTimeout(200);
  await page.keyboard.press('Enter');
}

/** The rows of the open quick pick (labels and descriptions as one text each). */
async function quickPickRows(page) {
  await page.waitForSelector('.quick-input-widget .quick-input-list .monaco-list-row', { timeout: 10_000 });
  return page.$$eval('.quick-input-widget .quick-input-list .monaco-list-row', (rows) => rows.map((r) => r.textContent.replace(/\s+/g, ' ').trim()));
}

/** Picks the quick pick row whose text matches `pattern`. */
async function pickQuickPickRow(page, pattern) {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: pattern }).first();
  await row.click();
}

/** Types into the open input box (Go to Step…) and accepts. */
async function answerInputBox(page, text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(text);
  await page.keyboard.press('Enter');
}

/** Answers VS Code's own (simple) file dialog with a full path and accepts it (OK button, else Enter). */
async function answerFileDialog(page, file) {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  // The dialog fills in its start folder a moment after it opens, over anything typed before: wait for it.
  await page.waitForFunction(() => (document.querySelector('.quick-input-widget input') || {}).value, undefined, { timeout: 10_000 });
  // It also re-lists the folder while the path changes and ignores an accept that comes too early: retry.
  for (let attempt = 0; attempt < 4; attempt++) {
    if ((await input.inputValue()) !== file) await input.fill(file);
    await page.waitForTimeout(800);
    if (!(await widget.isVisible())) return;
    const ok = widget.locator('.monaco-button').first();
    if (await ok.isVisible()) await ok.click();
    else await input.press('Enter');
    await page.waitForTimeout(400);
    if (!(await widget.isVisible())) return;
  }
  await widget.waitFor({ state: 'hidden', timeout: 3000 });
}

/** Waits for a stop after an action that is not a toolbar click (a command, a quick pick). */
async function waitForStopChange(page, action) {
  const before = await stopSignature(page);
  await action();
  await page.waitForFunction((prev) => {
    const rows = [...document.querySelectorAll('.debug-call-stack .monaco-list-row')].map((r) => r.textContent).join('|');
    const lines = window.linesWithGlyph('codicon-debug-stackframe').join(',');
    return `${lines}#${rows}` !== prev && lines !== '';
  }, before, { timeout: STEP_TIMEOUT_MS, polling: 200 }).catch(() => undefined);
  await page.waitForTimeout(700);
}

/**
 * Hovers `word` on 1-based `line` of the active editor holding Alt (while stopped, VS Code shows its own debug
 * hover; Alt switches to the language hovers, where the extension's history hover lives); runs `whileShown(hover)`.
 */
async function altHoverWord(page, line, word, whileShown) {
  const target = await page.evaluate(([l, w]) => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    const numbers = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')];
    const num = numbers.find((n) => Number(n.textContent.trim()) === l);
    if (!num) return undefined;
    const mid = num.getBoundingClientRect().top + num.getBoundingClientRect().height / 2;
    for (const viewLine of editor.querySelectorAll('.view-lines .view-line')) {
      const r = viewLine.getBoundingClientRect();
      if (Math.abs(r.top + r.height / 2 - mid) > r.height / 2) continue;
      const walker = document.createTreeWalker(viewLine, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest('.debug-inline-value')) continue;
        const text = node.textContent.replace(/\u00a0/g, ' ');
        const at = text.search(new RegExp(`\\b${w}\\b`));
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + w.length);
        const box = range.getBoundingClientRect();
        return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
      }
    }
    return undefined;
  }, [line, word]);
  if (!target) throw new Error(`"${word}" is not visible on line ${line}`);
  await page.mouse.move(target.x - 3, target.y);
  await page.keyboard.down('Alt');
  try {
    await page.mouse.move(target.x, target.y);
    const hover = page.locator('.monaco-hover:not(.hidden)').filter({ hasText: 'value history' }).first();
    await hover.waitFor({ state: 'visible', timeout: 10_000 });
    return await whileShown(hover);
  } finally {
    // Releasing Alt alone focuses VS Code's menu bar: Escape gives the focus back.
    await page.keyboard.up('Alt');
    await page.keyboard.press('Escape');
  }
}

/** Texts of the notification toasts currently shown. */
async function notifications(page) {
  return page.$$eval('.notification-toast .notification-list-item-message', (els) => els.map((e) => e.textContent.trim()));
}

/** Debug Console output text. */
async function debugConsoleText(page) {
  return page.$$eval('.repl .monaco-list-row', (rows) => rows.map((r) => r.textContent).join('\n'));
}

module.exports = {
  waitForWorkbench, dismissNotifications, runCommand, openFile, gotoLine, toggleBreakpoint, linesWithGlyph, installHelpers,
  pressF5, waitForStop, topFrameLine, clickToolbar, toolbarLabels, stepWith, callStack, stackFrameNames, variables, inlineValues, expandVariable,
  notifications, debugConsoleText, variableContextMenu, quickPickRows, pickQuickPickRow, answerInputBox, waitForStopChange, altHoverWord, answerFileDialog,
};
