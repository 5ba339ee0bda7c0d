// One-line reprs of recorded buffers from their bytes: numpy's `array([[0.1, 0.2], …], dtype=float32)` (its
// summarisation with edge items, without its column padding and line breaks), `bytearray(b'…')` and
// `array('d', [1.0, 2.5])`. Pure; must not do I/O or decide where the bytes come from.
import { DEFAULT_NUMPY_DTYPES, ElementCodec, ElementValue, elementRepr } from './buffer-elements';
import { BufferLayout, elementCount, shapeText, StridedView } from './buffer-layout';
import { FloatWidth, numpyFloatTexts } from './narrow-float-repr';
import { bytesRepr } from './py-text-repr';

/** The format's cut marker (value-render.ts's CUT; not imported: value-render imports this module). */
const CUT = '\u2026';
/** numpy prints every element up to this many (np.get_printoptions()['threshold']), else edge items. */
const NUMPY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;
export const DEFAULT_ARRAY_REPR_LENGTH = 1000;

function isNumpy(layout: BufferLayout): boolean {
  return layout.dtype !== null || !!layout.descr;
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

/** `dtype('float32')` as numpy prints `a.dtype` (`dtype('>f8')` for the non-native byte order). */
export function dtypeRepr(layout: BufferLayout, codec: ElementCodec): string {
  if (layout.descr) return `dtype(${descrText(layout.descr)})`;
  if (layout.dtype?.startsWith('>') && codec.itemsize > 1) return `dtype('${layout.dtype}')`;
  // A quoted name is the dtype's str ('|S3', '<U2'): numpy's dtype repr drops the '|' of byte strings.
  const name = codec.name.startsWith("'") ? codec.name.replace("'|", "'") : `'${codec.name}'`;
  return `dtype(${name})`;
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

function numpyBody(codec: ElementCodec, data: Buffer, view: StridedView, summarize: boolean): string {
  const positions: number[] = [];
  walk(view, summarize, (at) => { positions.push(at); return ''; });
  const texts = numpyElementTexts(positions.map((at) => codec.decode(data, at)));
  let next = 0;
  return walk(view, summarize, () => texts[next++]);
}

/** numpy's repr of the view on one line: all elements up to numpy's threshold and `maxLength`, else edge items. */
function numpyRepr(layout: BufferLayout, codec: ElementCodec, data: Buffer, view: StridedView, maxLength: number): string {
  const suffix = dtypeSuffix(layout, codec);
  if (!codec.supported) return `array(shape=${shapeText(view.shape)}${suffix})`;
  const size = elementCount(view.shape);
  if (size === 0) return `array([]${view.shape.length > 1 ? `, shape=${shapeText(view.shape)}` : ''}, dtype=${codec.name})`;
  // Every element takes at least 3 characters ("0, "): past maxLength / 3 of them the text cannot fit.
  const summarize = size > NUMPY_THRESHOLD || size * 3 > maxLength;
  let body = numpyBody(codec, data, view, summarize);
  if (!summarize && body.length > maxLength) body = numpyBody(codec, data, view, true);
  return `array(${body}${suffix})`;
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
  if (isNumpy(layout)) return numpyRepr(layout, codec, data, view, maxLength);
  if (layout.type === 'bytearray') return bytearrayRepr(data, view, maxLength);
  if (layout.type === 'array.array') return arrayModuleRepr(layout, codec, data, view, maxLength);
  return undefined;
}
