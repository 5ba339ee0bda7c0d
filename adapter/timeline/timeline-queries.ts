// Whole-recording queries behind the timeline/* custom requests: summary, a variable's value history,
// the steps that ran a line, a window of steps. Paged with start/count; must not know about DAP.
import { Recording } from './recording';
import { STEP_KIND_NAMES } from './schema';
import { changeSteps } from './value-changes';
import { renderValue } from './value-render';

export interface Page { start?: number; count?: number }
export interface ValueChange { step: number; line: number; path: string; function: string; value: string; type: string }
export interface StepRow { step: number; kind: string; path: string; line: number; function: string; threadId: number; depth: number }

const DEFAULT_PAGE = 1000;
const MAX_PAGE = 100000;

/** [start, count] of a request's page: count defaults to 1000 and is capped at 100000. */
export function pageBounds(page: Page): [number, number] {
  return [Math.max(0, Math.floor(page.start ?? 0)), Math.min(MAX_PAGE, Math.max(0, Math.floor(page.count ?? DEFAULT_PAGE)))];
}

export function pageOf<T>(items: ArrayLike<T>, page: Page): T[] {
  const [start, count] = pageBounds(page);
  return Array.prototype.slice.call(items, start, start + count) as T[];
}

export function summary(rec: Recording, currentStep: number) {
  const functions = new Set<string>();
  for (const c of rec.code) functions.add(`${c[1].fileId}:${c[1].qualname}`);
  return {
    steps: rec.stepCount,
    /** Same as `steps` (the name extension/protocol.ts reads). */
    stepCount: rec.stepCount,
    threads: rec.threads.length,
    files: rec.files.size,
    functions: functions.size,
    exceptions: rec.exceptions.length,
    // A file still marked "recording" was never closed by the recorder: its process was killed.
    status: rec.meta.get('status') === 'recording' ? 'killed' : rec.meta.get('status') ?? 'unknown',
    exitCode: rec.metaNumber('exit_code') ?? null,
    currentStep,
    recording: rec.path,
    threadList: rec.threads.map((t) => ({ id: t.threadId, name: t.name })),
    fileList: [...rec.files.values()],
    notices: rec.notices,
  };
}

/**
 * Every value `name` took, as the steps where it became visible. With `frameId`, the name as seen from that
 * frame (its locals, else its module's globals); with `everywhere`, in every scope that ever bound it.
 */
export function variableHistory(rec: Recording, name: string, frameId: number | undefined, everywhere: boolean, page: Page) {
  const nameId = rec.nameId(name);
  if (nameId === undefined) return { changes: [] as ValueChange[], total: 0 };
  let scopeIds: number[];
  if (everywhere || frameId === undefined) {
    scopeIds = rec.bindings.scopesBinding(nameId);
  } else {
    const locals = rec.frames.localsScope[frameId];
    scopeIds = rec.bindings.hasName(locals, nameId) ? [locals] : [rec.frames.globalsScope[frameId]];
  }
  const entries: Array<[number, number]> = [];
  for (const scopeId of scopeIds) for (const step of changeSteps(rec, { kind: 'binding', scopeId, nameId })) entries.push([step, scopeId]);
  entries.sort((a, b) => a[0] - b[0]);
  const changes = pageOf(entries, page).map(([step, scopeId]): ValueChange => {
    const valueId = rec.bindingAt(scopeId, nameId, step) ?? 0;
    const scope = rec.scopes.get(scopeId);
    // The line that made the change is the one before the step where it is visible.
    const at = Math.max(0, step - 1);
    const frame = scope?.kind === 'locals' && scope.frameId ? scope.frameId : rec.stepFrame[at];
    const code = rec.codeOfFrame(frame);
    return {
      step, line: rec.frameLineAt(frame, at), path: code ? rec.files.get(code.fileId) ?? '' : '', function: code?.qualname ?? '',
      value: valueId ? renderValue(rec, valueId, step) : '<unbound>', type: valueId ? rec.valueType(valueId) ?? '' : '',
    };
  });
  return { changes, total: entries.length };
}

export function lineHits(rec: Recording, fileId: number | undefined, line: number, page: Page) {
  const steps = fileId === undefined ? new Int32Array(0) : rec.stepsOfLine(fileId, line);
  return { steps: pageOf(steps, page), total: steps.length };
}

export function stepWindow(rec: Recording, page: Page) {
  const [start, count] = pageBounds(page);
  const steps: StepRow[] = [];
  for (let s = start; s < Math.min(rec.stepCount, start + count); s++) {
    const frame = rec.stepFrame[s];
    const code = rec.codeOfFrame(frame);
    steps.push({
      step: s, kind: STEP_KIND_NAMES[rec.stepKind[s]] ?? String(rec.stepKind[s]), path: code ? rec.files.get(code.fileId) ?? '' : '',
      line: rec.stepLine[s], function: code?.qualname ?? '', threadId: rec.frames.thread[frame], depth: rec.frames.depth[frame],
    });
  }
  return { steps, total: rec.stepCount };
}
