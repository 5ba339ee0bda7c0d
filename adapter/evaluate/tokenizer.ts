// Splits a Python expression into tokens for the recorded-value evaluator. Owns lexing only (numbers,
// strings, names, operators); must not interpret anything.
import { EvaluationError } from './errors';

export type TokenType = 'num' | 'str' | 'name' | 'op' | 'end';
export interface Token { type: TokenType; text: string; pos: number; value?: string }

const OPERATORS = ['**=', '//=', '>>=', '<<=', ':=', '**', '//', '==', '!=', '<=', '>=', '<<', '>>', '->',
  '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=',
  '+', '-', '*', '/', '%', '<', '>', '(', ')', '[', ']', '{', '}', ',', ':', '.', '=', '~', '&', '|', '^', '@', ';'];

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '#') break;
    const strMatch = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(source.slice(i));
    if (strMatch && (strMatch[1] === '' || /^[rRbBuUfF]+$/.test(strMatch[1]))) {
      const prefix = strMatch[1].toLowerCase();
      if (prefix.includes('f')) throw new EvaluationError('cannot run code in a recording: f-strings would format values by running code');
      const quote = strMatch[2];
      let j = i + strMatch[0].length;
      let body = '';
      while (j < source.length && !source.startsWith(quote, j)) {
        if (source[j] === '\\' && !prefix.includes('r')) { body += source.slice(j, j + 2); j += 2; continue; }
        body += source[j++];
      }
      if (j >= source.length) throw new EvaluationError(`unterminated string starting at column ${i + 1}`);
      j += quote.length;
      tokens.push({ type: 'str', text: source.slice(i, j), pos: i, value: prefix.includes('r') ? body : unescape(body) });
      if (prefix.includes('b')) tokens[tokens.length - 1].text = 'b' + tokens[tokens.length - 1].text;
      i = j;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?[jJ]?)/.exec(source.slice(i));
    if (num && /[\d.]/.test(c) && num[0] !== '.') {
      tokens.push({ type: 'num', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_\u00C0-\uFFFF][\w\u00C0-\uFFFF]*/.exec(source.slice(i));
    if (name) { tokens.push({ type: 'name', text: name[0], pos: i }); i += name[0].length; continue; }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) throw new EvaluationError(`unexpected character '${c}' at column ${i + 1}`);
    tokens.push({ type: 'op', text: op, pos: i });
    i += op.length;
  }
  tokens.push({ type: 'end', text: '', pos: source.length });
  return tokens;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };

/** Decodes Python backslash escapes (\n, \xNN, \uNNNN, \UNNNNNNNN). Unknown escapes stay as written. */
export function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)/gs, (m, e: string) => {
    if (e[0] === 'x' || e[0] === 'u' || e[0] === 'U') return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e) && e !== '0') return String.fromCodePoint(parseInt(e, 8));
    return SIMPLE_ESCAPES[e] ?? m;
  });
}
