// Where a buffer's elements sit in its recorded region (docs/recording-format.md "Buffer writes"): the layout
// rows' JSON, strided views (offset, shape, strides in bytes), C-order positions, and numpy-style indexing and
// slicing of views. Pure; must not do I/O or decode element values (buffer-elements.ts does).

export interface BufferLayout {
  objectId: number;
  /** The step of the layout row: the layout holds from there on (until the object's next layout row). */
  since: number;
  /** The region holding the bytes: the object_id of content rows. */
  region: number;
  /** The object's type as the recorder named it ('numpy.ndarray', 'torch.Tensor', 'bytearray', 'array.array', …). */
  type: string;
  /** numpy's dtype.str ('<f4'); null for other buffers and for torch dtypes numpy lacks (named in `descr`). */
  dtype: string | null;
  /** A structured dtype's fields, or a torch dtype's name numpy has no type for ('torch.bfloat16'). */
  descr: unknown;
  /** Tensors only: torch's name of the dtype ('torch.float32'). */
  torchDtype?: string;
  format: string | null;
  shape: number[];
  strides: number[];
  itemsize: number;
  /** Bytes from the region's start to element 0. */
  offset: number;
  nbytes: number;
  regionBytes: number;
  /** `full`, `diff` or `fingerprint` (fingerprint regions keep no content). */
  tier: string;
  snapshots: string;
}

/** Elements of a region: element (i0, i1, …) is at byte offset + Σ ik · strides[k]. */
export interface StridedView { offset: number; shape: number[]; strides: number[] }

export type IndexPart = number | { start?: number; stop?: number; step?: number };

export class BufferIndexError extends Error {}

function intList(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((n) => Number.isInteger(n)) ? (v as number[]) : undefined;
}

/** A `layout` row's columns as a BufferLayout; undefined when its JSON is not a layout (a damaged row). */
export function parseLayout(objectId: number, step: number, offset: number, length: number, json: string): BufferLayout | undefined {
  let o: Record<string, unknown>;
  try { o = JSON.parse(json) as Record<string, unknown>; } catch { return undefined; }
  const shape = intList(o.shape);
  const strides = intList(o.strides);
  const itemsize = Number(o.itemsize);
  if (!o || typeof o !== 'object' || !shape || !strides || shape.length !== strides.length || !(itemsize > 0) || !Number.isInteger(o.region)) {
    return undefined;
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const layout: BufferLayout = {
    objectId, since: step, region: o.region as number, type: text(o.type) ?? 'buffer', dtype: text(o.dtype),
    descr: o.descr ?? null, format: text(o.format), shape, strides, itemsize, offset, nbytes: length,
    regionBytes: Number(o.regionBytes ?? 0), tier: text(o.tier) ?? 'full', snapshots: text(o.snapshots) ?? 'always',
  };
  const torchDtype = text(o.torchDtype);
  if (torchDtype) layout.torchDtype = torchDtype;
  return layout;
}

export function viewOf(layout: BufferLayout): StridedView {
  return { offset: layout.offset, shape: layout.shape, strides: layout.strides };
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The multi-index of C-order flat index `flat`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k];
    index[k] = d > 0 ? flat % d : 0;
    flat = d > 0 ? Math.floor(flat / d) : 0;
  }
  return index;
}

/** Byte position in the region of the view's C-order element `flat`. */
export function positionOf(view: StridedView, flat: number): number {
  let at = view.offset;
  for (let k = view.shape.length - 1; k >= 0; k--) {
    const d = view.shape[k];
    at += (flat % d) * view.strides[k];
    flat = Math.floor(flat / d);
  }
  return at;
}

/** Byte positions of every element of the view, in C order. */
export function positionsOf(view: StridedView): Float64Array {
  const n = elementCount(view.shape);
  const out = new Float64Array(n);
  const ndim = view.shape.length;
  if (ndim === 0) { out[0] = view.offset; return out; }
  const index = new Array<number>(ndim).fill(0);
  let at = view.offset;
  for (let i = 0; i < n; i++) {
    out[i] = at;
    // Odometer step: the last axis moves fastest.
    for (let k = ndim - 1; k >= 0; k--) {
      index[k]++;
      at += view.strides[k];
      if (index[k] < view.shape[k]) break;
      at -= index[k] * view.strides[k];
      index[k] = 0;
    }
  }
  return out;
}

/** [start, stop, step] of a Python slice over `length` items (slice.indices). */
export function sliceIndices(part: { start?: number; stop?: number; step?: number }, length: number): [number, number, number] {
  const step = part.step ?? 1;
  if (step === 0) throw new BufferIndexError('ValueError: slice step cannot be zero');
  const clamp = (v: number | undefined, whenMissing: number): number => {
    if (v === undefined) return whenMissing;
    if (v < 0) v += length;
    return step > 0 ? Math.min(Math.max(v, 0), length) : Math.min(Math.max(v, -1), length - 1);
  };
  const start = clamp(part.start, step > 0 ? 0 : length - 1);
  const stop = clamp(part.stop, step > 0 ? length : -1);
  return [start, stop, step];
}

export function sliceLength(start: number, stop: number, step: number): number {
  return step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
}

/** numpy basic indexing: integers drop an axis, slices keep it (missing trailing parts select everything). */
export function indexView(view: StridedView, parts: readonly IndexPart[]): StridedView {
  if (parts.length > view.shape.length) {
    throw new BufferIndexError(`IndexError: too many indices for array: array is ${view.shape.length}-dimensional, but ${parts.length} were indexed`);
  }
  let offset = view.offset;
  const shape: number[] = [];
  const strides: number[] = [];
  parts.forEach((part, axis) => {
    const length = view.shape[axis];
    const stride = view.strides[axis];
    if (typeof part === 'number') {
      if (!Number.isInteger(part) || part < -length || part >= length) {
        throw new BufferIndexError(`IndexError: index ${part} is out of bounds for axis ${axis} with size ${length}`);
      }
      offset += (part < 0 ? part + length : part) * stride;
      return;
    }
    const [start, stop, step] = sliceIndices(part, length);
    const n = sliceLength(start, stop, step);
    if (n > 0) offset += start * stride;
    shape.push(n);
    strides.push(stride * step);
  });
  for (let axis = parts.length; axis < view.shape.length; axis++) {
    shape.push(view.shape[axis]);
    strides.push(view.strides[axis]);
  }
  return { offset, shape, strides };
}

/** The lowest and one past the highest byte the view's elements touch (an empty view: [offset, offset)). */
export function byteSpan(view: StridedView, itemsize: number): [number, number] {
  if (elementCount(view.shape) === 0) return [view.offset, view.offset];
  let low = view.offset;
  let high = view.offset;
  view.shape.forEach((d, k) => {
    const reach = (d - 1) * view.strides[k];
    if (reach < 0) low += reach; else high += reach;
  });
  return [low, high + itemsize];
}

/** `(2, 3)` / `(5,)` / `()`: a shape as Python prints a tuple. */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}
