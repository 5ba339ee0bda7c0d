// Renders recorded values as Python-style repr strings from object states (buffers from their recorded bytes
// when loaded), bounded in length and depth, with visible cut markers ("…", "…+N more"). Must not do I/O;
// never invents values that were not recorded.
import { bufferRepr } from './array-repr';
import { viewOf } from './buffer-layout';
import { BufferHistory } from './buffer-history';
import { bytesRepr } from './py-text-repr';
import { Recording } from './recording';

export const CUT = '\u2026';

export interface RenderLimits { maxLength: number; maxDepth: number }
export const DEFAULT_RENDER_LIMITS: RenderLimits = { maxLength: 1000, maxDepth: 3 };

export function shortTypeName(type: string): string {
  const i = type.lastIndexOf('.');
  return i >= 0 ? type.slice(i + 1) : type;
}

/** Kinds with a fixed display that also record their elements as children when small (numpy, torch). */
const ARRAY_KINDS = new Set(['ndarray', 'tensor']);

/**
 * True when the value is a recorded object with children the Variables view can expand (an ndarray or a
 * tensor has a fixed display and, when small, its elements as children).
 */
export function isExpandable(rec: Recording, valueId: number, step: number): boolean {
  const objectId = rec.valObject[valueId] ?? 0;
  if (!objectId) return false;
  const state = rec.objectStateAt(objectId, step);
  if (rec.valueRepr(valueId) !== null) return ARRAY_KINDS.has(rec.objects.get(objectId)?.kind ?? '') && !!state && state.cut === 0 && state.length > 0;
  return !!state && (state.length > 0 || state.cut !== 0);
}

/**
 * The repr of a buffer made from its recorded bytes at `step` (numpy arrays, torch tensors, bytearray, array.array), or
 * undefined when the object is no buffer, has no buffer rows, its bytes are not loaded (see
 * BufferHistory.settle) or cannot be known.
 */
export function bufferDisplay(rec: Recording, objectId: number, step: number, maxLength?: number): string | undefined {
  const info = rec.objects.get(objectId);
  if (!BufferHistory.isCandidate(info?.kind, info?.type)) return undefined;
  const found = rec.buffers.lookup(objectId, step);
  if (found.status !== 'ok') return undefined;
  return bufferRepr(found.layout, found.codec, found.bytes, viewOf(found.layout), maxLength);
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
  /** Characters left before the text is cut. */
  get room(): number { return Math.max(0, this.max - this.length); }
}

function renderInto(rec: Recording, valueId: number, step: number, depth: number, out: BoundedText, visiting: Set<number>): void {
  if (!valueId) { out.add('<unbound>'); return; }
  const objectId = rec.valObject[valueId] ?? 0;
  const repr = rec.valueRepr(valueId);
  const type = rec.valueType(valueId) ?? 'object';
  const buffer = objectId ? bufferDisplay(rec, objectId, step, out.room) : undefined;
  if (buffer !== undefined) { out.add(buffer); return; }
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
  if (kind === 'bytearray') { out.add(bytearrayFromChildren(rec, rec.children(state), state.cut, type)); return; }
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

/** bytearray(b'…') from its recorded children (one int per byte), as the Python reader renders it. */
function bytearrayFromChildren(rec: Recording, children: ReadonlyArray<[string | number, number]>, cut: number, type: string): string {
  const bytes = new Uint8Array(children.length);
  for (let i = 0; i < children.length; i++) {
    const n = rec.valueNumber(children[i][1]);
    const v = n ? n.n : Number(rec.valueRepr(children[i][1]));
    if (!Number.isInteger(v) || v < 0 || v > 255) return `${shortTypeName(type)}(<unreadable bytes>)`;
    bytes[i] = v;
  }
  return `${shortTypeName(type)}(${bytesRepr(bytes)}${cut > 0 ? CUT : ''})`;
}
