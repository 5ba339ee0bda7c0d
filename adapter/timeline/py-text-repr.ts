// Python's repr() of str and bytes values (quote choice, escapes), for recorded buffer elements and the
// evaluator's computed strings. Pure; knows nothing of recordings.

export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** `repr(bytes(data))`: b'…' with printable ASCII as is, \t \n \r, other bytes as \xNN. */
export function bytesRepr(data: Uint8Array, start = 0, end = data.length): string {
  let hasSingle = false;
  let hasDouble = false;
  for (let i = start; i < end; i++) {
    if (data[i] === 0x27) hasSingle = true;
    else if (data[i] === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  const parts: string[] = ['b', quote];
  for (let i = start; i < end; i++) {
    const c = data[i];
    if (c === 0x5c) parts.push('\\\\');
    else if (c === 0x09) parts.push('\\t');
    else if (c === 0x0a) parts.push('\\n');
    else if (c === 0x0d) parts.push('\\r');
    else if (String.fromCharCode(c) === quote) parts.push('\\' + quote);
    else if (c < 0x20 || c >= 0x7f) parts.push('\\x' + c.toString(16).padStart(2, '0'));
    else parts.push(String.fromCharCode(c));
  }
  parts.push(quote);
  return parts.join('');
}
