// Buffer history benchmark (not a test): times the Variables view of a recorded array the way a session asks
// for it (value line, then a page of 100 children). Run: node out/test/adapter/buffer-bench.js --bench REC.wcf
// NAME [NAME…] (does nothing under `node --test`). Prints a table; asserts nothing.
import { loadRecording } from '../../adapter/timeline/load-recording';
import { VariableHandles } from '../../adapter/session/variable-handles';
import { VariablesView } from '../../adapter/session/variables-view';
import { Recording } from '../../adapter/timeline/recording';

/** The value id `name` is bound to at `step` in any scope (the latest binding), or undefined. */
function bound(rec: Recording, name: string, step: number): number | undefined {
  const nameId = rec.nameId(name);
  if (nameId === undefined) return undefined;
  for (const scopeId of rec.bindings.scopesBinding(nameId)) {
    const v = rec.bindingAt(scopeId, nameId, step);
    if (v) return v;
  }
  return undefined;
}

/** The variable line and its first page of 100 children (rows or elements), as VS Code asks for them. */
async function page(rec: Recording, name: string, step: number, start = 0): Promise<string> {
  const handles = new VariableHandles();
  return rec.buffers.settle(() => {
    const view = new VariablesView(rec, handles);
    const valueId = bound(rec, name, step);
    if (!valueId) return '(unbound)';
    const v = view.variable(name, valueId, step, name);
    const container = handles.get(v.variablesReference);
    if (!container || container.kind !== 'buffer') return v.value;
    const children = view.buffers.children(container, start, 100, 'indexed');
    return `${v.value.slice(0, 60)}… ${children.length} children, [${start}] = ${children[0]?.value.slice(0, 40)}`;
  });
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = process.hrtime.bigint();
  const out = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, out];
}

async function main(file: string, names: string[]): Promise<void> {
  const rec = await loadRecording(file);
  const last = rec.lastStep - 2;
  const rows: Array<[string, string]> = [];
  for (const name of names) {
    const [cold, text] = await time(() => page(rec, name, last));
    rows.push([`${name}: first page at the end (index + reconstruction)`, `${cold.toFixed(1)} ms  ${text}`]);
    const [warm] = await time(() => page(rec, name, last));
    rows.push([`${name}: the same page again`, `${warm.toFixed(2)} ms`]);
    const [other] = await time(() => page(rec, name, last, 400));
    rows.push([`${name}: another page (start 400)`, `${other.toFixed(2)} ms`]);
    const [middle] = await time(() => page(rec, name, Math.floor(last / 2)));
    rows.push([`${name}: first page at the middle step (from the snapshot)`, `${middle.toFixed(1)} ms`]);
    const steps: number[] = [];
    for (let s = Math.floor(last / 2) + 1; s < Math.floor(last / 2) + 31 && s <= last; s++) {
      const [t] = await time(() => page(rec, name, s));
      steps.push(t);
    }
    steps.sort((a, b) => a - b);
    rows.push([`${name}: stepping on 30 steps (cached earlier state + diffs)`, `median ${steps[15].toFixed(2)} ms, max ${steps[steps.length - 1].toFixed(2)} ms`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  for (const [k, v] of rows) console.log(k.padEnd(width) + v);
  await rec.close();
}

const at = process.argv.indexOf('--bench');
if (at >= 0) {
  main(process.argv[at + 1], process.argv.slice(at + 2)).catch((err) => { console.error(err); process.exit(1); });
}
