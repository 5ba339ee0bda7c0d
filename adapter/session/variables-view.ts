// Builds DAP Variable lists from the recorded state: a scope's names at a step, a recorded object's
// children (paged, with cut markers as visible pseudo-entries), buffers' elements (buffer-variables.ts), a
// return value. Must not move the cursor.
import { DebugProtocol } from '@vscode/debugprotocol';
import { Recording } from '../timeline/recording';
import { isExpandable, renderValue, shortTypeName } from '../timeline/value-render';
import { BufferVariables } from './buffer-variables';
import { VariableHandles } from './variable-handles';

const HIDDEN_GLOBALS = new Set(['__builtins__', '__loader__', '__spec__', '__cached__']);
/** Kinds whose children are items by position: the Variables view pages them and names them `expr[i]`. */
const INDEXED_KINDS = new Set(['list', 'tuple', 'ndarray', 'tensor', 'bytearray']);

export class VariablesView {
  readonly buffers: BufferVariables;

  constructor(private readonly rec: Recording, private readonly handles: VariableHandles) {
    this.buffers = new BufferVariables(rec, handles);
  }

  variable(name: string, valueId: number, step: number, evaluateName?: string): DebugProtocol.Variable {
    // Buffer history is exact at every step: it takes precedence over the elements object_states kept.
    const buffer = this.buffers.variable(name, valueId, step, evaluateName);
    if (buffer) return buffer;
    const expandable = isExpandable(this.rec, valueId, step);
    const v: DebugProtocol.Variable = {
      name,
      value: renderValue(this.rec, valueId, step),
      type: this.rec.valueType(valueId) ?? '',
      variablesReference: expandable ? this.handles.create({ kind: 'object', valueId, step, evaluateName }) : 0,
    };
    if (evaluateName) v.evaluateName = evaluateName;
    const objectId = this.rec.valObject[valueId];
    const kind = objectId ? this.rec.objects.get(objectId)?.kind : undefined;
    if (expandable && kind && INDEXED_KINDS.has(kind)) {
      v.indexedVariables = this.rec.children(this.rec.objectStateAt(objectId, step)!).length;
    }
    return v;
  }

  scopeVariables(scopeId: number, step: number, isGlobals: boolean): DebugProtocol.Variable[] {
    return this.rec.scopeAt(scopeId, step)
      .map(([nameId, valueId]) => [this.rec.names[nameId], valueId] as const)
      .filter(([name]) => !(isGlobals && HIDDEN_GLOBALS.has(name)))
      .map(([name, valueId]) => this.variable(name, valueId, step, name));
  }

  /**
   * Children of a recorded object. `filter` follows DAP: 'indexed' pages the items (start/count), 'named'
   * gives only the extra entries (len(), cut marker); without a filter, everything.
   */
  objectChildren(valueId: number, step: number, parentExpr: string | undefined, start = 0, count?: number,
    filter?: 'indexed' | 'named'): DebugProtocol.Variable[] {
    const objectId = this.rec.valObject[valueId];
    const state = objectId ? this.rec.objectStateAt(objectId, step) : undefined;
    if (!state) return [];
    const kind = this.rec.objects.get(objectId)?.kind ?? 'instance';
    if (state.cut === -1) {
      return [{ name: '\u2026', value: 'not recorded (beyond the depth limit; the "deep" mode records more)', variablesReference: 0 }];
    }
    const children = this.rec.children(state);
    const page = filter === 'named' ? [] : children.slice(start, count ? start + count : undefined);
    const out = page.map(([key, childId]) => {
      const name = String(key);
      let expr: string | undefined;
      if (parentExpr) {
        if (kind === 'instance') expr = `${parentExpr}.${name}`;
        // An array's recorded snapshot lists its elements flat, in C order: position i is no index expression.
        else if (kind === 'dict' || (INDEXED_KINDS.has(kind) && kind !== 'ndarray' && kind !== 'tensor')) expr = `${parentExpr}[${name}]`;
      }
      return this.variable(name, childId, step, expr);
    });
    if (filter === 'indexed') return out;
    const pageEnd = count ? start + count : children.length;
    if (state.cut > 0 && (filter === 'named' || pageEnd >= children.length)) {
      out.push({ name: '\u2026', value: `${state.cut} more ${kind === 'instance' ? 'attributes' : 'items'} not recorded (limit maxItems)`, variablesReference: 0 });
    }
    if (kind !== 'instance' && kind !== 'opaque' && (start === 0 || filter === 'named')) {
      out.push({ name: 'len()', value: String(state.length), type: 'int', variablesReference: 0, presentationHint: { kind: 'virtual' } });
    }
    return out;
  }

  returnValue(valueId: number, step: number, functionName: string): DebugProtocol.Variable[] {
    return [this.variable(`(return) ${functionName}`, valueId, step)];
  }

  typeLabel(valueId: number): string { return shortTypeName(this.rec.valueType(valueId) ?? ''); }
}
