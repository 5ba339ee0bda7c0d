// Logpoint messages: "{expression}" parts interpolated with recorded values, compiled once per message and
// then rendered for every hit of the recording. Must not know about breakpoints or DAP; never runs program code.
import { RecordedEvaluator } from '../evaluate/evaluator';
import { parseExpression } from '../evaluate/parser';
import { Recording } from '../timeline/recording';
import { renderValue } from '../timeline/value-render';

export type LogTemplate = (rec: Recording, step: number) => string;

type Part = { text: string } | { expr: string; name?: NameReader };

/** Scalars whose recorded display is exactly what the evaluator would print for them. */
const SELF_DISPLAYED = new Set(['int', 'float', 'bool', 'NoneType']);

/** Interpolates {expression} parts of a logpoint message with recorded values (str() for strings). */
export function formatLogMessage(rec: Recording, step: number, message: string): string {
  return compileLogMessage(message)(rec, step);
}

/**
 * Splits a logpoint message once into literal text and expressions, so each hit only evaluates. A part that is
 * a bare name (the common `i={i}`) skips the evaluator: its binding's display is read directly, which prints
 * the same text (the evaluator stays in charge of strings, expressions and errors).
 */
export function compileLogMessage(message: string): LogTemplate {
  const parts: Part[] = [];
  let last = 0;
  const re = /\{\{|\}\}|\{([^{}]+)\}/g;
  for (let m = re.exec(message); m; m = re.exec(message)) {
    if (m.index > last) parts.push({ text: message.slice(last, m.index) });
    parts.push(m[0] === '{{' ? { text: '{' } : m[0] === '}}' ? { text: '}' } : { expr: m[1], name: nameReader(m[1]) });
    last = m.index + m[0].length;
  }
  if (last < message.length) parts.push({ text: message.slice(last) });
  return (rec, step) => {
    let ev: RecordedEvaluator | undefined;
    let out = '';
    for (const p of parts) {
      if ('text' in p) { out += p.text; continue; }
      const direct = p.name === undefined ? undefined : displayOf(rec, step, p.name.valueAt(rec, step));
      if (direct !== undefined) { out += direct; continue; }
      ev ??= new RecordedEvaluator(rec, step, rec.stepFrame[step]);
      try {
        const r = ev.evaluate(p.expr);
        out += r.value.t === 'str' ? r.value.v : r.repr;
      } catch (err) {
        out += `<error: ${(err as Error).message}>`;
      }
    }
    return out;
  };
}

function nameReader(expr: string): NameReader | undefined {
  try {
    const node = parseExpression(expr);
    return node.k === 'name' ? new NameReader(node.id) : undefined;
  } catch {
    return undefined; // the evaluator reports it at each hit
  }
}

/**
 * Reads one name's binding the way the evaluator looks it up (locals, then globals), remembering per template
 * the name's id, the last frame's two histories and the last rows found: hits come in ascending steps.
 */
class NameReader {
  private rec?: Recording;
  private nameId?: number;
  private frame = -1;
  private localsGroup = -1;
  private globalsGroup = -1;
  private localsRow = -1;
  private globalsRow = -1;

  constructor(private readonly name: string) {}

  /** The bound value id (0: unbound or never bound). */
  valueAt(rec: Recording, step: number): number {
    if (rec !== this.rec) { this.rec = rec; this.nameId = rec.nameId(this.name); this.frame = -1; }
    if (this.nameId === undefined) return 0;
    const b = rec.bindings;
    const frame = rec.stepFrame[step];
    if (frame !== this.frame) {
      this.frame = frame;
      const locals = rec.frames.localsScope[frame];
      const globals = rec.frames.globalsScope[frame];
      this.localsGroup = locals > 0 ? b.group(locals, this.nameId) : -1;
      this.globalsGroup = globals > 0 && globals !== locals ? b.group(globals, this.nameId) : -1;
      this.localsRow = this.globalsRow = -1;
    }
    if (this.localsGroup >= 0) {
      this.localsRow = b.rowAt(this.localsGroup, step, this.localsRow);
      const v = this.localsRow >= 0 ? b.valueOfRow(this.localsRow) : 0;
      if (v) return v;
    }
    if (this.globalsGroup >= 0) {
      this.globalsRow = b.rowAt(this.globalsGroup, step, this.globalsRow);
      return this.globalsRow >= 0 ? b.valueOfRow(this.globalsRow) : 0;
    }
    return 0;
  }
}

/** What the evaluator would print for the value `valueId` at `step`; undefined to let it decide. */
function displayOf(rec: Recording, step: number, valueId: number): string | undefined {
  if (!valueId) return undefined;
  if (rec.valObject[valueId]) return renderValue(rec, valueId, step);
  const type = rec.valueType(valueId);
  const repr = rec.valueRepr(valueId);
  if (type === undefined || repr === null || repr === undefined || repr.endsWith('\u2026')) return undefined;
  return SELF_DISPLAYED.has(type) ? repr : undefined;
}

export interface LogLine { step: number; text: string }

/**
 * Logpoint output over the whole recording, one line per hit in step order (ties in the order the parts were
 * given), each line rendered when it is read: a logpoint with 300k hits holds 300k steps, not 300k strings.
 */
export class LogLines implements Iterable<LogLine> {
  private constructor(private readonly rec: Recording | undefined, private readonly steps: Int32Array,
    private readonly source: Int32Array, private readonly templates: LogTemplate[]) {}

  static readonly EMPTY = new LogLines(undefined, new Int32Array(0), new Int32Array(0), []);

  /** One line per step of `steps` (ascending), rendered with `template`. */
  static of(rec: Recording, template: LogTemplate, steps: Int32Array): LogLines {
    return new LogLines(rec, steps, new Int32Array(steps.length), [template]);
  }

  /** All lines of `parts` (of one recording) merged in step order. */
  static merge(parts: LogLines[]): LogLines {
    const nonEmpty = parts.filter((p) => p.length > 0);
    if (nonEmpty.length <= 1) return nonEmpty[0] ?? LogLines.EMPTY;
    const total = nonEmpty.reduce((n, p) => n + p.length, 0);
    const steps = new Int32Array(total);
    const source = new Int32Array(total);
    const templates: LogTemplate[] = [];
    const bases = nonEmpty.map((p) => { const base = templates.length; templates.push(...p.templates); return base; });
    const at = new Int32Array(nonEmpty.length);
    for (let n = 0; n < total; n++) {
      let best = -1;
      for (let k = 0; k < nonEmpty.length; k++) {
        if (at[k] < nonEmpty[k].length && (best < 0 || nonEmpty[k].steps[at[k]] < nonEmpty[best].steps[at[best]])) best = k;
      }
      const part = nonEmpty[best];
      steps[n] = part.steps[at[best]];
      source[n] = bases[best] + part.source[at[best]];
      at[best]++;
    }
    return new LogLines(nonEmpty[0].rec, steps, source, templates);
  }

  get length(): number { return this.steps.length; }

  stepAt(i: number): number { return this.steps[i]; }

  textAt(i: number): string {
    const step = this.steps[i];
    return `[step ${step}] ${this.templates[this.source[i]](this.rec!, step)}`;
  }

  *[Symbol.iterator](): Iterator<LogLine> {
    for (let i = 0; i < this.steps.length; i++) yield { step: this.steps[i], text: this.textAt(i) };
  }

  toArray(): LogLine[] { return [...this]; }
}
