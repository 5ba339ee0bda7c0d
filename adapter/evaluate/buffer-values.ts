// Recorded buffers in expressions: `a[3]`, `a[1, 2]`, `a[2:5]`, `a.shape`, `a.dtype`, `len(a)` on numpy arrays
// and torch tensors (and bytearray / array.array / memoryview / mmap) read from their recorded bytes at the
// evaluator's step. Never runs program code; an element type that cannot be decoded is shown, not computed with.
import { bufferRepr, dtypeRepr, dtypeType, hasDtype, isTensor, shapeRepr } from '../timeline/array-repr';
import { ElementValue, elementRepr } from '../timeline/buffer-elements';
import { BufferHistory, BufferLookup } from '../timeline/buffer-history';
import { BufferIndexError, elementCount, indexView, IndexPart, shapeText, StridedView, viewOf } from '../timeline/buffer-layout';
import { Recording } from '../timeline/recording';
import { EvaluationError } from './errors';
import { PyValue } from './py-values';

export type BufferValue = Extract<PyValue, { t: 'buffer' }>;

/** Elements listed for min()/max()/in at most: past it the expression is refused, not slowed down. */
const MAX_ITEMS = 100_000;

/** The loaded bytes (or the reason they are missing) of a buffer value's object at `step`. */
function loaded(rec: Recording, v: BufferValue, step: number): Extract<BufferLookup, { status: 'ok' | 'unavailable' }> {
  const found = rec.buffers.lookup(v.objectId, step);
  // 'pending' only happens outside BufferHistory.settle (which runs the evaluation again once loaded).
  if (found.status === 'pending') throw new EvaluationError("the array's recorded elements are not loaded yet; evaluate again");
  if (found.status === 'none') throw new EvaluationError(`no buffer history for this ${v.type} at step ${step}`);
  return found;
}

function bytesOf(rec: Recording, v: BufferValue, step: number): Extract<BufferLookup, { status: 'ok' }> {
  const found = loaded(rec, v, step);
  if (found.status === 'unavailable') throw new EvaluationError(`the elements of this ${v.type} are not known: ${found.reason}`);
  return found;
}

/** A recorded value as a buffer (undefined when it is none, or has no buffer history at `step`). */
export function asBuffer(rec: Recording, valueId: number, step: number): BufferValue | undefined {
  const objectId = rec.valObject[valueId];
  if (!objectId) return undefined;
  const info = rec.objects.get(objectId);
  if (!BufferHistory.isCandidate(info?.kind, info?.type)) return undefined;
  const found = rec.buffers.lookup(objectId, step);
  if (found.status === 'pending') throw new EvaluationError("the array's recorded elements are not loaded yet; evaluate again");
  if (found.status === 'none') return undefined;
  return { t: 'buffer', objectId, view: viewOf(found.layout), type: info!.type };
}

function isNumpy(found: { layout: { dtype: string | null; descr: unknown } }): boolean {
  return hasDtype(found.layout);
}

/** An element as a computable value; `display`: its repr when that is not the number's (a 0-d tensor). */
function elementToValue(e: ElementValue, type: string, display?: string): PyValue {
  switch (e.t) {
    case 'bool': return { t: 'bool', v: e.v, type, display };
    case 'int': return { t: 'int', v: BigInt(e.v), type, display };
    case 'float': return { t: 'float', v: e.v, width: e.width === 64 ? undefined : e.width, type, display };
    case 'str': return { t: 'str', v: e.v };
    default: return { t: 'shown', type, repr: display ?? elementRepr(e) };
  }
}

function tuple(items: number[]): PyValue {
  return { t: 'seq', kind: 'tuple', items: items.map((n) => ({ t: 'int', v: BigInt(n) })) };
}

/** The attributes a recorded buffer offers (the rest would run code), for the message that refuses one. */
export function bufferAttributeNames(rec: Recording, v: BufferValue, step: number): string[] {
  const found = rec.buffers.lookup(v.objectId, step);
  if (found.status !== 'ok' && found.status !== 'unavailable') return [];
  if (isTensor(found.layout)) return ['shape', 'dtype', 'ndim', 'T', 'data', 'device', 'nbytes'];
  if (isNumpy(found)) return ['shape', 'dtype', 'ndim', 'size', 'itemsize', 'nbytes', 'strides', 'T'];
  if (v.type === 'array.array') return ['typecode', 'itemsize'];
  if (v.type === 'memoryview') return ['format', 'shape', 'strides', 'ndim', 'itemsize', 'nbytes'];
  return [];
}

/** Why `a == b` is refused when either side is an array (it compares element-wise), or undefined. */
export function elementwiseComparison(rec: Recording, v: BufferValue | undefined, step: number): string | undefined {
  if (!v) return undefined;
  const found = rec.buffers.lookup(v.objectId, step);
  if (found.status !== 'ok' && found.status !== 'unavailable') return undefined;
  if (isTensor(found.layout)) return 'comparing a tensor with == gives a tensor of booleans; compare elements instead, e.g. a[0] == b[0]';
  if (isNumpy(found)) return 'comparing a numpy array with == gives an array of booleans; compare elements instead, e.g. a[0] == b[0]';
  return undefined;
}

/** `a.shape`, `a.dtype`, … : what the layout says (also when the elements themselves were not recorded). */
export function bufferAttribute(rec: Recording, v: BufferValue, attr: string, step: number): PyValue | undefined {
  const found = loaded(rec, v, step);
  const { layout, codec } = found;
  const size = elementCount(v.view.shape);
  const common: Record<string, () => PyValue> = {
    shape: () => tuple(v.view.shape), strides: () => tuple(v.view.strides), ndim: () => ({ t: 'int', v: BigInt(v.view.shape.length) }),
    itemsize: () => ({ t: 'int', v: BigInt(layout.itemsize) }), nbytes: () => ({ t: 'int', v: BigInt(size * layout.itemsize) }),
  };
  const reversed = (): PyValue => ({ ...v, view: { offset: v.view.offset, shape: [...v.view.shape].reverse(), strides: [...v.view.strides].reverse() } });
  if (isTensor(layout)) {
    const torch: Record<string, () => PyValue> = {
      shape: () => ({ ...tuple(v.view.shape), type: 'torch.Size', display: shapeRepr(layout, v.view.shape) }) as PyValue,
      dtype: () => ({ t: 'shown', type: dtypeType(layout), repr: dtypeRepr(layout, codec) }),
      ndim: common.ndim, nbytes: common.nbytes, T: reversed, data: () => v,
      device: () => ({ t: 'shown', type: 'torch.device', repr: "device(type='cpu')" }), // only CPU tensors are tracked
    };
    return torch[attr]?.();
  }
  if (isNumpy(found)) {
    const numpy: Record<string, () => PyValue> = {
      ...common,
      dtype: () => ({ t: 'shown', type: dtypeType(layout), repr: dtypeRepr(layout, codec) }),
      size: () => ({ t: 'int', v: BigInt(size) }),
      T: reversed,
    };
    return numpy[attr]?.();
  }
  if (v.type === 'array.array') {
    if (attr === 'typecode') return { t: 'str', v: (layout.format ?? 'B').replace(/^[@=<>!]/, '') };
    if (attr === 'itemsize') return common.itemsize();
    return undefined;
  }
  if (v.type === 'memoryview') {
    if (attr === 'format') return { t: 'str', v: layout.format ?? 'B' };
    return common[attr]?.();
  }
  return undefined;
}

/** `len(a)`: the length of the first axis. */
export function bufferLength(v: BufferValue): number {
  if (v.view.shape.length === 0) throw new EvaluationError('TypeError: len() of unsized object');
  return v.view.shape[0];
}

/**
 * `a[parts]`: basic indexing (integers and slices). A view with no axes left is its element (or, with
 * `keepElementViews`, the 0-d view, for data breakpoints); a tensor's element computes as its number and
 * shows as the 0-d tensor Python gives (`tensor(0.1000)`).
 */
export function indexBuffer(rec: Recording, v: BufferValue, parts: IndexPart[], step: number, keepElementViews = false): PyValue {
  const found = loaded(rec, v, step);
  if (!isNumpy(found) && parts.length > 1) throw new EvaluationError(`${v.type} indices must be integers or slices, not tuple`);
  let view: StridedView;
  try {
    view = indexView(v.view, parts);
  } catch (err) {
    if (err instanceof BufferIndexError) throw new EvaluationError(err.message);
    throw err;
  }
  if (view.shape.length > 0 || keepElementViews) return { ...v, view };
  const { layout, codec, bytes } = bytesOf(rec, v, step);
  const display = isTensor(layout) ? bufferRepr(layout, codec, bytes, view) : undefined;
  return elementToValue(codec.decode(bytes, view.offset), codec.scalarType, display);
}

/** The items of a buffer along its first axis (elements of a 1-D one, rows of a 2-D one), for min/max/in. */
export function bufferItems(rec: Recording, v: BufferValue, step: number, what: string): PyValue[] {
  const n = bufferLength(v);
  if (n > MAX_ITEMS) throw new EvaluationError(`${what} over ${n} items of a recorded array is not offered (at most ${MAX_ITEMS})`);
  return Array.from({ length: n }, (_, i) => indexBuffer(rec, v, [i], step));
}

export function bufferTruthy(rec: Recording, v: BufferValue, step: number): boolean {
  const found = loaded(rec, v, step);
  if (!isNumpy(found)) return bufferLength(v) > 0;
  const size = elementCount(v.view.shape);
  if (size === 0) return false;
  if (size > 1) throw new EvaluationError('ValueError: The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()');
  const { codec, bytes } = bytesOf(rec, v, step);
  const e = codec.decode(bytes, v.view.offset);
  return e.t === 'bool' ? e.v : e.t === 'int' ? e.v != 0 : e.t === 'float' ? e.v !== 0 : true;
}

/** The buffer's repr from its bytes (numpy's / torch's one-line repr, bytearray(b'…'), array('d', […])). */
export function bufferText(rec: Recording, v: BufferValue, step: number): string {
  const found = loaded(rec, v, step);
  if (found.status === 'unavailable') return `<${v.type} of shape ${shapeText(v.view.shape)}: elements not recorded (${found.reason})>`;
  return bufferRepr(found.layout, found.codec, found.bytes, v.view)
    ?? `<${v.type} of shape ${shapeText(v.view.shape)}, format '${found.layout.format ?? 'B'}'>`;
}

/** Subscript parts of an index expression's values: ints and slices ({start, stop, step}). */
export function indexParts(values: Array<PyValue | { slice: [PyValue | undefined, PyValue | undefined, PyValue | undefined] }>,
  asInt: (v: PyValue, what: string) => number): IndexPart[] {
  return values.map((item) => {
    if ('slice' in item) {
      const [lower, upper, stride] = item.slice;
      const bound = (b: PyValue | undefined, what: string) => (b === undefined || b.t === 'none' ? undefined : asInt(b, what));
      return { start: bound(lower, 'slice bound'), stop: bound(upper, 'slice bound'), step: bound(stride, 'slice step') };
    }
    if (item.t === 'buffer' || item.t === 'seq') throw new EvaluationError('only integer and slice indexing of recorded arrays is supported (no fancy or boolean indexing)');
    return asInt(item, 'index');
  });
}
