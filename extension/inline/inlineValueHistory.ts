// Inline values for WaterCodeFlow sessions only: on each visible line where a variable of the current frame
// changed, `x = 7 ← 3 ← 1` (newest first, bounded). It must not answer for other debuggers' sessions.
import * as path from 'path';
import * as vscode from 'vscode';
import { changesUpTo, inlineHistoryText, isDefinitionChange } from '../format/historyText';
import { identifiersOnLine } from '../format/identifiers';
import { ValueChange } from '../protocol';
import { HistoryClient } from '../session/historyClient';
import { activeWaterCodeFlowSession, StepTracker } from '../session/stepTracker';

/** At most this many names are asked about per stop, to keep each stop cheap. */
const MAX_NAMES_PER_STOP = 40;

export class InlineValueHistoryProvider implements vscode.InlineValuesProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlineValues = this.changed.event;

  constructor(private readonly tracker: StepTracker, private readonly history: HistoryClient) {
    tracker.onDidChangeStop(() => this.changed.fire());
  }

  async provideInlineValues(document: vscode.TextDocument, viewPort: vscode.Range, context: vscode.InlineValueContext): Promise<vscode.InlineValue[]> {
    const session = activeWaterCodeFlowSession();
    if (!session || !vscode.workspace.getConfiguration('watercodeflow').get<boolean>('inlineHistory.enabled', true)) return [];
    const maxValues = vscode.workspace.getConfiguration('watercodeflow').get<number>('inlineHistory.maxValues', 4);
    const currentStep = this.tracker.stopOf(session)?.step;
    const firstLine = viewPort.start.line;
    const lastLine = Math.min(viewPort.end.line, document.lineCount - 1);

    const namesInView = new Set<string>();
    for (let line = firstLine; line <= lastLine && line < document.lineCount; line++) {
      for (const id of identifiersOnLine(document.lineAt(line).text)) namesInView.add(id.name);
    }
    const frameNames = await variableNamesOfFrame(session, context.frameId);
    const names = [...namesInView].filter((n) => frameNames === undefined || frameNames.has(n)).slice(0, MAX_NAMES_PER_STOP);

    const file = path.resolve(document.uri.fsPath);
    const values: vscode.InlineValue[] = [];
    const answers = await Promise.all(names.map((name) => this.history.variableHistory(session, name, context.frameId, currentStep)));
    names.forEach((name, i) => {
      const answer = answers[i];
      if (!answer) return;
      for (const [line, changes] of changesByLine(answer.changes, file, firstLine + 1, lastLine + 1)) {
        const newestFirst = changesUpTo(changes.filter((c) => !isDefinitionChange(c)), currentStep);
        if (newestFirst.length === 0) continue;
        const zeroBased = line - 1;
        const end = document.lineAt(zeroBased).range.end;
        values.push(new vscode.InlineValueText(new vscode.Range(end, end), inlineHistoryText(name, newestFirst, maxValues)));
      }
    });
    return values;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Changes made in `file` on 1-based lines `first..last`, grouped by line. */
export function changesByLine(changes: readonly ValueChange[], file: string, first: number, last: number): Map<number, ValueChange[]> {
  const byLine = new Map<number, ValueChange[]>();
  for (const change of changes) {
    if (change.line < first || change.line > last) continue;
    if (change.path && path.resolve(change.path) !== file) continue;
    const list = byLine.get(change.line) ?? [];
    list.push(change);
    byLine.set(change.line, list);
  }
  return byLine;
}

/** Names visible in the frame's non-expensive scopes, or undefined when the adapter cannot list them. */
async function variableNamesOfFrame(session: vscode.DebugSession, frameId: number): Promise<Set<string> | undefined> {
  try {
    const scopes = (await session.customRequest('scopes', { frameId })) as { scopes?: Array<{ variablesReference: number; expensive?: boolean }> };
    const names = new Set<string>();
    for (const scope of scopes.scopes ?? []) {
      if (scope.expensive || !scope.variablesReference) continue;
      const reply = (await session.customRequest('variables', { variablesReference: scope.variablesReference })) as { variables?: Array<{ name: string }> };
      for (const v of reply.variables ?? []) names.add(v.name);
    }
    return names;
  } catch (err) {
    console.warn(`WaterCodeFlow: could not list the variables of frame ${frameId}: ${String(err)}`);
    return undefined;
  }
}
