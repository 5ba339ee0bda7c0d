// torch's print style for recorded tensors' elements (torch/_tensor_str.py's _Formatter, default print options:
// precision 4, sci_mode None): all floats of a tensor share one mode — integers as '1.', fixed '0.1000', or
// scientific '1.0000e-05' when the magnitudes span more than 1000x, pass 1e8 or (fixed) go below 1e-4 — plus
// its dtype rules. Without torch's column padding. Pure; the digits are exact (round half to even, like Python).
import { ElementValue, elementRepr } from './buffer-elements';
import { dyadic } from './narrow-float-repr';

const PRECISION = 4;
/** torch omits `dtype=` for these (the default float dtype, its complex, int64, bool). */
const DEFAULT_TORCH_DTYPES = new Set(['torch.float32', 'torch.complex64', 'torch.int64', 'torch.bool']);

function nonFinite(x: number): string {
  return x !== x ? 'nan' : x > 0 ? 'inf' : '-inf';
}

/** |x| = num / den exactly. */
function fraction(x: number): [bigint, bigint] {
  const [m, e] = dyadic(Math.abs(x));
  return e >= 0 ? [m << BigInt(e), 1n] : [m, 1n << BigInt(-e)];
}

/** num / den rounded to an integer, halves to even (as CPython's float formatting). */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = 2n * (num % den);
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

/** Python's '{:.<digits>f}'.format(x). */
export function fixedText(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const [num, den] = fraction(x);
  const text = roundHalfEven(num * 10n ** BigInt(digits), den).toString().padStart(digits + 1, '0');
  return signOf(x) + (digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text);
}

/** Python's '{:.<digits>e}'.format(x). */
export function scientificText(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  if (x === 0) return `${signOf(x)}0${digits ? `.${'0'.repeat(digits)}` : ''}e+00`;
  const [num, den] = fraction(x);
  const atLeast = (e: number) => (e >= 0 ? num >= den * 10n ** BigInt(e) : num * 10n ** BigInt(-e) >= den);
  let e = Math.floor(Math.log10(Math.abs(x)));
  while (!atLeast(e)) e--;
  while (atLeast(e + 1)) e++;
  const scaled = (exponent: number) => {
    const shift = exponent - digits;
    return shift >= 0 ? roundHalfEven(num, den * 10n ** BigInt(shift)) : roundHalfEven(num * 10n ** BigInt(-shift), den);
  };
  let n = scaled(e);
  if (n === 10n ** BigInt(digits + 1)) n = scaled(++e);
  const text = n.toString();
  const exponent = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return `${signOf(x)}${text[0]}${digits ? `.${text.slice(1)}` : ''}e${exponent}`;
}

/** The shared format of a tensor's float values (_Formatter): '1.' integers, '0.1000' fixed or scientific. */
function floatTexts(values: number[]): string[] {
  let intMode = true;
  let min = Infinity;
  let max = 0;
  for (const v of values) {
    if (!Number.isFinite(v) || v === 0) continue;
    if (v !== Math.ceil(v)) intMode = false;
    const a = Math.abs(v);
    if (a < min) min = a;
    if (a > max) max = a;
  }
  const some = max > 0;
  const sci = some && (max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4));
  return values.map((v) => {
    if (sci) return scientificText(v, PRECISION);
    if (intMode) return Number.isFinite(v) ? `${fixedText(v, 0)}.` : nonFinite(v);
    return fixedText(v, PRECISION);
  });
}

/** The texts torch prints for these elements of one tensor (a complex one formats real and imaginary parts apart). */
export function torchElementTexts(values: ElementValue[]): string[] {
  const first = values[0];
  if (first?.t === 'float') return floatTexts(values.map((v) => (v as { v: number }).v));
  if (first?.t === 'complex') {
    const re = floatTexts(values.map((v) => (v as { re: number }).re));
    const im = floatTexts(values.map((v) => (v as { im: number }).im));
    return re.map((r, i) => `${r}${im[i].startsWith('-') || im[i].startsWith('+') ? '' : '+'}${im[i]}j`);
  }
  return values.map(elementRepr);
}

/** The `dtype=` part of a tensor's repr: omitted for the defaults, or (no elements) for float32 only. */
export function torchDtypeSuffix(torchDtype: string, empty: boolean): string {
  if (empty ? torchDtype === 'torch.float32' : DEFAULT_TORCH_DTYPES.has(torchDtype)) return '';
  return `, dtype=${torchDtype}`;
}
