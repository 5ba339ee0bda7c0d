// Renders recorded values as Python-style repr strings from object states, bounded in length and depth,
// with visible cut markers ("…", "…+N more"). Must not do I/O; never invents values that were not recorded.
import { Recording } from './recording';

export const CUT = '\u2026';

export interface RenderLimits { maxLength: number; maxDepth: number }
export const DEFAULT_RENDER_LIMITS: RenderLimits = { maxLength: 1000, maxDepth: 3 };

export function shortTypeName(type: string): string {
  const i = type.lastIndexOf('.');
  return i >= 0 ? type.slice(i + 1) : type;
}

/** True when the value is a recorded object with children the Variables view can expand. */
export function isExpandable(rec: Recording, valueId: number, step: number): boolean {
  const objectId = rec.valObject[valueId] ?? 0;
  if (!objectId || rec.valueRepr(valueId) !== null) return false;
  const state = rec.objectStateAt(objectId, step);
  return !!state && (state.length > 0 || state.cut !== 0);
}

export function renderValue(rec: Recording, valueId: number, step: number, limits: RenderLimits = DEFAULT_RENDER_LIMITS): string {
  const out = new BoundedText(limits.maxLength);
  renderInto(rec, valueId, step, limits.maxDepth, out, new Set());
  return out.finish();
}

export function renderObject(rec: Recording, objectId: number, type: string, step: number, limits: RenderLimits = DEFAULT_RENDER_LIMITS): string {
  const out = new BoundedText(limits.maxLength);
  renderObjectInto(rec, objectId, type, step, limits.maxDepth, out, new Set());
  return out.finish();
}

class BoundedText {
  private parts: string[] = [];
  private length = 0;
  full = false;
  constructor(private readonly max: number) {}
  add(s: string): void {
    if (this.full) return;
    if (this.length + s.length > this.max) {
      this.parts.push(s.slice(0, this.max - this.length));
      this.full = true;
      return;
    }
    this.parts.push(s);
    this.length += s.length;
  }
  finish(): string { return this.parts.join('') + (this.full ? CUT : ''); }
}

function renderInto(rec: Recording, valueId: number, step: number, depth: number, out: BoundedText, visiting: Set<number>): void {
  if (!valueId) { out.add('<unbound>'); return; }
  const objectId = rec.valObject[valueId] ?? 0;
  const repr = rec.valueRepr(valueId);
  const type = rec.valueType(valueId) ?? 'object';
  if (repr !== null && repr !== undefined) { out.add(repr); return; }
  if (!objectId) { out.add(`<${type}>`); return; }
  renderObjectInto(rec, objectId, type, step, depth, out, visiting);
}

const BRACKETS: Record<string, [string, string]> = {
  list: ['[', ']'], tuple: ['(', ')'], dict: ['{', '}'], set: ['{', '}'], frozenset: ['frozenset({', '})'],
};

function renderObjectInto(rec: Recording, objectId: number, type: string, step: number, depth: number, out: BoundedText, visiting: Set<number>): void {
  const info = rec.objects.get(objectId);
  const kind = info?.kind ?? 'instance';
  const state = rec.objectStateAt(objectId, step);
  const [open, close] = BRACKETS[kind] ?? [`${shortTypeName(type)}(`, ')'];
  if (!state) { out.add(`<${type} (no state recorded)>`); return; }
  if (visiting.has(objectId)) { out.add(kind === 'dict' ? '{...}' : kind === 'list' ? '[...]' : `${open}...${close}`); return; }
  if (state.cut === -1 || depth <= 0) { out.add(`${open}${CUT}${close}`); return; }
  if (kind === 'set' && state.length === 0) { out.add(`${shortTypeName(type) === 'set' ? 'set' : shortTypeName(type)}()`); return; }
  if (kind === 'frozenset' && state.length === 0) { out.add('frozenset()'); return; }
  visiting.add(objectId);
  out.add(open);
  const children = rec.children(state);
  children.forEach(([key, childId], i) => {
    if (out.full) return;
    if (i > 0) out.add(', ');
    if (kind === 'dict') out.add(`${key}: `);
    else if (kind !== 'list' && kind !== 'tuple' && kind !== 'set' && kind !== 'frozenset') out.add(`${key}=`);
    renderInto(rec, childId, step, depth - 1, out, visiting);
  });
  if (state.cut > 0) out.add(`${children.length ? ', ' : ''}${CUT}+${state.cut} more`);
  if (kind === 'tuple' && children.length === 1 && state.cut === 0) out.add(',');
  out.add(close);
  visiting.delete(objectId);
}
