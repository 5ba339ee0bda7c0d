// Finds the Python identifiers written on a line of source text, for inline values and hovers.
// Pure text scanning (no vscode import); it must not guess values or scopes.

const PYTHON_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'match', 'case',
]);

export interface IdentifierAt {
  name: string;
  /** 0-based column of the first character. */
  start: number;
}

/** Identifiers on one line, outside comments and string literals, not keywords, not attribute names after a dot. */
export function identifiersOnLine(line: string): IdentifierAt[] {
  const found: IdentifierAt[] = [];
  const code = blankStringsAndComment(line);
  const re = /[A-Za-z_][A-Za-z0-9_]*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(code)) !== null) {
    const before = code.slice(0, m.index).trimEnd();
    if (PYTHON_KEYWORDS.has(m[0]) || before.endsWith('.')) continue;
    if (m.index > 0 && /[0-9]/.test(code[m.index - 1])) continue; // e.g. the `e5` of `1e5`
    found.push({ name: m[0], start: m.index });
  }
  return found;
}

/** Replaces string literal contents and a trailing comment with spaces, keeping columns. */
export function blankStringsAndComment(line: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === '\\') { out += '  '; i++; continue; }
      if (line.startsWith(quote, i)) { out += quote; i += quote.length - 1; quote = null; continue; }
      out += ' ';
      continue;
    }
    if (ch === '#') return out + ' '.repeat(line.length - i);
    if (ch === '"' || ch === "'") {
      quote = line.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      out += quote;
      i += quote.length - 1;
      continue;
    }
    out += ch;
  }
  return out;
}
