// Python's repr() of a float (CPython's float_repr_style 'short'): shortest round-trip digits, exponent form
// outside 1e-4 <= |x| < 1e16, '.0' on integral values, inf / -inf / nan, -0.0. Pure; knows nothing of files.

/**
 * The text CPython 3 prints for `repr(x)`. JavaScript's shortest round-trip digits (Number#toExponential
 * without an argument) are the same digits as CPython's dtoa mode 0; only the layout differs.
 */
export function pyFloatRepr(x: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  return layoutPyFloat(x < 0 ? '-' : '', (x < 0 ? -x : x).toExponential());
}

/**
 * Python's layout of a finite non-zero float given its digits as `d.ddde±N` (Number#toExponential form):
 * exponent form when the decimal point would sit before -4 or after 16 digits, else positional with '.0'.
 */
export function layoutPyFloat(sign: string, exp: string): string {
  const e = exp.indexOf('e');
  const mantissa = exp.slice(0, e);
  const exponent = Number(exp.slice(e + 1));
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa;
  if (exponent < -4 || exponent >= 16) {
    const tail = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const abs = exponent < 0 ? -exponent : exponent;
    return `${sign}${tail}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const point = exponent + 1;
  if (digits.length <= point) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
