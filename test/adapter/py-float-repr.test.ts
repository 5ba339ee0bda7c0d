// pyFloatRepr against real CPython: random doubles (random bit patterns), edge cases, powers of ten around the
// fixed/exponent boundaries, subnormals and integers near 2^53 must print exactly as Python's repr().
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { pyFloatRepr } from '../../adapter/timeline/py-float-repr';
import { referencePython, runPython } from './python';

const python = referencePython();

/** A deterministic PRNG (xorshift32), so a failure reproduces. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

function samples(): number[] {
  const out: number[] = [0, -0, Infinity, -Infinity, NaN, 1, -1, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 0.5, 1.5, 100, 1e15, 1e16, 1e17,
    9999999999999998, 1e16 - 2, 1e16 + 2, 0.0001, 0.00001, 0.00009999999999999999, 0.000123, 1.5e300, -1.5e300,
    1e-5, 1e-4, 1e-3, 123456789012345680000, 2 ** 53, 2 ** 53 + 2, 2 ** 53 - 1, -(2 ** 53), 2 ** 63, 2 ** 64, 2 ** -1074, -(2 ** -1074),
    2 ** -1022, 2 ** -1023, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, 5e-324, 2.2250738585072014e-308,
    3.141592653589793, 2.718281828459045, 1.7976931348623157e308, 1e21, 1e22, 1e23, 5e-7, 123.456, -0.001, 1234567.0, 12345678901234568];
  for (let e = -330; e <= 310; e++) {
    const p = Number(`1e${e}`);
    out.push(p, -p, p * 1.5, p * 9.999999999999998, p * 7 / 3);
  }
  for (let k = -1080; k <= 1030; k += 7) out.push(2 ** k, -(2 ** k) * 1.25);
  const next = xorshift(20261201);
  const view = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < 3000; i++) {
    view.setUint32(0, next());
    view.setUint32(4, next());
    out.push(view.getFloat64(0)); // any bit pattern: subnormals, huge, tiny, NaNs
  }
  for (let i = 0; i < 500; i++) out.push((next() / 2 ** 32) * 10 ** ((next() % 40) - 20)); // "ordinary" numbers
  for (let i = 0; i < 300; i++) out.push(next() * 1000 + (next() % 1000)); // integral values
  return out;
}

test('pyFloatRepr prints exactly what CPython repr() prints', { skip: !python && 'no CPython found to compare with' }, () => {
  const values = samples();
  const hex = values.map((v) => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return b.toString('hex');
  });
  const script = 'import struct, sys\nfor line in sys.stdin.read().split():\n    print(repr(struct.unpack(">d", bytes.fromhex(line))[0]))\n';
  const expected = runPython(python!, script, hex.join('\n')).trimEnd().split('\n');
  assert.equal(expected.length, values.length);
  const wrong: string[] = [];
  values.forEach((v, i) => {
    const got = pyFloatRepr(v);
    if (got !== expected[i]) wrong.push(`${hex[i]}: python ${expected[i]}, got ${got}`);
  });
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} of ${values.length} differ`);
  assert.ok(values.length > 3000);
});

test('pyFloatRepr layout: exponent form outside 1e-4 <= |x| < 1e16, .0 on integral values', () => {
  assert.equal(pyFloatRepr(1e16), '1e+16');
  assert.equal(pyFloatRepr(1e-5), '1e-05');
  assert.equal(pyFloatRepr(1.5e300), '1.5e+300');
  assert.equal(pyFloatRepr(0.0001), '0.0001');
  assert.equal(pyFloatRepr(9999999999999998), '9999999999999998.0');
  assert.equal(pyFloatRepr(-0), '-0.0');
  assert.equal(pyFloatRepr(2), '2.0');
  assert.equal(pyFloatRepr(NaN), 'nan');
  assert.equal(pyFloatRepr(-Infinity), '-inf');
  assert.equal(pyFloatRepr(5e-324), '5e-324');
});
