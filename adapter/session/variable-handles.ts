// Maps DAP variablesReference numbers to what they show (a scope at a step, a recorded object at a step,
// a view of a recorded buffer at a step, a return value). References are valid until the next stop, like in
// any debugger. Must not render values.
import type { StridedView } from '../timeline/buffer-layout';

export type VariableContainer =
  | { kind: 'scope'; scopeId: number; step: number; frameId: number }
  | { kind: 'object'; valueId: number; step: number; evaluateName?: string }
  | { kind: 'return'; valueId: number; step: number; functionName: string }
  /**
   * Elements (or rows) of a recorded buffer: `view` of object `objectId` at `step`. `indices` are the indices
   * that led here from `evaluateName`'s value (rows of rows); `root` is the object itself (shape, dtype shown).
   */
  | { kind: 'buffer'; objectId: number; step: number; view: StridedView; root: boolean; evaluateName?: string; indices: number[] };

export class VariableHandles {
  private readonly byRef = new Map<number, VariableContainer>();
  private readonly byKey = new Map<string, number>();
  private next = 1;

  reset(): void { this.byRef.clear(); this.byKey.clear(); }

  create(container: VariableContainer): number {
    const key = JSON.stringify(container);
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    const ref = this.next++;
    this.byRef.set(ref, container);
    this.byKey.set(key, ref);
    return ref;
  }

  get(ref: number): VariableContainer | undefined { return this.byRef.get(ref); }
}
