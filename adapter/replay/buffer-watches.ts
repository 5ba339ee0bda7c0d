// Data breakpoints on recorded buffers: the steps that wrote watched elements (an element, a row or a slice of
// an array, or any element of the array a watched name is bound to), each with "a[3]: 0 → 7". Read once, when
// the breakpoint is set, from the buffer history (async). Must not know about DAP.
import { elementRepr } from '../timeline/buffer-elements';
import { indexLabel, scanElementChanges, selectElements } from '../timeline/buffer-element-history';
import { BufferLayout, StridedView, viewOf } from '../timeline/buffer-layout';
import { Recording } from '../timeline/recording';
import { DataLocation } from '../timeline/value-changes';

/** Steps (ascending) at which watched elements changed, and what changed there. */
export interface BufferWatchStops { steps: Int32Array; descriptions: Map<number, string> }

/** step -> description of the writes of that step to the chosen view of one object. */
async function viewChanges(rec: Recording, layout: BufferLayout, loc: { view: StridedView }, label: string): Promise<Map<number, string>> {
  const selection = selectElements(layout, loc.view);
  const codec = rec.buffers.codec(layout);
  const out = new Map<number, string>();
  await scanElementChanges(rec.buffers, selection, (change) => {
    const e = change.changed[0];
    const index = indexLabel(selection, e);
    const where = selection.shape.length === 0 ? label : `${label}[${Array.isArray(index) ? index.join(', ') : index}]`;
    const show = (when: 'before' | 'after') => elementRepr(codec.decode(change.bytesOf(e, when), 0));
    const more = change.changed.length - 1;
    out.set(change.step, `${where}: ${show('before')} \u2192 ${show('after')}${more ? ` (+${more} more element${more === 1 ? '' : 's'})` : ''}`);
  });
  return out;
}

/**
 * The buffer writes a data breakpoint stops at: for `buffer` locations the view's elements; for a name, the
 * elements of every buffer it was bound to, while it was bound to it. Undefined when no buffer is involved.
 */
export async function bufferWatchStops(rec: Recording, loc: DataLocation, label: string): Promise<BufferWatchStops | undefined> {
  const index = await rec.buffers.ensureIndex();
  if (index.isEmpty) return undefined;
  const descriptions = new Map<number, string>();
  if (loc.kind === 'buffer') {
    const layout = index.layoutAt(loc.objectId, rec.lastStep);
    if (!layout) return undefined;
    for (const [step, text] of await viewChanges(rec, layout, loc, label)) descriptions.set(step, text);
  } else if (loc.kind === 'binding') {
    const history = rec.bindings.history(loc.scopeId, loc.nameId);
    if (!history) return undefined;
    const byObject = new Map<number, Map<number, string>>();
    for (let i = 0; i < history.steps.length; i++) {
      const objectId = rec.valObject[history.values[i]] ?? 0;
      const layout = objectId ? index.layoutAt(objectId, rec.lastStep) : undefined;
      if (!layout) continue;
      let changes = byObject.get(objectId);
      if (!changes) byObject.set(objectId, (changes = await viewChanges(rec, layout, { view: viewOf(layout) }, label)));
      const until = i + 1 < history.steps.length ? history.steps[i + 1] : Infinity;
      for (const [step, text] of changes) if (step > history.steps[i] && step < until) descriptions.set(step, text);
    }
  } else {
    return undefined;
  }
  return { steps: Int32Array.from(descriptions.keys()).sort(), descriptions };
}
