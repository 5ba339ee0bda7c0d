// Evaluates parsed expressions against the recorded state of one frame at one step (names, attributes,
// items, slices, len/abs/min/max, arithmetic, comparisons, and/or/not; recorded arrays through
// buffer-values.ts). Never runs program code: anything that would (calls, properties, assignment) is refused
// with "cannot run code in a recording: …".
import { Recording } from '../timeline/recording';
import { renderValue, shortTypeName } from '../timeline/value-render';
import {
  asBuffer, bufferAttribute, bufferAttributeNames, bufferItems, bufferLength, bufferText, bufferTruthy, BufferValue,
  elementwiseComparison, indexBuffer, indexParts,
} from './buffer-values';
import { cannotRunCode, EvaluationError } from './errors';
import { Node, parseExpression } from './parser';
import { NONE, PyValue, reprOf, scalarFromRepr, typeNameOf } from './py-values';
import { unescape } from './tokenizer';

export interface EvaluationResult {
  value: PyValue;
  repr: string;
  type: string;
  /** The recorded value id when the result is a recorded value (so the UI can expand it). */
  valueId?: number;
  /** The buffer view when the result is a recorded array or a view of one (a[2:5], a[1]). */
  buffer?: BufferValue;
}

const BUILTINS = new Set(['len', 'abs', 'min', 'max', 'bool']);

export class RecordedEvaluator {
  private readonly scopes: number[];

  constructor(private readonly rec: Recording, private readonly step: number, private readonly frameId: number) {
    const locals = rec.frames.localsScope[frameId];
    const globals = rec.frames.globalsScope[frameId];
    this.scopes = [locals, globals].filter((s, i, all) => s > 0 && all.indexOf(s) === i);
  }

  /** The value only (no repr): what breakpoint conditions need, at many steps. */
  evaluateValue(expression: string): PyValue {
    return this.eval(parseExpression(expression));
  }

  evaluate(expression: string): EvaluationResult {
    const value = this.eval(parseExpression(expression));
    return {
      value,
      repr: this.repr(value),
      type: typeNameOf(value, (id) => this.rec.valueType(id) ?? 'object'),
      valueId: value.t === 'recorded' ? value.valueId : undefined,
      buffer: value.t === 'buffer' ? value : this.bufferOf(value),
    };
  }

  /**
   * What a data breakpoint on `expression` watches when it names part of a recorded buffer (`a`, `a[3]`,
   * `a[1, 2]`, `a[2:5]`): the buffer and the view of it; undefined for anything else.
   */
  bufferLocation(expression: string): BufferValue | undefined {
    const node = parseExpression(expression);
    if (node.k === 'index') {
      const buffer = this.bufferOf(this.eval(node.obj));
      if (!buffer) return undefined;
      const located = indexBuffer(this.rec, buffer, this.subscriptParts(node.index), this.step, true);
      return located.t === 'buffer' ? located : undefined;
    }
    return this.bufferOf(this.eval(node));
  }

  /** Names visible at this step (locals first, then globals), for completions. */
  visibleNames(): string[] {
    const seen = new Set<string>();
    for (const scope of this.scopeIds()) {
      for (const [nameId] of this.rec.scopeAt(scope, this.step)) seen.add(this.rec.names[nameId]);
    }
    return [...seen];
  }

  truthy(v: PyValue): boolean {
    switch (v.t) {
      case 'int': return v.v !== 0n;
      case 'float': return v.v !== 0;
      case 'bool': return v.v;
      case 'none': return false;
      case 'str': return v.v.length > 0;
      case 'seq': return v.items.length > 0;
      case 'buffer': return bufferTruthy(this.rec, v, this.step);
      case 'shown': return true;
      case 'recorded': {
        const buffer = this.bufferOf(v);
        if (buffer) return bufferTruthy(this.rec, buffer, this.step);
        const state = this.stateOf(v.valueId);
        const kind = this.kindOf(v.valueId);
        if (state && kind !== 'instance' && kind !== 'opaque') return state.length > 0;
        return true;
      }
    }
  }

  repr(v: PyValue): string {
    return reprOf(v, (id) => renderValue(this.rec, id, this.step), (b) => bufferText(this.rec, b, this.step));
  }

  /** A recorded buffer value, or undefined for anything else (and for buffers without buffer rows). */
  private bufferOf(v: PyValue): BufferValue | undefined {
    if (v.t === 'buffer') return v;
    return v.t === 'recorded' ? asBuffer(this.rec, v.valueId, this.step) : undefined;
  }

  /** The parts of `a[...]`: one item, or the items of `a[i, j:k]`. */
  private subscriptParts(index: Node) {
    const items = index.k === 'seq' && index.kind === 'tuple' ? index.items : [index];
    const values = items.map((item) => (item.k === 'slice'
      ? { slice: [item.lower && this.eval(item.lower), item.upper && this.eval(item.upper), item.step && this.eval(item.step)] as [PyValue | undefined, PyValue | undefined, PyValue | undefined] }
      : this.eval(item)));
    return indexParts(values, (v, what) => this.asInt(v, what));
  }

  private scopeIds(): number[] { return this.scopes; }

  private fromRecorded(valueId: number): PyValue {
    if (!valueId) return NONE;
    if (!this.rec.valObject[valueId]) {
      // A binary int or float needs no text: its number is the value (the display is made from it).
      const type = this.rec.valueType(valueId);
      const number = type === 'int' || type === 'float' ? this.rec.valueNumber(valueId) : undefined;
      if (number && number.isInt === (type === 'int')) return number.isInt ? { t: 'int', v: BigInt(number.n) } : { t: 'float', v: number.n };
      const repr = this.rec.valueRepr(valueId);
      const scalar = repr === null || repr === undefined ? undefined : scalarFromRepr(this.rec.valueType(valueId) ?? 'object', repr);
      if (scalar) return scalar;
    }
    return { t: 'recorded', valueId };
  }

  private kindOf(valueId: number): string | undefined {
    const objectId = this.rec.valObject[valueId];
    if (!objectId) return undefined;
    const repr = this.rec.valueRepr(valueId);
    if (repr !== null && repr !== undefined) return 'opaque';
    return this.rec.objects.get(objectId)?.kind ?? 'instance';
  }
  private stateOf(valueId: number) {
    const objectId = this.rec.valObject[valueId];
    return objectId ? this.rec.objectStateAt(objectId, this.step) : undefined;
  }
  private typeOf(v: PyValue): string { return typeNameOf(v, (id) => this.rec.valueType(id) ?? 'object'); }

  private eval(node: Node): PyValue {
    switch (node.k) {
      case 'const': return this.constant(node);
      case 'name': return this.lookup(node.id);
      case 'attr': return this.attribute(this.eval(node.obj), node.attr);
      case 'index': {
        const obj = this.eval(node.obj);
        const buffer = this.bufferOf(obj);
        if (buffer) return indexBuffer(this.rec, buffer, this.subscriptParts(node.index), this.step);
        if (node.index.k === 'slice') return this.slice(obj, node.index);
        return this.item(obj, this.eval(node.index));
      }
      case 'slice': throw new EvaluationError('a slice is only valid inside [ ]');
      case 'call': return this.call(node);
      case 'unary': return this.unary(node.op, this.eval(node.operand));
      case 'binary': return this.binary(node.op, this.eval(node.left), this.eval(node.right));
      case 'compare': {
        let left = this.eval(node.first);
        for (let i = 0; i < node.ops.length; i++) {
          const right = this.eval(node.rest[i]);
          if (!this.compare(node.ops[i], left, right)) return { t: 'bool', v: false };
          left = right;
        }
        return { t: 'bool', v: true };
      }
      case 'bool': {
        let last: PyValue = NONE;
        for (const n of node.values) {
          last = this.eval(n);
          const t = this.truthy(last);
          if (node.op === 'and' ? !t : t) return last;
        }
        return last;
      }
      case 'not': return { t: 'bool', v: !this.truthy(this.eval(node.operand)) };
      case 'ifexp': return this.truthy(this.eval(node.test)) ? this.eval(node.body) : this.eval(node.orelse);
      case 'seq': return { t: 'seq', kind: node.kind, items: node.items.map((n) => this.eval(n)) };
    }
  }

  private constant(node: Extract<Node, { k: 'const' }>): PyValue {
    switch (node.kind) {
      case 'int': return { t: 'int', v: BigInt(node.text) };
      case 'float': return { t: 'float', v: Number(node.text) };
      case 'str': return { t: 'str', v: node.value ?? '' };
      case 'bool': return { t: 'bool', v: node.text === 'True' };
      case 'none': return NONE;
      default: throw new EvaluationError(`${node.kind} literals are not supported in recorded expressions`);
    }
  }

  private lookup(name: string): PyValue {
    const nameId = this.rec.nameId(name);
    if (nameId !== undefined) {
      for (const scope of this.scopes) {
        const valueId = this.rec.bindingAt(scope, nameId, this.step);
        if (valueId) return this.fromRecorded(valueId);
      }
    }
    if (BUILTINS.has(name)) throw new EvaluationError(`'${name}' is a builtin function; call it, e.g. ${name}(x)`);
    throw new EvaluationError(`name '${name}' is not defined at step ${this.step}`);
  }

  private attribute(obj: PyValue, attr: string): PyValue {
    const buffer = this.bufferOf(obj);
    if (buffer) {
      const found = bufferAttribute(this.rec, buffer, attr, this.step);
      if (found) return found;
      const offered = bufferAttributeNames(this.rec, buffer, this.step);
      const list = offered.length > 1 ? `${offered.slice(0, -1).join(', ')} and ${offered[offered.length - 1]}` : offered.join('');
      throw cannotRunCode(`'${attr}' of a ${buffer.type} would run code${list ? `; recorded ${buffer.type} values offer ${list}` : ''}`);
    }
    if (obj.t === 'recorded') {
      const kind = this.kindOf(obj.valueId);
      const state = this.stateOf(obj.valueId);
      const type = shortTypeName(this.rec.valueType(obj.valueId) ?? 'object');
      if (kind === 'instance' && state) {
        if (state.cut === -1) throw new EvaluationError(`the attributes of this ${type} were not recorded (beyond the depth limit; the 'deep' mode records more)`);
        const child = this.rec.children(state).find(([k]) => k === attr);
        if (child) return this.fromRecorded(child[1]);
        throw new EvaluationError(`'${type}' object has no recorded attribute '${attr}'` +
          (state.cut > 0 ? ` (${state.cut} attributes were cut by the recording limit)` : ' (a property or method would need to run code)'));
      }
    }
    throw cannotRunCode(`'${attr}' of a ${this.typeOf(obj)} would be a method or property call; only recorded attributes of objects can be read`);
  }

  /** The items of a sequence-like value, or undefined when it is not one. Refuses cut containers. */
  private itemsOf(v: PyValue, what: string): PyValue[] | undefined {
    if (v.t === 'seq') return v.items;
    if (v.t === 'str') return [...v.v].map((c) => ({ t: 'str', v: c }));
    const buffer = this.bufferOf(v);
    if (buffer) return bufferItems(this.rec, buffer, this.step, what);
    if (v.t !== 'recorded') return undefined;
    const kind = this.kindOf(v.valueId);
    if (!kind || !['list', 'tuple', 'set', 'frozenset', 'dict'].includes(kind)) return undefined;
    const state = this.stateOf(v.valueId);
    if (!state) return undefined;
    if (state.cut !== 0) throw new EvaluationError(`${what} needs all items, but the recording kept only some of them (${state.length} items)`);
    const children = this.rec.children(state);
    if (kind === 'dict') return children.map(([k]) => this.keyFromRepr(String(k)));
    return children.map(([, id]) => this.fromRecorded(id));
  }

  private keyFromRepr(repr: string): PyValue {
    for (const type of ['int', 'str', 'float', 'bool', 'NoneType']) {
      const s = scalarFromRepr(type, repr);
      if (s) return s;
    }
    return { t: 'str', v: repr };
  }

  private item(obj: PyValue, index: PyValue): PyValue {
    if (obj.t === 'recorded' && this.kindOf(obj.valueId) === 'dict') {
      const state = this.stateOf(obj.valueId)!;
      const keyRepr = this.repr(index);
      const hit = this.rec.children(state).find(([k]) => String(k) === keyRepr);
      if (hit) return this.fromRecorded(hit[1]);
      throw new EvaluationError(`KeyError: ${keyRepr}${state.cut ? ' (not among the recorded items; the dict was cut by the recording limit)' : ''}`);
    }
    const i = this.asInt(index, 'index');
    const prefix = this.cutStringPrefix(obj);
    if (prefix !== undefined) {
      if (i < 0 || i >= [...prefix].length) throw new EvaluationError(`the recording kept only the first ${[...prefix].length} characters of this string`);
      return { t: 'str', v: [...prefix][i] };
    }
    if (obj.t === 'recorded' && ['list', 'tuple'].includes(this.kindOf(obj.valueId) ?? '')) {
      const state = this.stateOf(obj.valueId)!;
      const n = state.length;
      const at = i < 0 ? n + i : i;
      if (at < 0 || at >= n) throw new EvaluationError(`IndexError: index ${i} out of range (length ${n})`);
      const child = this.rec.children(state).find(([k]) => Number(k) === at);
      if (!child) throw new EvaluationError(`item ${at} was not recorded (the recording kept ${this.rec.children(state).length} of ${n} items)`);
      return this.fromRecorded(child[1]);
    }
    const items = this.itemsOf(obj, 'indexing');
    if (!items || (obj.t === 'recorded' && ['set', 'frozenset'].includes(this.kindOf(obj.valueId) ?? ''))) {
      throw new EvaluationError(`'${this.typeOf(obj)}' object is not subscriptable with recorded values`);
    }
    const at = i < 0 ? items.length + i : i;
    if (at < 0 || at >= items.length) throw new EvaluationError(`IndexError: index ${i} out of range (length ${items.length})`);
    return items[at];
  }

  /** The recorded beginning of a str whose repr was cut by maxRepr, or undefined for any other value. */
  private cutStringPrefix(v: PyValue): string | undefined {
    if (v.t !== 'recorded' || this.rec.valueType(v.valueId) !== 'str' || this.rec.valObject[v.valueId]) return undefined;
    const repr = this.rec.valueRepr(v.valueId);
    const m = repr ? /^(['"])([\s\S]*)\u2026$/.exec(repr) : null;
    if (!m) return undefined;
    // Drop a trailing escape that the cut split in half (e.g. "\x4" of "\x41").
    const body = m[2].replace(/\\(x[0-9a-fA-F]{0,1}|u[0-9a-fA-F]{0,3}|U[0-9a-fA-F]{0,7})?$/, '');
    return unescape(body);
  }

  private slice(obj: PyValue, node: Extract<Node, { k: 'slice' }>): PyValue {
    const prefix = this.cutStringPrefix(obj);
    if (prefix !== undefined) {
      const bound = (n?: Node) => (n ? this.asInt(this.eval(n), 'slice bound') : undefined);
      const lower = bound(node.lower) ?? 0;
      const upper = bound(node.upper);
      const step = node.step ? this.asInt(this.eval(node.step), 'slice step') : 1;
      if (lower < 0 || upper === undefined || upper < 0 || upper > prefix.length || step <= 0) {
        throw new EvaluationError(`the recording kept only the first ${prefix.length} characters of this string; slice within them (e.g. [0:${Math.min(10, prefix.length)}])`);
      }
      return this.slice({ t: 'str', v: prefix }, node);
    }
    const items = this.itemsOf(obj, 'slicing');
    if (!items) throw new EvaluationError(`'${this.typeOf(obj)}' object cannot be sliced`);
    const n = items.length;
    const step = node.step ? this.asInt(this.eval(node.step), 'slice step') : 1;
    if (step === 0) throw new EvaluationError('ValueError: slice step cannot be zero');
    const norm = (v: number | undefined, def: number): number => {
      if (v === undefined) return def;
      if (v < 0) v += n;
      return step > 0 ? Math.min(Math.max(v, 0), n) : Math.min(Math.max(v, -1), n - 1);
    };
    const lower = norm(node.lower ? this.asInt(this.eval(node.lower), 'slice bound') : undefined, step > 0 ? 0 : n - 1);
    const upper = norm(node.upper ? this.asInt(this.eval(node.upper), 'slice bound') : undefined, step > 0 ? n : -1);
    const out: PyValue[] = [];
    for (let i = lower; step > 0 ? i < upper : i > upper; i += step) out.push(items[i]);
    if (obj.t === 'str') return { t: 'str', v: out.map((c) => (c as { v: string }).v).join('') };
    const kind = obj.t === 'seq' ? obj.kind : this.kindOf((obj as { valueId: number }).valueId) === 'tuple' ? 'tuple' : 'list';
    return { t: 'seq', kind, items: out };
  }

  private call(node: Extract<Node, { k: 'call' }>): PyValue {
    const fn = node.fn.k === 'name' ? node.fn.id : undefined;
    if (!fn || !BUILTINS.has(fn)) {
      const what = node.fn.k === 'name' ? `${node.fn.id}()` : node.fn.k === 'attr' ? `.${node.fn.attr}()` : 'the call';
      throw cannotRunCode(`calling ${what} would run code; only len(), abs(), min(), max() and bool() of recorded values are available`);
    }
    const args = node.args.map((a) => this.eval(a));
    if (fn === 'len') {
      if (args.length !== 1) throw new EvaluationError('len() takes exactly one argument');
      const v = args[0];
      if (v.t === 'str') return { t: 'int', v: BigInt([...v.v].length) };
      if (v.t === 'seq') return { t: 'int', v: BigInt(v.items.length) };
      const buffer = this.bufferOf(v);
      if (buffer) return { t: 'int', v: BigInt(bufferLength(buffer)) };
      if (v.t === 'recorded') {
        const kind = this.kindOf(v.valueId);
        const state = this.stateOf(v.valueId);
        if (state && kind && kind !== 'instance' && kind !== 'opaque') return { t: 'int', v: BigInt(state.length) };
      }
      throw new EvaluationError(`object of type '${this.typeOf(v)}' has no recorded len()`);
    }
    if (fn === 'bool') return { t: 'bool', v: args.length ? this.truthy(args[0]) : false };
    if (fn === 'abs') {
      if (args.length !== 1) throw new EvaluationError('abs() takes exactly one argument');
      return this.unary('abs', args[0]);
    }
    const pool = args.length === 1 ? this.itemsOf(args[0], `${fn}()`) : args;
    if (!pool || pool.length === 0) throw new EvaluationError(`${fn}() needs a non-empty sequence or several arguments`);
    return pool.reduce((best, v) => (this.compare(fn === 'min' ? '<' : '>', v, best) ? v : best));
  }

  private asNumber(v: PyValue): { int?: bigint; float?: number } | undefined {
    if (v.t === 'int') return { int: v.v };
    if (v.t === 'bool') return { int: v.v ? 1n : 0n };
    if (v.t === 'float') return { float: v.v };
    return undefined;
  }
  private asInt(v: PyValue, what: string): number {
    const n = this.asNumber(v);
    if (!n || n.int === undefined) throw new EvaluationError(`TypeError: ${what} must be an integer, not '${this.typeOf(v)}'`);
    return Number(n.int);
  }

  private unary(op: string, v: PyValue): PyValue {
    const n = this.asNumber(v);
    if (!n) throw new EvaluationError(`TypeError: bad operand type for ${op === 'abs' ? 'abs()' : `unary ${op}`}: '${this.typeOf(v)}'`);
    if (n.int !== undefined) {
      if (op === '-') return { t: 'int', v: -n.int };
      if (op === '+') return { t: 'int', v: n.int };
      if (op === '~') return { t: 'int', v: -n.int - 1n };
      return { t: 'int', v: n.int < 0n ? -n.int : n.int };
    }
    if (op === '~') throw new EvaluationError("TypeError: bad operand type for unary ~: 'float'");
    const f = n.float!;
    return { t: 'float', v: op === '-' ? -f : op === '+' ? f : Math.abs(f) };
  }

  private binary(op: string, a: PyValue, b: PyValue): PyValue {
    const x = this.asNumber(a);
    const y = this.asNumber(b);
    if (x && y) {
      if (x.int !== undefined && y.int !== undefined) return intOp(op, x.int, y.int);
      return floatOp(op, x.float ?? Number(x.int), y.float ?? Number(y.int));
    }
    if (op === '+' && a.t === 'str' && b.t === 'str') return { t: 'str', v: a.v + b.v };
    if (op === '*' && ((a.t === 'str' && y?.int !== undefined) || (b.t === 'str' && x?.int !== undefined))) {
      const s = a.t === 'str' ? a.v : (b as { v: string }).v;
      const count = Number(a.t === 'str' ? y!.int : x!.int);
      if (count * s.length > 100000) throw new EvaluationError('result too large');
      return { t: 'str', v: s.repeat(Math.max(0, count)) };
    }
    if (op === '+') {
      const left = this.itemsOf(a, 'concatenation');
      const right = this.itemsOf(b, 'concatenation');
      const kind = (v: PyValue) => (v.t === 'seq' ? v.kind : v.t === 'recorded' ? this.kindOf(v.valueId) : undefined);
      if (left && right && kind(a) === kind(b) && (kind(a) === 'list' || kind(a) === 'tuple')) {
        return { t: 'seq', kind: kind(a) as 'list' | 'tuple', items: [...left, ...right] };
      }
    }
    throw new EvaluationError(`TypeError: unsupported operand type(s) for ${op}: '${this.typeOf(a)}' and '${this.typeOf(b)}'`);
  }

  private compare(op: string, a: PyValue, b: PyValue): boolean {
    switch (op) {
      case '==': return this.equal(a, b);
      case '!=': return !this.equal(a, b);
      case 'is': return this.identical(a, b);
      case 'is not': return !this.identical(a, b);
      case 'in': case 'not in': {
        let found: boolean;
        if (b.t === 'str') {
          if (a.t !== 'str') throw new EvaluationError(`TypeError: 'in <string>' requires string as left operand, not ${this.typeOf(a)}`);
          found = b.v.includes(a.v);
        } else {
          const items = this.itemsOf(b, `'${op}'`);
          if (!items) throw new EvaluationError(`TypeError: argument of type '${this.typeOf(b)}' is not iterable with recorded values`);
          found = items.some((i) => this.equal(a, i));
        }
        return op === 'in' ? found : !found;
      }
    }
    const x = this.asNumber(a);
    const y = this.asNumber(b);
    let c: number;
    if (x && y) {
      if (x.int !== undefined && y.int !== undefined) c = x.int < y.int ? -1 : x.int > y.int ? 1 : 0;
      else {
        const p = x.float ?? Number(x.int);
        const q = y.float ?? Number(y.int);
        if (Number.isNaN(p) || Number.isNaN(q)) return false;
        c = p < q ? -1 : p > q ? 1 : 0;
      }
    } else if (a.t === 'str' && b.t === 'str') c = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
    else throw new EvaluationError(`TypeError: '${op}' not supported between instances of '${this.typeOf(a)}' and '${this.typeOf(b)}'`);
    return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
  }

  private identical(a: PyValue, b: PyValue): boolean {
    if (a.t === 'none' || b.t === 'none') return a.t === b.t;
    if (a.t === 'bool' && b.t === 'bool') return a.v === b.v;
    if (a.t === 'recorded' && b.t === 'recorded') {
      const oa = this.rec.valObject[a.valueId];
      return oa ? oa === this.rec.valObject[b.valueId] : a.valueId === b.valueId;
    }
    return false;
  }

  private equal(a: PyValue, b: PyValue): boolean {
    const x = this.asNumber(a);
    const y = this.asNumber(b);
    if (x && y) {
      if (x.int !== undefined && y.int !== undefined) return x.int === y.int;
      return (x.float ?? Number(x.int)) === (y.float ?? Number(y.int));
    }
    if (a.t === 'str' && b.t === 'str') return a.v === b.v;
    if (a.t === 'none' || b.t === 'none') return a.t === b.t;
    const elementwise = elementwiseComparison(this.rec, this.bufferOf(a), this.step) ?? elementwiseComparison(this.rec, this.bufferOf(b), this.step);
    if (elementwise) throw new EvaluationError(elementwise);
    if (this.identical(a, b)) return true;
    const la = this.itemsOf(a, '==');
    const lb = this.itemsOf(b, '==');
    if (la && lb && a.t !== 'str' && b.t !== 'str') return la.length === lb.length && la.every((v, i) => this.equal(v, lb[i]));
    if (a.t === 'recorded' && b.t === 'recorded') return this.repr(a) === this.repr(b);
    return false;
  }
}

function intOp(op: string, a: bigint, b: bigint): PyValue {
  switch (op) {
    case '+': return { t: 'int', v: a + b };
    case '-': return { t: 'int', v: a - b };
    case '*': return { t: 'int', v: a * b };
    case '/':
      if (b === 0n) throw new EvaluationError('ZeroDivisionError: division by zero');
      return { t: 'float', v: Number(a) / Number(b) };
    case '//': case '%': {
      if (b === 0n) throw new EvaluationError('ZeroDivisionError: integer division or modulo by zero');
      let q = a / b;
      if ((a % b !== 0n) && ((a < 0n) !== (b < 0n))) q -= 1n;
      return op === '//' ? { t: 'int', v: q } : { t: 'int', v: a - q * b };
    }
    case '**':
      if (b < 0n) return { t: 'float', v: Number(a) ** Number(b) };
      if (b > 10000n) throw new EvaluationError('result too large');
      return { t: 'int', v: a ** b };
    case '&': return { t: 'int', v: a & b };
    case '|': return { t: 'int', v: a | b };
    case '^': return { t: 'int', v: a ^ b };
    case '<<': return { t: 'int', v: a << b };
    case '>>': return { t: 'int', v: a >> b };
  }
  throw new EvaluationError(`unsupported operator ${op} for int`);
}

function floatOp(op: string, a: number, b: number): PyValue {
  switch (op) {
    case '+': return { t: 'float', v: a + b };
    case '-': return { t: 'float', v: a - b };
    case '*': return { t: 'float', v: a * b };
    case '/':
      if (b === 0) throw new EvaluationError('ZeroDivisionError: float division by zero');
      return { t: 'float', v: a / b };
    case '//':
      if (b === 0) throw new EvaluationError('ZeroDivisionError: float floor division by zero');
      return { t: 'float', v: Math.floor(a / b) };
    case '%': {
      if (b === 0) throw new EvaluationError('ZeroDivisionError: float modulo');
      const r = a % b;
      return { t: 'float', v: r !== 0 && (r < 0) !== (b < 0) ? r + b : r };
    }
    case '**': return { t: 'float', v: a ** b };
  }
  throw new EvaluationError(`TypeError: unsupported operand type(s) for ${op}: 'float'`);
}
