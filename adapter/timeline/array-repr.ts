// One-line reprs of recorded buffers from their bytes: numpy's `array([[0.1, 0.2], …], dtype=float32)`, torch's
// `tensor([[0.1000, 0.2000], …])` (their summarisation with edge items, without their column padding and line
// breaks), `bytearray(b'…')` and `array('d', [1.0, 2.5])`; the shape and dtype of arrays and tensors as their
// libraries print them. Pure; must not do I/O or decide where the bytes come from.
import { DEFAULT_NUMPY_DTYPES, ElementCodec, ElementValue, elementRepr } from './buffer-elements';
import { BufferLayout, elementCount, shapeText, StridedView } from './buffer-layout';
import { FloatWidth, numpyFloatTexts } from './narrow-float-repr';
import { bytesRepr } from './py-text-repr';
import { torchDtypeSuffix, torchElementTexts } from './torch-repr';

/** The format's cut marker (value-render.ts's CUT; not imported: value-render imports this module). */
const CUT = '\u2026';
/** numpy prints every element up to this many (np.get_printoptions()['threshold']), else edge items. */
const NUMPY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;
export const DEFAULT_ARRAY_REPR_LENGTH = 1000;

/** An array with a dtype (numpy's or torch's): indexed with tuples, shown with its shape and dtype. */
export function hasDtype(layout: { dtype: string | null; descr: unknown }): boolean {
  return layout.dtype !== null || !!layout.descr;
}

/** A torch tensor's layout (torch's print style, torch.Size, torch dtypes). */
export function isTensor(layout: { torchDtype?: string }): boolean {
  return typeof layout.torchDtype === 'string';
}

/** numpy's repr of a structured dtype's descr ([('a', '<i4'), ('b', '<f8')]). */
function descrText(descr: unknown): string {
  if (!Array.isArray(descr)) return String(descr);
  const item = (v: unknown): string => (Array.isArray(v) ? `(${v.map(item).join(', ')}${v.length === 1 ? ',' : ''})`
    : typeof v === 'string' ? `'${v}'` : String(v));
  return `[${descr.map(item).join(', ')}]`;
}

/** The `dtype=` part numpy adds to an array's repr ('' for float64, int64, bool, complex128). */
export function dtypeSuffix(layout: BufferLayout, codec: ElementCodec): string {
  if (layout.descr) return `, dtype=${descrText(layout.descr)}`;
  return DEFAULT_NUMPY_DTYPES.has(codec.name) ? '' : `, dtype=${codec.name}`;
}

/** `dtype('float32')` as numpy prints `a.dtype` (`dtype('>f8')` for the non-native byte order); `torch.float32`. */
export function dtypeRepr(layout: BufferLayout, codec: ElementCodec): string {
  if (layout.torchDtype) return layout.torchDtype;
  if (layout.descr) return `dtype(${descrText(layout.descr)})`;
  if (layout.dtype?.startsWith('>') && codec.itemsize > 1) return `dtype('${layout.dtype}')`;
  // A quoted name is the dtype's str ('|S3', '<U2'): numpy's dtype repr drops the '|' of byte strings.
  const name = codec.name.startsWith("'") ? codec.name.replace("'|", "'") : `'${codec.name}'`;
  return `dtype(${name})`;
}

/** The Python type of `a.dtype`. */
export function dtypeType(layout: BufferLayout): string {
  return isTensor(layout) ? 'torch.dtype' : 'numpy.dtype';
}

/** `a.shape` as its library prints it: `(2, 3)`, or `torch.Size([2, 3])` for a tensor. */
export function shapeRepr(layout: BufferLayout, shape: readonly number[]): string {
  return isTensor(layout) ? `torch.Size([${shape.join(', ')}])` : shapeText(shape);
}

/** The Python type of `a.shape`. */
export function shapeType(layout: BufferLayout): string {
  return isTensor(layout) ? 'torch.Size' : 'tuple';
}

/** Texts of decoded elements the way numpy lays them out inside an array (floats share one format). */
function numpyElementTexts(values: ElementValue[]): string[] {
  const first = values[0];
  if (first?.t === 'float') return numpyFloatTexts(values.map((v) => (v as { v: number }).v), first.width);
  if (first?.t === 'complex') {
    const width = first.width as FloatWidth;
    const re = numpyFloatTexts(values.map((v) => (v as { re: number }).re), width);
    const im = numpyFloatTexts(values.map((v) => (v as { im: number }).im), width);
    return re.map((r, i) => `${r}${im[i].startsWith('-') ? '' : '+'}${im[i]}j`);
  }
  return values.map(elementRepr);
}

/** Walks the view in print order: every axis lists its items, or its edge items around '...'. */
function walk(view: StridedView, summarize: boolean, leaf: (position: number) => string): string {
  const ndim = view.shape.length;
  const axis = (k: number, at: number): string => {
    if (k === ndim) return leaf(at);
    const n = view.shape[k];
    const parts: string[] = [];
    const edges = summarize && n > 2 * EDGE_ITEMS;
    for (let i = 0; i < n; i++) {
      if (edges && i === EDGE_ITEMS) { parts.push('...'); i = n - EDGE_ITEMS - 1; continue; }
      parts.push(axis(k + 1, at + i * view.strides[k]));
    }
    return `[${parts.join(', ')}]`;
  };
  return axis(0, view.offset);
}

/** How a library prints an array: the constructor's name, the texts of the shown elements, the dtype suffix. */
interface ArrayStyle {
  name: string;
  texts: (values: ElementValue[]) => string[];
  suffix: string;
  /** The repr of an empty view. */
  empty: (view: StridedView) => string;
}

function numpyStyle(layout: BufferLayout, codec: ElementCodec): ArrayStyle {
  return {
    name: 'array', texts: numpyElementTexts, suffix: dtypeSuffix(layout, codec),
    empty: (view) => `array([]${view.shape.length > 1 ? `, shape=${shapeText(view.shape)}` : ''}, dtype=${codec.name})`,
  };
}

function torchStyle(torchDtype: string): ArrayStyle {
  return {
    name: 'tensor', texts: torchElementTexts, suffix: torchDtypeSuffix(torchDtype, false),
    empty: (view) => `tensor([]${view.shape.length !== 1 ? `, size=${shapeText(view.shape)}` : ''}${torchDtypeSuffix(torchDtype, true)})`,
  };
}

function body(style: ArrayStyle, codec: ElementCodec, data: Buffer, view: StridedView, summarize: boolean): string {
  const positions: number[] = [];
  walk(view, summarize, (at) => { positions.push(at); return ''; });
  const texts = style.texts(positions.map((at) => codec.decode(data, at)));
  let next = 0;
  return walk(view, summarize, () => texts[next++]);
}

/**
 * The library's repr of the view on one line: all elements up to its threshold (numpy's and torch's are both
 * 1000 elements) and `maxLength`, else edge items.
 */
function stridedRepr(style: ArrayStyle, codec: ElementCodec, data: Buffer, view: StridedView, maxLength: number): string {
  if (!codec.supported) return `${style.name}(shape=${shapeText(view.shape)}${style.suffix})`;
  const size = elementCount(view.shape);
  if (size === 0) return style.empty(view);
  // Every element takes at least 3 characters ("0, "): past maxLength / 3 of them the text cannot fit.
  const summarize = size > NUMPY_THRESHOLD || size * 3 > maxLength;
  let text = body(style, codec, data, view, summarize);
  if (!summarize && text.length > maxLength) text = body(style, codec, data, view, true);
  return `${style.name}(${text}${style.suffix})`;
}

function elementsOf(codec: ElementCodec, data: Buffer, view: StridedView, limit: number): { values: ElementValue[]; cut: boolean } {
  const n = view.shape[0] ?? 1;
  const stride = view.strides[0] ?? 0;
  const values: ElementValue[] = [];
  for (let i = 0; i < Math.min(n, limit); i++) values.push(codec.decode(data, view.offset + i * stride));
  return { values, cut: n > limit };
}

/** `bytearray(b'…')`, cut after `maxLength` bytes with … (a view of a bytearray is a bytearray too). */
function bytearrayRepr(data: Buffer, view: StridedView, maxLength: number): string {
  const n = view.shape[0] ?? 0;
  const stride = view.strides[0] ?? 1;
  const shown = Math.min(n, maxLength);
  let bytes: Uint8Array;
  if (stride === 1) bytes = data.subarray(view.offset, view.offset + shown);
  else {
    bytes = new Uint8Array(shown);
    for (let i = 0; i < shown; i++) bytes[i] = data[view.offset + i * stride];
  }
  return `bytearray(${bytesRepr(bytes)}${n > shown ? CUT : ''})`;
}

/** `array('d', [1.0, 2.5])` / `array('u', 'ab')` as Python prints an array.array. */
function arrayModuleRepr(layout: BufferLayout, codec: ElementCodec, data: Buffer, view: StridedView, maxLength: number): string {
  const code = (layout.format ?? 'B').replace(/^[@=<>!]/, '');
  const n = view.shape[0] ?? 0;
  if (n === 0) return `array('${code}')`;
  const { values, cut } = elementsOf(codec, data, view, Math.max(1, Math.floor(maxLength / 2)));
  if (code === 'u' || code === 'w') {
    const text = values.map((v) => (v.t === 'str' ? v.v : '')).join('');
    return `array('${code}', ${elementRepr({ t: 'str', v: text })}${cut ? CUT : ''})`;
  }
  let body = values.map(elementRepr).join(', ');
  if (body.length > maxLength) body = `${body.slice(0, maxLength)}${CUT}`;
  else if (cut) body += `, ${CUT}`;
  return `array('${code}', [${body}])`;
}

/**
 * The repr of a view of a recorded buffer, or undefined for types whose Python repr does not show their
 * elements (memoryview, mmap: the recorded display stands).
 */
export function bufferRepr(layout: BufferLayout, codec: ElementCodec, data: Buffer, view: StridedView,
  maxLength = DEFAULT_ARRAY_REPR_LENGTH): string | undefined {
  if (layout.torchDtype) return stridedRepr(torchStyle(layout.torchDtype), codec, data, view, maxLength);
  if (hasDtype(layout)) return stridedRepr(numpyStyle(layout, codec), codec, data, view, maxLength);
  if (layout.type === 'bytearray') return bytearrayRepr(data, view, maxLength);
  if (layout.type === 'array.array') return arrayModuleRepr(layout, codec, data, view, maxLength);
  return undefined;
}
