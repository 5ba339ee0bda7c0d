// Compares a value the adapter shows with the repr Python produced, allowing only the recording format's
// documented cut markers. Must not know how the adapter renders anything else.

function normalise(value: string): string {
  return value.replace(/0x[0-9a-fA-F]+/g, '0x…');
}

/**
 * Same value as Python's repr, allowing only the recorder's documented cut markers: a trailing `…` past the
 * repr limit, and `[…]`, `{…}`, `(…)` for containers nested beyond the depth limit. With `strict`, only the
 * trailing repr-limit cut is allowed. Instances' default reprs hold an address and are not compared.
 */
export function sameValue(actual: string | undefined, reference: string, strict: boolean): boolean {
  if (actual === undefined) {
    return false;
  }
  if (/ object at 0x/.test(reference)) {
    return true;
  }
  const escaped = normalise(actual).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let pattern = escaped;
  if (!strict) {
    pattern = pattern.replace(/\\\[…\\\]/g, '\\[.*\\]').replace(/\\\{…\\\}/g, '\\{.*\\}').replace(/\\\(…\\\)/g, '\\(.*\\)');
  }
  pattern = pattern.replace(/…$/, '.*');
  return new RegExp(`^${pattern}$`, 's').test(normalise(reference)) || normalise(actual) === normalise(reference);
}

