// The evaluator's value model: Python scalars computed in TypeScript (exact ints as bigint), references to
// recorded values and to views of recorded buffers, plus Python-style repr of computed results. Must not read
// recordings itself.
import { StridedView } from '../timeline/buffer-layout';
import { FloatWidth, floatRepr } from '../timeline/narrow-float-repr';
import { pyFloatRepr } from '../timeline/py-float-repr';
import { strRepr } from '../timeline/py-text-repr';
import { unescape } from './tokenizer';

export { strRepr };

export type PyValue =
  /**
   * `type`: the scalar's own type when it is not Python's (an element of an array: 'numpy.int32'); `display`:
   * its repr when that is not the number's (an element of a tensor is a 0-d tensor: 'tensor(0.1000)').
   */
  | { t: 'int'; v: bigint; type?: string; display?: string }
  /** `width`: a numpy float32/float16 element, printed with the digits of its own width. */
  | { t: 'float'; v: number; width?: FloatWidth; type?: string; display?: string }
  | { t: 'bool'; v: boolean; type?: string; display?: string }
  | { t: 'none' }
  | { t: 'str'; v: string }
  /** `type` and `display` as for scalars: a tensor's shape is a tuple shown as 'torch.Size([2, 3])'. */
  | { t: 'seq'; kind: 'list' | 'tuple'; items: PyValue[]; type?: string; display?: string }
  /** A recorded value that is not a computable scalar (object, opaque, cut or unparseable repr). */
  | { t: 'recorded'; valueId: number }
  /** A recorded buffer (an ndarray, bytearray, …) or a view of it made by indexing: its elements at the step. */
  | { t: 'buffer'; objectId: number; view: StridedView; type: string }
  /** A value only shown, never computed with (a dtype, a complex element): its repr and type. */
  | { t: 'shown'; type: string; repr: string };

export const NONE: PyValue = { t: 'none' };

/** Turns a recorded scalar (type name + repr) into a computable value, or undefined when it is not one. */
export function scalarFromRepr(type: string, repr: string): PyValue | undefined {
  if (repr.endsWith('\u2026')) return undefined; // cut by maxRepr: the full value is unknown
  switch (type) {
    case 'int':
      return /^-?\d+$/.test(repr) ? { t: 'int', v: BigInt(repr) } : undefined;
    case 'bool':
      return repr === 'True' || repr === 'False' ? { t: 'bool', v: repr === 'True' } : undefined;
    case 'NoneType':
      return NONE;
    case 'float': {
      const map: Record<string, number> = { inf: Infinity, '-inf': -Infinity, nan: NaN };
      if (repr in map) return { t: 'float', v: map[repr] };
      const v = Number(repr);
      return Number.isNaN(v) ? undefined : { t: 'float', v };
    }
    case 'str': {
      const m = /^(['"])([\s\S]*)\1$/.exec(repr);
      return m ? { t: 'str', v: unescape(m[2]) } : undefined;
    }
    default:
      return undefined;
  }
}

export function typeNameOf(v: PyValue, recordedType: (valueId: number) => string): string {
  switch (v.t) {
    case 'int': return v.type ?? 'int';
    case 'float': return v.type ?? 'float';
    case 'bool': return v.type ?? 'bool';
    case 'buffer': case 'shown': return v.type;
    case 'none': return 'NoneType';
    case 'str': return 'str';
    case 'seq': return v.type ?? v.kind;
    case 'recorded': return recordedType(v.valueId);
  }
}

/** Python repr of a computed value; recorded values and buffers are rendered by the caller's renderers. */
export function reprOf(v: PyValue, renderRecorded: (valueId: number) => string, renderBuffer: (v: Extract<PyValue, { t: 'buffer' }>) => string): string {
  if ((v.t === 'int' || v.t === 'float' || v.t === 'bool' || v.t === 'seq') && v.display !== undefined) return v.display;
  switch (v.t) {
    case 'int': return v.v.toString();
    case 'float': return v.width ? floatRepr(v.v, v.width) : pyFloatRepr(v.v);
    case 'buffer': return renderBuffer(v);
    case 'shown': return v.repr;
    case 'bool': return v.v ? 'True' : 'False';
    case 'none': return 'None';
    case 'str': return strRepr(v.v);
    case 'recorded': return renderRecorded(v.valueId);
    case 'seq': {
      const inner = v.items.map((i) => reprOf(i, renderRecorded, renderBuffer)).join(', ');
      if (v.kind === 'list') return `[${inner}]`;
      return v.items.length === 1 ? `(${inner},)` : `(${inner})`;
    }
  }
}
