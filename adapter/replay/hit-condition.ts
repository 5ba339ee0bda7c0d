// Parses DAP hit conditions ("5", "== 5", ">= 3", "% 2", …) the way debugpy reads them. Pure; counts are
// 1-based hit numbers counted from the start of the recording, whatever the direction of travel.

export type HitPredicate = (hitNumber: number) => boolean;

export function parseHitCondition(text: string | undefined): HitPredicate {
  if (text === undefined || text.trim() === '') return () => true;
  const m = /^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) {
    throw new Error(`Invalid hit count '${text}': use a number (stop at that hit), or '>= N', '> N', '< N', '<= N', '== N', '% N' (every Nth hit).`);
  }
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=': return (h) => h >= n;
    case '>': return (h) => h > n;
    case '<': return (h) => h < n;
    case '<=': return (h) => h <= n;
    case '%': return (h) => n > 0 && h % n === 0;
    default: return (h) => h === n;
  }
}
