// Floats of numpy's narrow types and numpy's array layout of float elements: the shortest digits that read back
// in float32 / float16 (numpy prints np.float32(0.1) as 0.1), half-precision decoding, and the trimmed
// positional / scientific texts of numpy's array repr (floatmode 'maxprec', precision 8). Pure.
import { layoutPyFloat } from './py-float-repr';

export type FloatWidth = 16 | 32 | 64;

/** The value of IEEE-754 binary16 bits. */
export function float16ToNumber(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  let value: number;
  if (exponent === 0) value = fraction * 2 ** -24;
  else if (exponent === 0x1f) value = fraction ? NaN : Infinity;
  else value = (1 + fraction / 1024) * 2 ** (exponent - 15);
  return bits & 0x8000 ? -value : value;
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const rest = v - floor;
  if (rest !== 0.5) return rest < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The binary16 bits nearest to `x` (ties to even), as numpy's float64 -> float16 cast. */
export function toFloat16Bits(x: number): number {
  if (x !== x) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // past the largest half (65504) by at least half a unit: inf
  if (a < 2 ** -14) return sign | roundHalfEven(a / 2 ** -24); // subnormal; 1024 encodes the smallest normal
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let f = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (f === 1024) { f = 0; e++; }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | f;
}

function readsBack(text: string, x: number, width: FloatWidth): boolean {
  const v = Number(text);
  if (width === 32) return Math.fround(v) === x;
  return float16ToNumber(toFloat16Bits(v)) === x;
}

/** x as an exact fraction: [m, e] with x = m · 2^e (x finite, non-negative). */
export function dyadic(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  const mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  return biased === 0 ? [mantissa, -1074] : [mantissa | (1n << 52n), biased - 1075];
}

/** True when x (> 0) lies exactly halfway between the decimals d·10^k and (d + 1)·10^k. */
function isHalfway(x: number, d: bigint, k: number): boolean {
  const [m, e] = dyadic(x);
  // 2 · m · 2^e == (2d + 1) · 10^k, both sides scaled to integers.
  let left = 2n * m;
  let right = 2n * d + 1n;
  if (e >= 0) left <<= BigInt(e); else right <<= BigInt(-e);
  if (k >= 0) right *= 10n ** BigInt(k); else left *= 10n ** BigInt(-k);
  return left === right;
}

/**
 * `text` (x rounded to some digits, Number#toExponential form, halves rounded up) with an exact half rounded
 * to the even digit instead, as numpy's Dragon4 and CPython's dtoa do.
 */
function halfToEven(x: number, text: string): string {
  const e = text.indexOf('e');
  const digits = text.slice(0, e).replace('.', '');
  const last = Number(digits[digits.length - 1]);
  if (last % 2 === 0) return text;
  const exponent = Number(text.slice(e + 1)) - (digits.length - 1);
  const lower = BigInt(digits) - 1n;
  if (!isHalfway(x, lower, exponent)) return text;
  const lowered = String(lower).padStart(digits.length, '0');
  if (lowered.length !== digits.length) return text;
  return `${lowered[0]}${lowered.length > 1 ? `.${lowered.slice(1)}` : ''}e${text.slice(e + 1)}`;
}

/** The shortest digits (Number#toExponential form) that read back as `x` in `width`; `x` finite, > 0. */
export function shortestExp(x: number, width: FloatWidth): string {
  if (width === 64) return x.toExponential();
  const most = width === 32 ? 9 : 5;
  for (let digits = 1; digits < most; digits++) {
    const text = halfToEven(x, x.toExponential(digits - 1));
    if (readsBack(text, x, width)) return text;
  }
  return halfToEven(x, x.toExponential(most - 1));
}

/** str() of a numpy float of `width` (and Python's repr() for 64): shortest digits, Python's layout. */
export function floatRepr(x: number, width: FloatWidth): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  return layoutPyFloat(x < 0 ? '-' : '', shortestExp(Math.abs(x), width));
}

const PRECISION = 8;

/** Digits after the point of a toExponential text's mantissa. */
function fractionDigits(exp: string): number {
  const dot = exp.indexOf('.');
  return dot < 0 ? 0 : exp.indexOf('e') - dot - 1;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '') : `${text}.`;
}

function positional(x: number, width: FloatWidth): string {
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const a = Math.abs(x);
  if (a === 0) return `${sign}0.`;
  const exp = shortestExp(a, width);
  const exponent = Number(exp.slice(exp.indexOf('e') + 1));
  const decimals = Math.max(0, fractionDigits(exp) - exponent);
  return sign + trimZeros(a.toFixed(Math.min(decimals, PRECISION)));
}

/** A finite value's mantissa digits ('d' or 'd.ddd', at most PRECISION after the point) and exponent. */
function mantissaAndExponent(x: number, width: FloatWidth): [string, number] {
  const a = Math.abs(x);
  let exp = a === 0 ? '0e+0' : shortestExp(a, width);
  if (fractionDigits(exp) > PRECISION) exp = a.toExponential(PRECISION).replace(/0+e/, 'e').replace('.e', 'e');
  const e = exp.indexOf('e');
  return [exp.slice(0, e), Number(exp.slice(e + 1))];
}

/**
 * numpy's scientific texts: every mantissa with as many digits after the point as the longest needs (zeros
 * added), every exponent with as many digits as the longest (at least 2): [1.5e-05, 1.0e+00].
 */
function scientificTexts(values: ArrayLike<number>, width: FloatWidth): string[] {
  const parts: Array<[string] | undefined> = [];
  let digits = 0;
  let exponentDigits = 2;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) { parts.push(undefined); continue; }
    const [mantissa, exponent] = mantissaAndExponent(x, width);
    const dot = mantissa.indexOf('.');
    digits = Math.max(digits, dot < 0 ? 0 : mantissa.length - dot - 1);
    exponentDigits = Math.max(exponentDigits, String(Math.abs(exponent)).length);
    parts.push([x < 0 || Object.is(x, -0) ? '-' : '']);
  }
  return parts.map((part, i) => {
    if (!part) return nonFinite(values[i]);
    const a = Math.abs(values[i]);
    // numpy goes on past the shortest digits with the exact value's own (Dragon4 min_digits), not zeros.
    const exp = a === 0 ? `${(0).toFixed(digits)}e+0` : halfToEven(a, a.toExponential(digits));
    const e = exp.indexOf('e');
    const exponent = Number(exp.slice(e + 1));
    const mantissa = digits === 0 ? `${exp.slice(0, e)}.` : exp.slice(0, e);
    return `${part[0]}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(exponentDigits, '0')}`;
  });
}

function nonFinite(x: number): string {
  return x !== x ? 'nan' : x > 0 ? 'inf' : '-inf';
}

/**
 * The texts numpy's array repr gives these float elements (numpy's FloatingFormat with floatmode 'maxprec',
 * precision 8, trim '.'), without its column padding: scientific for all when the largest magnitude is
 * >= 1e8, the smallest non-zero < 1e-4, or their ratio > 1000; else positional, '1.' for integral values.
 */
export function numpyFloatTexts(values: ArrayLike<number>, width: FloatWidth): string[] {
  let max = 0;
  let min = Infinity;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a === 0 || !Number.isFinite(a)) continue;
    if (a > max) max = a;
    if (a < min) min = a;
  }
  if (max > 0 && (max >= 1e8 || min < 0.0001 || max / min > 1000)) return scientificTexts(values, width);
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) out.push(Number.isFinite(values[i]) ? positional(values[i], width) : nonFinite(values[i]));
  return out;
}
