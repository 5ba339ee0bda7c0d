// Recorded torch tensors read from bytes against real torch (Debian's /usr/bin/python3 with python3-torch;
// skipped with the reason without it): the layouts the recorder writes (buffer_layout.describe_tensor), every
// dtype (bfloat16 and complex32 too) decoded to torch's own element values, and torch's repr (its column padding
// aside): int / fixed / scientific float modes, dtype suffixes, empty and 0-d tensors, views, summaries.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { bufferRepr, dtypeRepr, shapeRepr } from '../../adapter/timeline/array-repr';
import { codecOf, elementRepr, ElementValue } from '../../adapter/timeline/buffer-elements';
import { BufferLayout, parseLayout, positionsOf, viewOf } from '../../adapter/timeline/buffer-layout';
import { fixedText, scientificText } from '../../adapter/timeline/torch-repr';
import { NUMPY_PYTHON, torchSkipReason } from '../dap/support/paths';

const skip = torchSkipReason();
const NATIVE = path.resolve(__dirname, '..', '..', '..', 'native');

function python(script: string): string {
  return execFileSync(NUMPY_PYTHON, ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONPATH: NATIVE } });
}

const noWhitespace = (s: string) => s.replace(/\s+/g, '');

interface Case { layout: string; offset: number; nbytes: number; hex: string; values: Array<number | boolean | [number, number]>; repr: string; dtype: string; shape: string }

/** Tensors made by torch, with the recorder's layout of each, its storage's bytes, its elements and torch's repr. */
const CASES_SCRIPT = String.raw`
import ctypes, json, math, sys, warnings
import torch
from watercodeflow.buffer_layout import describe_tensor
warnings.simplefilter("ignore")  # "ComplexHalf support is experimental"
torch.set_printoptions(linewidth=10**9)
torch.manual_seed(20261201)
out = []
def number(x):
    if isinstance(x, complex):
        return [x.real, x.imag]
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x
def emit(t):
    place, refused = describe_tensor(t, allow_empty=True)
    assert refused is None, refused
    layout = place.layout(1)
    flat = t.reshape(-1).tolist() if t.dim() else [t.item()]
    out.append({"layout": json.dumps(layout), "offset": place.offset, "nbytes": t.numel() * t.element_size(),
                "hex": ctypes.string_at(place.address, place.nbytes).hex() if place.nbytes else "",
                "values": [number(x) for x in flat], "repr": repr(t), "dtype": str(t.dtype), "shape": repr(t.shape)})
normal = torch.randn(30, dtype=torch.float64)
for dtype in (torch.float32, torch.float64, torch.float16, torch.bfloat16):
    emit((normal * 10.0 ** torch.randint(-6, 8, (30,))).to(dtype))  # scientific
    emit(torch.randn(12).to(dtype))  # fixed, 4 decimals
    emit(torch.tensor([1.0, 2.0, -7.0, 0.0, -0.0], dtype=dtype))  # integers: '1.'
    emit(torch.tensor([1.0, 20000.0], dtype=dtype))  # integers, scientific
    emit(torch.tensor([1.03125, 2.5, -0.00001, 0.0], dtype=dtype))  # a tie at 4 decimals, one below 1e-4
    emit(torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5], dtype=dtype))
    emit(torch.tensor([float("nan"), 0.0], dtype=dtype))
emit(torch.tensor([103125.0, 1.0]))  # a tie in scientific mode
for dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8):
    info = torch.iinfo(dtype)
    emit(torch.tensor([info.min, info.max, 0, 1, 7], dtype=dtype))
emit(torch.tensor([True, False, True]))
for dtype in (torch.complex64, torch.complex128, torch.complex32):
    emit(torch.tensor([1 + 2j, -1j, 3.5, complex(0.1, -2.5), complex(-0.0, 0.0)], dtype=dtype))
m = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 4
emit(m); emit(m.t()); emit(m[::2, 1::2]); emit(m[1:3, 2:5]); emit(m[2])
emit(torch.arange(2000, dtype=torch.int32))  # torch's threshold: summarised with edge items
emit(torch.arange(2400, dtype=torch.float64).reshape(40, 60) / 7)
emit(torch.tensor(0.5)); emit(torch.tensor(5.0)); emit(torch.tensor(3)); emit(torch.tensor(0.25, dtype=torch.float64))
emit(torch.zeros(0)); emit(torch.zeros(0, 3)); emit(torch.zeros(0, dtype=torch.int64))
json.dump(out, sys.stdout)
`;

function same(v: ElementValue, expected: number | boolean | string | [number, number]): boolean {
  const num = (x: number | string) => (typeof x === 'string' ? Number(x.replace('inf', 'Infinity')) : x);
  if (v.t === 'complex') return Array.isArray(expected) && Object.is(v.re, expected[0]) && Object.is(v.im, expected[1]);
  if (v.t === 'float') return typeof expected === 'string' && expected === 'nan' ? v.v !== v.v : Object.is(v.v, num(expected as number | string));
  if (v.t === 'int') return Number(v.v) === expected;
  if (v.t === 'bool') return v.v === expected;
  return false;
}

test('tensors read from bytes are torch\'s own elements and print as torch prints them', { skip }, () => {
  const cases = JSON.parse(python(CASES_SCRIPT)) as Case[];
  assert.ok(cases.length > 40);
  for (const c of cases) {
    const layout = parseLayout(1, 0, c.offset, c.nbytes, c.layout) as BufferLayout;
    const label = `${c.dtype} ${c.shape}: ${c.repr.slice(0, 120)}`;
    assert.ok(layout, label);
    const codec = codecOf(layout);
    assert.ok(codec.supported, label);
    const data = Buffer.from(c.hex, 'hex');
    const view = viewOf(layout);
    const positions = c.values.length ? positionsOf(view) : [];
    Array.from(positions).forEach((at, i) => {
      const got = codec.decode(data, at);
      if (!same(got, c.values[i])) assert.fail(`${label}: element ${i} is ${elementRepr(got)}, torch says ${JSON.stringify(c.values[i])}`);
    });
    assert.equal(noWhitespace(bufferRepr(layout, codec, data, view, Infinity)!), noWhitespace(c.repr), label);
    assert.equal(dtypeRepr(layout, codec), c.dtype);
    assert.equal(shapeRepr(layout, layout.shape), c.shape);
  }
});

test('fixed and scientific digits are exact, halves to even, as Python formats floats', { skip }, () => {
  const values = [0, -0, 1.03125, 2.5, 0.5, 1.5, -1.03125, 0.00005, 0.123456789, 123456.789, 1e-320, 5e-324, 1.7976931348623157e308,
    103125, 9.99995, 9.99985, 0.99995, 1e21, 123.45675, 2 ** 60 + 2 ** 8, -7.5e-7];
  const texts = values.map((x) => (Object.is(x, -0) ? '-0.0' : String(x)));
  const expected = JSON.parse(python(`import json; v = [float(s) for s in ${JSON.stringify(texts)}]
print(json.dumps([["{:.4f}".format(x), "{:.0f}".format(x), "{:.4e}".format(x), "{:.0e}".format(x)] for x in v]))`)) as string[][];
  values.forEach((x, i) => {
    assert.deepEqual([fixedText(x, 4), fixedText(x, 0), scientificText(x, 4), scientificText(x, 0)], expected[i], `${x}`);
  });
});
