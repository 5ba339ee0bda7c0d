// Element decoding and rendering of recorded buffers against real numpy (Debian's /usr/bin/python3 with
// python3-numpy; skipped with the reason without it): every dtype and byte order, float32/float16 shortest
// reprs, numpy's array repr (padding aside), views with strides, negative strides and offsets.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { bufferRepr, dtypeRepr } from '../../adapter/timeline/array-repr';
import { codecOf, elementRepr } from '../../adapter/timeline/buffer-elements';
import { BufferLayout, indexView, positionOf, positionsOf, viewOf } from '../../adapter/timeline/buffer-layout';
import { float16ToNumber, floatRepr, toFloat16Bits } from '../../adapter/timeline/narrow-float-repr';
import { NUMPY_PYTHON, numpySkipReason } from '../dap/support/paths';

const skip = numpySkipReason();

function numpy(script: string): string {
  return execFileSync(NUMPY_PYTHON, ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function layoutOf(o: { dtype: string | null; format?: string | null; shape: number[]; strides: number[]; itemsize: number; offset?: number; type?: string }): BufferLayout {
  return {
    objectId: 1, since: 0, region: 1, type: o.type ?? 'numpy.ndarray', dtype: o.dtype, descr: null, format: o.format ?? null,
    shape: o.shape, strides: o.strides, itemsize: o.itemsize, offset: o.offset ?? 0, nbytes: 0, regionBytes: 0, tier: 'full', snapshots: 'always',
  };
}

const noWhitespace = (s: string) => s.replace(/\s+/g, '');

interface Case { dtype: string; shape: number[]; strides: number[]; itemsize: number; offset: number; hex: string; reprs: string[]; repr: string; dtypeRepr: string }

/** Arrays made by numpy (random values of every dtype, views), with numpy's own repr of each element and of the array. */
const CASES_SCRIPT = String.raw`
import json, sys
import numpy as np
np.set_printoptions(linewidth=10**9)
np.seterr(over="ignore")  # float16 casts of large values overflow to inf on purpose
rng = np.random.default_rng(20261201)
out = []
def emit(a):
    base = a
    while isinstance(base.base, np.ndarray):
        base = base.base
    offset = a.__array_interface__['data'][0] - base.__array_interface__['data'][0]
    out.append({"dtype": a.dtype.str, "shape": list(a.shape), "strides": list(a.strides), "itemsize": a.itemsize,
                "offset": offset, "hex": base.tobytes().hex(), "reprs": [repr(x) for x in a.ravel()], "repr": repr(a),
                "dtypeRepr": repr(a.dtype)})
floats = np.concatenate([rng.standard_normal(30) * 10.0 ** rng.integers(-6, 8, 30), [0.0, -0.0, 1.0, 0.1, 1/3, 65504, 1e-5, 2.5]])
for t in ["<f8", ">f8", "<f4", ">f4", "<f2", ">f2"]:
    emit(floats.astype(t))
    emit(rng.standard_normal(12).astype(t))  # positional mode
    emit(np.array([1.0, 2.5, 3.25, -7.0], dtype=t))
    emit((rng.standard_normal(8) * 1e9).astype(t))  # scientific mode
emit(np.array([np.nan, np.inf, -np.inf, 1.5], dtype="<f8"))
for t in ["<i1", "<i2", ">i2", "<i4", ">i4", "<i8", ">i8", "|u1", "<u2", ">u4", "<u8"]:
    info = np.iinfo(t)
    emit(np.array([info.min, info.max, 0, 1, -1 if info.min < 0 else 7, 12345 % (int(info.max) + 1)], dtype=t))
emit(np.array([True, False, True]))
for t in ["<c8", ">c16", "<c16"]:
    emit(np.array([1 + 2j, -1j, 3.5, complex(0.1, -2.5), complex(-0.0, 0.0)], dtype=t))
emit(np.array([b"ab", b"xyz", b""], dtype="|S3"))
emit(np.array(["ab", "\u00e9", ""], dtype="<U2"))
m = np.arange(24, dtype="<f4").reshape(4, 6) / 4
emit(m)
emit(m.T)
emit(m[::-1, ::2])
emit(m[1:3, 2:5])
emit(m[:, ::-1][2])
emit(np.arange(2000, dtype="<i4"))          # numpy's threshold: summarised with edge items
emit(np.arange(2400, dtype="<f8").reshape(40, 60)[::3, 5:])
emit(np.array(0.5, dtype="<f4")); emit(np.array(5.0))  # 0-d
json.dump(out, sys.stdout)
`;

test('elements and arrays read from bytes print as numpy prints them (every dtype, byte order, view)', { skip }, () => {
  const cases = JSON.parse(numpy(CASES_SCRIPT)) as Case[];
  assert.ok(cases.length > 40);
  for (const c of cases) {
    const layout = layoutOf({ dtype: c.dtype, shape: c.shape, strides: c.strides, itemsize: c.itemsize, offset: c.offset });
    const codec = codecOf(layout);
    const data = Buffer.from(c.hex, 'hex');
    const view = viewOf(layout);
    const positions = positionsOf(view);
    const reprs = Array.from(positions, (at) => elementRepr(codec.decode(data, at)));
    assert.deepEqual(reprs, c.reprs, `elements of ${c.dtype} ${JSON.stringify(c.shape)} strides ${JSON.stringify(c.strides)}`);
    assert.equal(noWhitespace(bufferRepr(layout, codec, data, view, Infinity)!), noWhitespace(c.repr), `repr of ${c.dtype} ${JSON.stringify(c.shape)}`);
    assert.equal(dtypeRepr(layout, codec), c.dtypeRepr);
  }
});

test('float32 and float16 print their shortest round-trip digits, as numpy does', { skip }, () => {
  const out = JSON.parse(numpy(String.raw`
import json, sys
import numpy as np
np.seterr(over="ignore", invalid="ignore")
rng = np.random.default_rng(7)
bits32 = rng.integers(0, 2**32, 4000, dtype=np.uint64).astype(np.uint32)
f32 = bits32.view(np.float32)
f32 = f32[np.isfinite(f32)]
bits16 = np.arange(0, 2**16, 7, dtype=np.uint32).astype(np.uint16)
f16 = bits16.view(np.float16)
f16 = f16[np.isfinite(f16)]
json.dump({"f32": [[float(x), repr(x)] for x in f32], "f16": [[int(b), float(x), repr(x)] for b, x in zip(f16.view(np.uint16), f16)]}, sys.stdout)
`)) as { f32: Array<[number, string]>; f16: Array<[number, number, string]> };
  for (const [x, text] of out.f32) assert.equal(floatRepr(x, 32), text, `float32 ${x}`);
  for (const [bits, x, text] of out.f16) {
    assert.equal(float16ToNumber(bits), x, `float16 bits ${bits}`);
    assert.equal(toFloat16Bits(x), bits, `float16 of ${x}`);
    assert.equal(floatRepr(x, 16), text, `float16 ${x}`);
  }
});

test('buffer-protocol formats decode as Python reads them (bytearray, array.array typecodes)', () => {
  const data = Buffer.alloc(16);
  data.writeDoubleLE(0.1, 0);
  data.writeFloatLE(0.1, 8);
  data.writeInt16LE(-2, 12);
  data.writeUInt16LE(0x263a, 14);
  const read = (format: string, itemsize: number, at: number) => elementRepr(codecOf({ dtype: null, format, itemsize }).decode(data, at));
  assert.equal(read('d', 8, 0), '0.1');
  assert.equal(read('f', 4, 8), '0.10000000149011612', "array('f') items read back as Python floats (doubles)");
  assert.equal(read('h', 2, 12), '-2');
  assert.equal(read('<h', 2, 12), '-2');
  assert.equal(read('>H', 2, 12), String(0xfeff));
  assert.equal(read('B', 1, 12), '254');
  assert.equal(read('b', 1, 12), '-2');
  assert.equal(read('u', 2, 14), "'\u263a'");
  assert.equal(read('?', 1, 12), 'True');
  const unknown = codecOf({ dtype: null, format: 'T{i:x:}', itemsize: 4 });
  assert.equal(unknown.supported, false);
  assert.match(unknown.why!, /format 'T\{i:x:\}' is not decoded/);
  assert.equal(elementRepr(unknown.decode(data, 12)), '<raw feff3a26>');
  const structured = codecOf({ dtype: '|V12', format: null, itemsize: 12, descr: [['a', '<i4'], ['b', '<f8']] });
  assert.equal(structured.supported, false);
  assert.match(structured.why!, /structured dtypes are shown as raw bytes/);
});

test('bytearray and array.array reprs as Python prints them, cut with a marker', () => {
  const bytes = Buffer.from('hi\t\'"\x00\xff', 'latin1');
  const ba = layoutOf({ dtype: null, format: 'B', type: 'bytearray', shape: [bytes.length], strides: [1], itemsize: 1 });
  assert.equal(bufferRepr(ba, codecOf(ba), bytes, viewOf(ba)), "bytearray(b'hi\\t\\'\"\\x00\\xff')");
  assert.equal(bufferRepr(ba, codecOf(ba), bytes, viewOf(ba), 3), "bytearray(b'hi\\t'\u2026)");
  const doubles = Buffer.alloc(16);
  doubles.writeDoubleLE(1, 0);
  doubles.writeDoubleLE(2.5, 8);
  const ad = layoutOf({ dtype: null, format: 'd', type: 'array.array', shape: [2], strides: [8], itemsize: 8 });
  assert.equal(bufferRepr(ad, codecOf(ad), doubles, viewOf(ad)), "array('d', [1.0, 2.5])");
  assert.equal(bufferRepr(ad, codecOf(ad), doubles, { offset: 0, shape: [0], strides: [8] }), "array('d')");
  const mv = layoutOf({ dtype: null, format: 'B', type: 'memoryview', shape: [2], strides: [1], itemsize: 1 });
  assert.equal(bufferRepr(mv, codecOf(mv), bytes, viewOf(mv)), undefined, 'a memoryview keeps its recorded display');
});

test('views: integer and slice indexing follow numpy (negative strides, offsets, bounds)', () => {
  const base = { offset: 8, shape: [4, 6], strides: [24, 4] };
  const reversed = indexView(base, [{ step: -1 }, { start: 1, step: 2 }]);
  assert.deepEqual(reversed, { offset: 8 + 3 * 24 + 4, shape: [4, 3], strides: [-24, 8] });
  assert.equal(positionOf(reversed, 4), 8 + 2 * 24 + 4 + 8, 'row 1 of the reversed view is row 2, column 1 + 2');
  assert.deepEqual(indexView(base, [2]), { offset: 8 + 48, shape: [6], strides: [4] });
  assert.deepEqual(indexView(base, [-1, -1]), { offset: 8 + 3 * 24 + 5 * 4, shape: [], strides: [] });
  assert.deepEqual(indexView(base, [{ start: 10 }]).shape, [0, 6]);
  assert.throws(() => indexView(base, [4]), /IndexError: index 4 is out of bounds for axis 0 with size 4/);
  assert.throws(() => indexView(base, [0, 0, 0]), /too many indices for array: array is 2-dimensional, but 3 were indexed/);
  assert.throws(() => indexView(base, [{ step: 0 }]), /slice step cannot be zero/);
  assert.deepEqual(Array.from(positionsOf({ offset: 12, shape: [2, 2], strides: [-8, -4] })), [12, 8, 4, 0]);
});
