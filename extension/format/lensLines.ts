// Chooses the lines that get a "ran N×" CodeLens from per-line hit counts: pure (no vscode import).
// It must not ask for counts or format them.

/** Executed lines (count > 0) whose count differs from the previous executed code line's. */
export function lensLines(lines: readonly number[], counts: ReadonlyArray<number | undefined>): Array<{ line: number; count: number }> {
  const out: Array<{ line: number; count: number }> = [];
  let previous: number | undefined;
  lines.forEach((line, i) => {
    const count = counts[i];
    if (count === undefined || count <= 0) return;
    if (count !== previous) out.push({ line, count });
    previous = count;
  });
  return out;
}
