// Pure text formatting of value histories for inline values, hovers and quick picks (no vscode import,
// so it is unit-tested under plain Node). It must not decide which changes to show: callers filter first.
import type { ValueChange } from '../protocol';

export const HISTORY_ARROW = ' ← ';

/** Newest-first list of the changes at or before `currentStep` (all of them when it is unknown). */
export function changesUpTo(changes: readonly ValueChange[], currentStep: number | undefined): ValueChange[] {
  const past = currentStep === undefined ? [...changes] : changes.filter((c) => c.step <= currentStep);
  return past.sort((a, b) => b.step - a.step);
}

/**
 * `x = 7 ← 3 ← 1 (+12 more)`: the newest `maxValues` values of a newest-first history.
 * `totalOlder` lets a caller count changes it never received (the adapter's `total` beyond `changes`).
 */
export function inlineHistoryText(name: string, newestFirst: readonly ValueChange[], maxValues: number, notReceived = 0): string {
  const limit = Math.max(1, Math.floor(maxValues));
  const shown = newestFirst.slice(0, limit).map((c) => shortValue(c.value));
  const more = newestFirst.length - shown.length + Math.max(0, notReceived);
  const tail = more > 0 ? ` (+${formatCount(more)} more)` : '';
  return `${name} = ${shown.join(HISTORY_ARROW)}${tail}`;
}

/** One value cut for inline display: single line, at most `maxChars` characters, cut marked with `…`. */
export function shortValue(value: string, maxChars = 40): string {
  const oneLine = value.replace(/\s*\n\s*/g, ' ');
  return oneLine.length > maxChars ? `${oneLine.slice(0, maxChars - 1)}…` : oneLine;
}

/** `1,204` — thousands separators independent of the host locale, so tests and screenshots agree. */
export function formatCount(n: number): string {
  return Math.trunc(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `ran 1,204×` for the CodeLens on an executed line. */
export function lineHitsText(count: number): string {
  return `ran ${formatCount(count)}×`;
}

/**
 * Markdown for a hover: one row per change (newest first), the step as a command link that jumps there; the
 * value in effect at `currentStep` is marked "now", changes after it "later".
 */
export function historyHoverMarkdown(name: string, newestFirst: readonly ValueChange[], total: number, gotoCommand: string, currentStep?: number): string {
  const inEffect = currentStep === undefined ? undefined : newestFirst.find((c) => c.step <= currentStep);
  const rows = newestFirst.map((c) => {
    const args = encodeURIComponent(JSON.stringify([{ step: c.step }]));
    const when = c === inEffect ? ' ◀ now' : currentStep !== undefined && c.step > currentStep ? ' *(later)*' : '';
    const where = `${c.function || '<module>'}:${c.line}`;
    return `| [step ${formatCount(c.step)}](command:${gotoCommand}?${args} "Go to step ${c.step}") | \`${escapeCode(shortValue(c.value, 80))}\` | ${escapeTable(c.type)} | ${escapeTable(where)}${when} |`;
  });
  const missing = total - newestFirst.length;
  const footer = missing > 0 ? `\n\n(+${formatCount(missing)} more changes not shown)` : '';
  return [`**${escapeTable(name)}** — value history (newest first; click a step to go there)`, '', '| step | value | type | where |', '|---|---|---|---|', ...rows].join('\n') + footer;
}

function escapeTable(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function escapeCode(text: string): string {
  return text.replace(/`/g, "'").replace(/\|/g, '\\|');
}

const DEFINITION_TYPES = new Set(['function', 'builtin_function_or_method', 'method', 'type', 'module', 'classmethod', 'staticmethod']);

/** A `def`/`class`/`import` binding: its "history" is noise inline, so inline values leave it out. */
export function isDefinitionChange(change: ValueChange): boolean {
  return DEFINITION_TYPES.has(change.type) || /^<(function|class|module|built-in function) /.test(change.value);
}
