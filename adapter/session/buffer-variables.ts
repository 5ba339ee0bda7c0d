// The Variables view of recorded buffers: an ndarray or a torch tensor (bytearray, array.array, mmap, memoryview)
// shows its elements at the step from its recorded bytes, paged, rows of rows for several axes, with shape and dtype.
// Must not move the cursor or read files: the bytes are loaded beforehand (BufferHistory.settle).
import { DebugProtocol } from '@vscode/debugprotocol';
import type { BufferValue } from '../evaluate/buffer-values';
import { bufferRepr, dtypeRepr, dtypeType, hasDtype, shapeRepr, shapeType } from '../timeline/array-repr';
import { elementRepr } from '../timeline/buffer-elements';
import { BufferHistory, BufferLookup } from '../timeline/buffer-history';
import { indexView, shapeText, StridedView, viewOf } from '../timeline/buffer-layout';
import { Recording } from '../timeline/recording';
import { VariableContainer, VariableHandles } from './variable-handles';

type BufferContainer = Extract<VariableContainer, { kind: 'buffer' }>;
type Loaded = Extract<BufferLookup, { status: 'ok' | 'unavailable' }>;

/** A row's one-line repr is cut shorter than a variable's: a page shows many rows. */
const ROW_REPR_LENGTH = 300;
/** Children given to a client that asks without paging (VS Code always pages: indexedVariables). */
const UNPAGED_LIMIT = 1000;

export class BufferVariables {
  constructor(private readonly rec: Recording, private readonly handles: VariableHandles) {}

  /** The Variable of a recorded value that is a buffer with buffer history at `step`; undefined otherwise. */
  variable(name: string, valueId: number, step: number, evaluateName?: string): DebugProtocol.Variable | undefined {
    const objectId = this.rec.valObject[valueId];
    const info = objectId ? this.rec.objects.get(objectId) : undefined;
    if (!info || !BufferHistory.isCandidate(info.kind, info.type)) return undefined;
    const found = this.rec.buffers.lookup(objectId, step);
    if (found.status === 'none' || found.status === 'pending') return undefined;
    const container: BufferContainer = { kind: 'buffer', objectId, step, view: viewOf(found.layout), root: true, evaluateName, indices: [] };
    return this.make(name, container, found, info.type, this.rec.valueRepr(valueId) ?? undefined);
  }

  /** The Variable of an evaluated view of a buffer (`a[2:5]`, `a[1]`); undefined while its bytes are not loaded. */
  viewVariable(name: string, buffer: BufferValue, step: number, evaluateName?: string): DebugProtocol.Variable | undefined {
    const found = this.rec.buffers.lookup(buffer.objectId, step);
    if (found.status === 'none' || found.status === 'pending') return undefined;
    const root = found.layout.offset === buffer.view.offset && sameShape(viewOf(found.layout), buffer.view);
    const container: BufferContainer = { kind: 'buffer', objectId: buffer.objectId, step, view: buffer.view, root, evaluateName, indices: [] };
    return this.make(name, container, found, buffer.type);
  }

  private make(name: string, container: BufferContainer, found: Loaded, type: string, display?: string, maxLength?: number): DebugProtocol.Variable {
    const { view } = container;
    const text = found.status === 'ok' ? bufferRepr(found.layout, found.codec, found.bytes, view, maxLength) : undefined;
    const named = this.namedChildren(container, found);
    const v: DebugProtocol.Variable = {
      name,
      value: text ?? display ?? `<${type} of shape ${shapeText(view.shape)}>`,
      type,
      variablesReference: view.shape.length > 0 || named.length ? this.handles.create(container) : 0,
    };
    if (container.evaluateName) v.evaluateName = container.evaluateName + indexText(found, container.indices);
    if (found.status === 'ok' && view.shape.length > 0) v.indexedVariables = view.shape[0];
    if (named.length) v.namedVariables = named.length;
    return v;
  }

  /** Children of a buffer container; `filter` as in DAP ('indexed': a page of items, 'named': shape, dtype, …). */
  children(container: BufferContainer, start = 0, count?: number, filter?: 'indexed' | 'named'): DebugProtocol.Variable[] {
    const found = this.rec.buffers.lookup(container.objectId, container.step);
    if (found.status === 'none' || found.status === 'pending') return [];
    const out = filter === 'indexed' ? [] : this.namedChildren(container, found);
    if (filter === 'named' || found.status !== 'ok') return out;
    const n = container.view.shape[0] ?? 0;
    const end = Math.min(n, start + (count ?? (filter ? n : UNPAGED_LIMIT)));
    for (let i = start; i < end; i++) out.push(this.item(container, found, i));
    if (!filter && count === undefined && end < n) {
      out.push({ name: '\u2026', value: `${n - end} more items: ask with start/count (paging)`, variablesReference: 0 });
    }
    return out;
  }

  private item(container: BufferContainer, found: Extract<BufferLookup, { status: 'ok' }>, i: number): DebugProtocol.Variable {
    const indices = [...container.indices, i];
    const sub = indexView(container.view, [i]);
    if (sub.shape.length > 0) {
      const row: BufferContainer = { ...container, view: sub, root: false, indices };
      return this.make(String(i), row, found, this.rec.objects.get(container.objectId)?.type ?? 'numpy.ndarray', undefined, ROW_REPR_LENGTH);
    }
    const v: DebugProtocol.Variable = {
      name: String(i),
      value: elementRepr(found.codec.decode(found.bytes, sub.offset)),
      type: found.codec.scalarType,
      variablesReference: 0,
    };
    if (container.evaluateName) v.evaluateName = container.evaluateName + indexText(found, indices);
    return v;
  }

  /** shape and dtype of an array (len() of other buffers), and why its elements are not shown when they are not. */
  private namedChildren(container: BufferContainer, found: Loaded): DebugProtocol.Variable[] {
    const out: DebugProtocol.Variable[] = [];
    const virtual = { kind: 'virtual' } as const;
    if (container.root) {
      const { layout, codec } = found;
      if (hasDtype(layout)) {
        out.push({ name: 'shape', value: shapeRepr(layout, container.view.shape), type: shapeType(layout), variablesReference: 0, presentationHint: virtual });
        out.push({ name: 'dtype', value: dtypeRepr(layout, codec), type: dtypeType(layout), variablesReference: 0, presentationHint: virtual });
      } else if (container.view.shape.length === 1) {
        out.push({ name: 'len()', value: String(container.view.shape[0]), type: 'int', variablesReference: 0, presentationHint: virtual });
      }
    }
    if (found.status === 'unavailable') {
      out.push({ name: '\u2026', value: `elements not shown: ${found.reason}`, variablesReference: 0 });
    } else if (container.root && !found.codec.supported) {
      out.push({ name: '\u2026', value: `elements shown as raw bytes: ${found.codec.why}`, variablesReference: 0 });
    }
    return out;
  }
}

function sameShape(a: StridedView, b: StridedView): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, k) => d === b.shape[k] && a.strides[k] === b.strides[k]);
}

/** `[1, 2]` numpy (and torch) style for arrays, `[1][2]`-free: other buffers have one axis. */
function indexText(found: Loaded, indices: number[]): string {
  if (!indices.length) return '';
  return hasDtype(found.layout) ? `[${indices.join(', ')}]` : `[${indices[indices.length - 1]}]`;
}
