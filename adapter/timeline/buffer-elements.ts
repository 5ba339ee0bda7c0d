// Element types of recorded buffers: numpy dtypes (dtype.str such as '<f4', '>i2', '|b1'), the torch dtypes
// numpy lacks (bfloat16, complex32) and buffer-protocol formats (bytearray 'B', array.array typecodes, struct
// codes), decoded from region bytes into values and rendered as numpy / Python print them. Pure; must not do
// I/O or know where elements sit (buffer-layout.ts).
import { float16ToNumber, FloatWidth, floatRepr } from './narrow-float-repr';
import { bytesRepr, strRepr } from './py-text-repr';

export type ElementValue =
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: number | bigint }
  | { t: 'float'; v: number; width: FloatWidth }
  | { t: 'complex'; re: number; im: number; width: FloatWidth }
  | { t: 'bytes'; v: Uint8Array }
  | { t: 'str'; v: string }
  /** An element type this reader cannot decode (structured, datetime, object, long double): its bytes. */
  | { t: 'raw'; v: Uint8Array };

export interface ElementCodec {
  /** numpy's name of the dtype ('float32', 'int16', 'bool', "'<U3'"), or the buffer format ('B', 'd'). */
  readonly name: string;
  readonly itemsize: number;
  /** The type of one element as Python shows it: 'numpy.float32', 'numpy.bool_', 'int', 'float', 'str'. */
  readonly scalarType: string;
  /** False for element types shown as raw bytes; `why` says what is missing. */
  readonly supported: boolean;
  readonly why?: string;
  decode(data: Buffer, at: number): ElementValue;
}

type Kind = 'bool' | 'int' | 'uint' | 'float' | 'bfloat16' | 'complex' | 'bytes' | 'str' | 'raw';

interface ElementType { kind: Kind; size: number; little: boolean; numpy: boolean; name: string; why?: string }

/** numpy omits `dtype=` in an array's repr for these. */
export const DEFAULT_NUMPY_DTYPES = new Set(['float64', 'int64', 'bool', 'complex128']);

function numpyType(dtype: string, itemsize: number): ElementType {
  const m = /^([<>|=])?([a-zA-Z])(\d+)?(\[[^\]]*\])?$/.exec(dtype);
  const raw = (why: string): ElementType => ({ kind: 'raw', size: itemsize, little: true, numpy: true, name: `'${dtype}'`, why });
  if (!m) return raw(`the dtype '${dtype}' is not decoded here (structured or unusual dtypes show raw bytes)`);
  const little = m[1] !== '>';
  const size = Number(m[3] ?? itemsize);
  const bits = size * 8;
  const typed = (kind: Kind, name: string): ElementType => ({ kind, size, little, numpy: true, name });
  switch (m[2]) {
    case 'b': return size === 1 ? typed('bool', 'bool') : raw(`a ${size}-byte bool is not a numpy dtype`);
    case 'i': return [1, 2, 4, 8].includes(size) ? typed('int', `int${bits}`) : raw(`int of ${size} bytes`);
    case 'u': return [1, 2, 4, 8].includes(size) ? typed('uint', `uint${bits}`) : raw(`uint of ${size} bytes`);
    case 'f': return [2, 4, 8].includes(size) ? typed('float', `float${bits}`)
      : raw(`float${bits} (long double) elements are not decoded here`);
    case 'c': return [8, 16].includes(size) ? typed('complex', `complex${bits}`)
      : raw(`complex${bits} (long double) elements are not decoded here`);
    case 'S': return { kind: 'bytes', size, little, numpy: true, name: `'|S${size}'` };
    case 'U': return { kind: 'str', size: size * 4, little, numpy: true, name: `'${m[1] ?? '<'}U${size}'` }; // 'U<n>' counts characters
    case 'M': case 'm': return raw(`datetime64/timedelta64 elements ('${dtype}') are not decoded here`);
    case 'O': return raw('object arrays hold pointers, not values');
    default: return raw(`the dtype '${dtype}' (structured or void) is not decoded here`);
  }
}

/** A tensor layout's `descr` naming a torch dtype numpy has no type for. */
function torchOnlyType(name: string, itemsize: number): ElementType | undefined {
  if (name === 'torch.bfloat16' && itemsize === 2) return { kind: 'bfloat16', size: 2, little: true, numpy: true, name: 'bfloat16' };
  if (name === 'torch.complex32' && itemsize === 4) return { kind: 'complex', size: 4, little: true, numpy: true, name: 'complex32' };
  return undefined;
}

/** The value of bfloat16 bits: the upper half of a float32. */
export function bfloat16ToNumber(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16);
  return view.getFloat32(0);
}

const FORMAT_CODES: Record<string, [Kind, number | 'itemsize']> = {
  '?': ['bool', 1], c: ['bytes', 1], b: ['int', 1], B: ['uint', 1], h: ['int', 2], H: ['uint', 2], i: ['int', 4],
  I: ['uint', 4], l: ['int', 'itemsize'], L: ['uint', 'itemsize'], q: ['int', 8], Q: ['uint', 8], n: ['int', 'itemsize'],
  N: ['uint', 'itemsize'], P: ['uint', 'itemsize'], e: ['float', 2], f: ['float', 4], d: ['float', 8],
  u: ['str', 'itemsize'], w: ['str', 4],
};

/** A buffer-protocol format (struct syntax, one item): '@' and '=' are the recording machine's order (little). */
function formatType(format: string, itemsize: number): ElementType {
  const m = /^([@=<>!])?([a-zA-Z?])$/.exec(format);
  const code = m ? FORMAT_CODES[m[2]] : undefined;
  if (!m || !code) {
    return { kind: 'raw', size: itemsize, little: true, numpy: false, name: format, why: `the buffer format '${format}' is not decoded here` };
  }
  const size = code[1] === 'itemsize' ? itemsize : code[1];
  if (size !== itemsize || (code[0] !== 'str' && code[0] !== 'bytes' && ![1, 2, 4, 8].includes(size))) {
    return { kind: 'raw', size: itemsize, little: true, numpy: false, name: format, why: `format '${format}' with ${itemsize}-byte items` };
  }
  return { kind: code[0], size, little: m[1] !== '>' && m[1] !== '!', numpy: false, name: format };
}

function scalarTypeOf(t: ElementType): string {
  if (!t.numpy) {
    return t.kind === 'float' ? 'float' : t.kind === 'bool' ? 'bool' : t.kind === 'bytes' ? 'bytes'
      : t.kind === 'str' ? 'str' : t.kind === 'raw' ? 'bytes' : 'int';
  }
  switch (t.kind) {
    case 'bool': return 'numpy.bool_';
    case 'bytes': return 'numpy.bytes_';
    case 'str': return 'numpy.str_';
    case 'raw': return 'numpy.void';
    default: return `numpy.${t.name}`;
  }
}

function intReader(t: ElementType): (data: Buffer, at: number) => number | bigint {
  const signed = t.kind === 'int';
  switch (t.size) {
    case 1: return signed ? (d, at) => d.readInt8(at) : (d, at) => d[at];
    case 2: return t.little ? (signed ? (d, at) => d.readInt16LE(at) : (d, at) => d.readUInt16LE(at))
      : (signed ? (d, at) => d.readInt16BE(at) : (d, at) => d.readUInt16BE(at));
    case 4: return t.little ? (signed ? (d, at) => d.readInt32LE(at) : (d, at) => d.readUInt32LE(at))
      : (signed ? (d, at) => d.readInt32BE(at) : (d, at) => d.readUInt32BE(at));
    default: return t.little ? (signed ? (d, at) => d.readBigInt64LE(at) : (d, at) => d.readBigUInt64LE(at))
      : (signed ? (d, at) => d.readBigInt64BE(at) : (d, at) => d.readBigUInt64BE(at));
  }
}

function floatReader(size: number, little: boolean): (data: Buffer, at: number) => number {
  if (size === 2) return little ? (d, at) => float16ToNumber(d.readUInt16LE(at)) : (d, at) => float16ToNumber(d.readUInt16BE(at));
  if (size === 4) return little ? (d, at) => d.readFloatLE(at) : (d, at) => d.readFloatBE(at);
  return little ? (d, at) => d.readDoubleLE(at) : (d, at) => d.readDoubleBE(at);
}

function decoderOf(t: ElementType): (data: Buffer, at: number) => ElementValue {
  switch (t.kind) {
    case 'bool': return (d, at) => ({ t: 'bool', v: d[at] !== 0 });
    case 'int': case 'uint': {
      const read = intReader(t);
      return (d, at) => ({ t: 'int', v: read(d, at) });
    }
    case 'bfloat16':
      // Shown with float32's shortest digits: every bfloat16 is exactly a float32.
      return (d, at) => ({ t: 'float', v: bfloat16ToNumber(t.little ? d.readUInt16LE(at) : d.readUInt16BE(at)), width: 32 });
    case 'float': {
      const read = floatReader(t.size, t.little);
      // A buffer-protocol float reads as a Python float: its repr is the double's (array('f') shows 0.10000000149011612).
      const width = (t.numpy ? t.size * 8 : 64) as FloatWidth;
      return (d, at) => ({ t: 'float', v: read(d, at), width });
    }
    case 'complex': {
      const half = t.size / 2;
      const read = floatReader(half, t.little);
      const width = (half * 8) as FloatWidth;
      return (d, at) => ({ t: 'complex', re: read(d, at), im: read(d, at + half), width });
    }
    case 'bytes':
      // numpy's bytes_ drops trailing NULs; a 'c' item is one byte as is.
      return t.numpy ? (d, at) => ({ t: 'bytes', v: trimTrailing(d.subarray(at, at + t.size), 1) })
        : (d, at) => ({ t: 'bytes', v: d.subarray(at, at + t.size) });
    case 'str':
      return (d, at) => ({ t: 'str', v: decodeChars(d.subarray(at, at + t.size), t.size === 2 ? 2 : 4, t.little, t.numpy) });
    default:
      return (d, at) => ({ t: 'raw', v: d.subarray(at, at + t.size) });
  }
}

function trimTrailing(bytes: Uint8Array, unit: number): Uint8Array {
  let end = bytes.length;
  while (end >= unit && bytes.subarray(end - unit, end).every((b) => b === 0)) end -= unit;
  return bytes.subarray(0, end);
}

function decodeChars(bytes: Buffer, unit: 2 | 4, little: boolean, dropNuls: boolean): string {
  const used = dropNuls ? trimTrailing(bytes, unit) : bytes;
  let out = '';
  for (let i = 0; i + unit <= used.length; i += unit) {
    const b = Buffer.from(used.buffer, used.byteOffset + i, unit);
    const code = unit === 2 ? (little ? b.readUInt16LE(0) : b.readUInt16BE(0)) : (little ? b.readUInt32LE(0) : b.readUInt32BE(0));
    out += code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  }
  return out;
}

/**
 * The codec of a layout's elements: its numpy dtype if any (a tensor's torch dtype numpy lacks), else its
 * buffer-protocol format ('B' by default). A tensor's elements are of type torch.Tensor in Python (`t[0]`).
 */
export function codecOf(layout: { dtype: string | null; format: string | null; itemsize: number; descr?: unknown; torchDtype?: string }): ElementCodec {
  let t: ElementType;
  const torchOnly = typeof layout.descr === 'string' ? torchOnlyType(layout.descr, layout.itemsize) : undefined;
  if (torchOnly) t = torchOnly;
  else if (layout.descr) {
    t = { kind: 'raw', size: layout.itemsize, little: true, numpy: true, name: layout.dtype ? `'${layout.dtype}'` : 'structured',
      why: 'structured dtypes are shown as raw bytes (their fields are not decoded here)' };
  } else if (layout.dtype) t = numpyType(layout.dtype, layout.itemsize);
  else t = formatType(layout.format ?? 'B', layout.itemsize);
  const decode = decoderOf(t);
  const scalarType = layout.torchDtype ? 'torch.Tensor' : scalarTypeOf(t);
  return { name: t.name, itemsize: t.size, scalarType, supported: t.kind !== 'raw', why: t.why, decode };
}

/** Python's complex repr of two parts (no '.0', parentheses unless the real part is +0). */
function complexRepr(re: number, im: number, width: FloatWidth): string {
  const part = (x: number) => floatRepr(x, width).replace(/\.0$/, '');
  const imText = `${part(im)}j`;
  if (re === 0 && !Object.is(re, -0)) return imText;
  const sign = im < 0 || Object.is(im, -0) ? '' : '+'; // the part's own '-' stands in for it
  return `(${part(re)}${sign}${imText})`;
}

/** One element as Python / numpy print it: str() of the numpy scalar, or repr() of the Python value. */
export function elementRepr(v: ElementValue): string {
  switch (v.t) {
    case 'bool': return v.v ? 'True' : 'False';
    case 'int': return String(v.v);
    case 'float': return floatRepr(v.v, v.width);
    case 'complex': return complexRepr(v.re, v.im, v.width);
    case 'bytes': return bytesRepr(v.v);
    case 'str': return strRepr(v.v);
    case 'raw': return `<raw ${Buffer.from(v.v).toString('hex')}>`;
  }
}
