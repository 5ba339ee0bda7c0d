// Data breakpoints over recorded values: identifies a watchable location (a name in a scope, an item /
// attribute of an object, elements of a buffer) and lists the steps where its value changed, with
// "old → new" descriptions. Must not know about DAP variable handles.
import { Recording } from '../timeline/recording';
import { DataLocation, valueAt } from '../timeline/value-changes';

export { changeSteps } from '../timeline/value-changes';
export type { DataLocation } from '../timeline/value-changes';
import { renderValue } from '../timeline/value-render';

export function encodeDataId(loc: DataLocation): string {
  if (loc.kind === 'binding') return `binding:${loc.scopeId}:${loc.nameId}`;
  if (loc.kind === 'buffer') return `buffer:${loc.objectId}:${loc.view.offset}:${loc.view.shape.join(',')}:${loc.view.strides.join(',')}`;
  return `item:${loc.objectId}:${JSON.stringify(loc.key)}`;
}

export function decodeDataId(dataId: string): DataLocation {
  const b = /^binding:(\d+):(\d+)$/.exec(dataId);
  if (b) return { kind: 'binding', scopeId: Number(b[1]), nameId: Number(b[2]) };
  const buffer = /^buffer:(\d+):(-?\d+):([\d,]*):([-\d,]*)$/.exec(dataId);
  if (buffer) {
    const list = (text: string) => (text ? text.split(',').map(Number) : []);
    return { kind: 'buffer', objectId: Number(buffer[1]), view: { offset: Number(buffer[2]), shape: list(buffer[3]), strides: list(buffer[4]) } };
  }
  const i = /^item:(\d+):(.*)$/s.exec(dataId);
  if (i) return { kind: 'item', objectId: Number(i[1]), key: JSON.parse(i[2]) as string | number };
  throw new Error(`Unknown data breakpoint id '${dataId}'; get one from dataBreakpointInfo.`);
}

/**
 * Whether `step` changed what the location shows. A step where the same object's recorded state changed but its
 * display did not (a small array whose object state catches up a step after its buffer history already showed
 * the write) is no stop of its own; a rebinding to another object always is.
 */
export function isVisibleChange(rec: Recording, loc: DataLocation, step: number): boolean {
  if (step <= 0) return true;
  const before = valueAt(rec, loc, step - 1);
  const after = valueAt(rec, loc, step);
  if (before !== after || !before) return true;
  const show = (at: number) => renderValue(rec, after, at, { maxLength: 10_000, maxDepth: 4 });
  return show(step - 1) !== show(step);
}

export function describeChange(rec: Recording, loc: DataLocation, label: string, step: number): string {
  const before = step > 0 ? valueAt(rec, loc, step - 1) : 0;
  const after = valueAt(rec, loc, step);
  const show = (id: number, at: number) => (id ? renderValue(rec, id, at, { maxLength: 80, maxDepth: 2 }) : '<unbound>');
  return `${label}: ${show(before, step - 1)} \u2192 ${show(after, step)}`;
}
