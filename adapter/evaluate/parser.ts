// Parses a Python expression subset (names, attributes, indexing/slicing, calls, arithmetic, comparisons,
// and/or/not, literals) into an AST. Rejects statements and code-running syntax; must not evaluate.
import { cannotRunCode, EvaluationError } from './errors';
import { Token, tokenize } from './tokenizer';

export type Node =
  | { k: 'name'; id: string }
  | { k: 'const'; kind: 'int' | 'float' | 'complex' | 'str' | 'bytes' | 'bool' | 'none'; text: string; value?: string }
  | { k: 'attr'; obj: Node; attr: string }
  | { k: 'index'; obj: Node; index: Node }
  | { k: 'slice'; lower?: Node; upper?: Node; step?: Node }
  | { k: 'call'; fn: Node; args: Node[] }
  | { k: 'unary'; op: string; operand: Node }
  | { k: 'binary'; op: string; left: Node; right: Node }
  | { k: 'compare'; first: Node; ops: string[]; rest: Node[] }
  | { k: 'bool'; op: 'and' | 'or'; values: Node[] }
  | { k: 'not'; operand: Node }
  | { k: 'ifexp'; test: Node; body: Node; orelse: Node }
  | { k: 'seq'; kind: 'list' | 'tuple'; items: Node[] };

const ASSIGNMENT_OPS = new Set(['=', ':=', '+=', '-=', '*=', '/=', '//=', '%=', '**=', '&=', '|=', '^=', '>>=', '<<=']);
const KEYWORDS_THAT_RUN_CODE: Record<string, string> = {
  lambda: 'a lambda would create a function', await: 'await would run a coroutine', yield: 'yield would resume code',
  import: 'import would run module code', del: 'del would change the program state', for: 'comprehensions would run a loop',
};

const parseCache = new Map<string, Node>();
const PARSE_CACHE_LIMIT = 500;

/** Parses once per distinct source text (conditions and logpoints evaluate one expression at many steps). */
export function parseExpression(source: string): Node {
  const cached = parseCache.get(source);
  if (cached) return cached;
  const p = new Parser(tokenize(source));
  const node = p.expression();
  p.expectEnd();
  if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
  parseCache.set(source, node);
  return node;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token { return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]; }
  private take(): Token { return this.tokens[this.i++]; }
  private isOp(text: string): boolean { const t = this.peek(); return t.type === 'op' && t.text === text; }
  private isName(text: string): boolean { const t = this.peek(); return t.type === 'name' && t.text === text; }
  private expectOp(text: string): void {
    if (!this.isOp(text)) throw this.syntax(`expected '${text}'`);
    this.i++;
  }
  private syntax(what: string): EvaluationError {
    const t = this.peek();
    if (t.type === 'op' && ASSIGNMENT_OPS.has(t.text)) return cannotRunCode(`assignment ('${t.text}') would change the program state`);
    if (t.type === 'name' && KEYWORDS_THAT_RUN_CODE[t.text]) return cannotRunCode(KEYWORDS_THAT_RUN_CODE[t.text]);
    return new EvaluationError(`invalid syntax: ${what} at column ${t.pos + 1}${t.text ? ` (found '${t.text}')` : ''}`);
  }

  expectEnd(): void { if (this.peek().type !== 'end') throw this.syntax('unexpected input'); }

  expression(): Node {
    const t = this.peek();
    if (t.type === 'name' && KEYWORDS_THAT_RUN_CODE[t.text]) throw cannotRunCode(KEYWORDS_THAT_RUN_CODE[t.text]);
    const body = this.orTest();
    if (this.isName('if')) {
      this.i++;
      const test = this.orTest();
      if (!this.isName('else')) throw this.syntax("expected 'else'");
      this.i++;
      return { k: 'ifexp', test, body, orelse: this.expression() };
    }
    return body;
  }

  private orTest(): Node {
    const values = [this.andTest()];
    while (this.isName('or')) { this.i++; values.push(this.andTest()); }
    return values.length === 1 ? values[0] : { k: 'bool', op: 'or', values };
  }
  private andTest(): Node {
    const values = [this.notTest()];
    while (this.isName('and')) { this.i++; values.push(this.notTest()); }
    return values.length === 1 ? values[0] : { k: 'bool', op: 'and', values };
  }
  private notTest(): Node {
    if (this.isName('not')) { this.i++; return { k: 'not', operand: this.notTest() }; }
    return this.comparison();
  }
  private comparison(): Node {
    const first = this.bitOr();
    const ops: string[] = [];
    const rest: Node[] = [];
    for (;;) {
      const t = this.peek();
      let op: string | undefined;
      if (t.type === 'op' && ['<', '>', '==', '>=', '<=', '!='].includes(t.text)) { op = t.text; this.i++; }
      else if (this.isName('in')) { op = 'in'; this.i++; }
      else if (this.isName('not') && this.peek(1).type === 'name' && this.peek(1).text === 'in') { op = 'not in'; this.i += 2; }
      else if (this.isName('is')) {
        this.i++;
        if (this.isName('not')) { this.i++; op = 'is not'; } else op = 'is';
      }
      if (!op) break;
      ops.push(op);
      rest.push(this.bitOr());
    }
    return ops.length ? { k: 'compare', first, ops, rest } : first;
  }
  private binaryLevel(ops: string[], next: () => Node): Node {
    let left = next();
    while (this.peek().type === 'op' && ops.includes(this.peek().text)) {
      const op = this.take().text;
      left = { k: 'binary', op, left, right: next() };
    }
    return left;
  }
  private bitOr(): Node { return this.binaryLevel(['|'], () => this.bitXor()); }
  private bitXor(): Node { return this.binaryLevel(['^'], () => this.bitAnd()); }
  private bitAnd(): Node { return this.binaryLevel(['&'], () => this.shift()); }
  private shift(): Node { return this.binaryLevel(['<<', '>>'], () => this.sum()); }
  private sum(): Node { return this.binaryLevel(['+', '-'], () => this.term()); }
  private term(): Node { return this.binaryLevel(['*', '/', '//', '%', '@'], () => this.factor()); }
  private factor(): Node {
    const t = this.peek();
    if (t.type === 'op' && (t.text === '-' || t.text === '+' || t.text === '~')) {
      this.i++;
      return { k: 'unary', op: t.text, operand: this.factor() };
    }
    return this.power();
  }
  private power(): Node {
    const base = this.primary();
    if (this.isOp('**')) { this.i++; return { k: 'binary', op: '**', left: base, right: this.factor() }; }
    return base;
  }
  private primary(): Node {
    let node = this.atom();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const t = this.take();
        if (t.type !== 'name') throw this.syntax('expected an attribute name after "."');
        node = { k: 'attr', obj: node, attr: t.text };
      } else if (this.isOp('[')) {
        this.i++;
        const index = this.subscript();
        this.expectOp(']');
        node = { k: 'index', obj: node, index };
      } else if (this.isOp('(')) {
        this.i++;
        const args: Node[] = [];
        while (!this.isOp(')')) {
          if (this.peek().type === 'name' && this.peek(1).type === 'op' && this.peek(1).text === '=') {
            throw cannotRunCode('keyword arguments are not supported; only len(), abs(), min(), max() of recorded values');
          }
          args.push(this.expression());
          if (!this.isOp(')')) this.expectOp(',');
        }
        this.i++;
        node = { k: 'call', fn: node, args };
      } else return node;
    }
  }
  /** One subscript item: an expression, or a slice `lower:upper:step` with any part left out. */
  private subscriptItem(): Node {
    const parts: Array<Node | undefined> = [];
    let current: Node | undefined;
    let colons = 0;
    while (!this.isOp(']') && !this.isOp(',')) {
      if (this.isOp(':')) { this.i++; parts.push(current); current = undefined; colons++; continue; }
      if (current) throw this.syntax("expected ':', ',' or ']'");
      current = this.expression();
    }
    if (colons === 0) {
      if (!current) throw this.syntax('empty subscript');
      return current;
    }
    parts.push(current);
    if (colons > 2) throw this.syntax('too many ":" in slice');
    return { k: 'slice', lower: parts[0], upper: parts[1], step: parts[2] };
  }
  /** `a[i]`, `a[1:2]`, or a tuple of them (`a[1, 2:4]`, numpy's multi-dimensional indexing). */
  private subscript(): Node {
    const first = this.subscriptItem();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.isOp(']')) break;
      items.push(this.subscriptItem());
    }
    return { k: 'seq', kind: 'tuple', items };
  }
  private atom(): Node {
    const t = this.take();
    if (t.type === 'num') {
      const text = t.text.replace(/_/g, '');
      if (/[jJ]$/.test(text)) return { k: 'const', kind: 'complex', text };
      if (/^0[xXoObB]/.test(text) || /^\d+$/.test(text)) return { k: 'const', kind: 'int', text };
      return { k: 'const', kind: 'float', text };
    }
    if (t.type === 'str') {
      let value = t.value ?? '';
      while (this.peek().type === 'str') value += this.take().value ?? '';
      return { k: 'const', kind: t.text.startsWith('b') ? 'bytes' : 'str', text: t.text, value };
    }
    if (t.type === 'name') {
      if (t.text === 'True' || t.text === 'False') return { k: 'const', kind: 'bool', text: t.text };
      if (t.text === 'None') return { k: 'const', kind: 'none', text: 'None' };
      if (KEYWORDS_THAT_RUN_CODE[t.text]) throw cannotRunCode(KEYWORDS_THAT_RUN_CODE[t.text]);
      return { k: 'name', id: t.text };
    }
    if (t.type === 'op' && (t.text === '(' || t.text === '[')) {
      const close = t.text === '(' ? ')' : ']';
      const items: Node[] = [];
      let sawComma = false;
      while (!this.isOp(close)) {
        items.push(this.expression());
        if (this.isName('for')) throw cannotRunCode('comprehensions would run a loop');
        if (!this.isOp(close)) { this.expectOp(','); sawComma = true; }
      }
      this.i++;
      if (t.text === '(' && items.length === 1 && !sawComma) return items[0];
      return { k: 'seq', kind: t.text === '(' ? 'tuple' : 'list', items };
    }
    if (t.type === 'op' && t.text === '{') throw new EvaluationError('dict and set displays are not supported in recorded expressions');
    this.i--;
    throw this.syntax(t.type === 'end' ? 'unexpected end of expression' : 'unexpected token');
  }
}
