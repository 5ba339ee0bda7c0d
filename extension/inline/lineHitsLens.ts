// CodeLens "ran 1,204×" while a WaterCodeFlow session is stopped: on the first line of each run of executed
// lines that ran equally often (so a loop body gets one lens, not one per line). Nothing outside such a session.
import * as path from 'path';
import * as vscode from 'vscode';
import { lineHitsText } from '../format/historyText';
import { blankStringsAndComment } from '../format/identifiers';
import { lensLines } from '../format/lensLines';
import { HistoryClient } from '../session/historyClient';
import { activeWaterCodeFlowSession, StepTracker } from '../session/stepTracker';

/** Files longer than this get no lenses (one request per line). */
const MAX_LINES = 3000;

export class LineHitsLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly tracker: StepTracker, private readonly history: HistoryClient) {
    tracker.onDidChangeStop(() => this.changed.fire());
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const session = activeWaterCodeFlowSession();
    if (!session || !this.tracker.stopOf(session) || document.lineCount > MAX_LINES) return [];
    if (!vscode.workspace.getConfiguration('watercodeflow').get<boolean>('lineHits.enabled', true)) return [];
    const file = path.resolve(document.uri.fsPath);
    const codeLines: number[] = [];
    for (let i = 0; i < document.lineCount; i++) {
      if (blankStringsAndComment(document.lineAt(i).text).trim() !== '') codeLines.push(i + 1);
    }
    const counts = await Promise.all(codeLines.map((line) => this.history.lineHitCount(session, file, line)));
    if (token.isCancellationRequested) return [];
    return lensLines(codeLines, counts).map(({ line, count }) => {
      const range = document.lineAt(line - 1).range;
      return new vscode.CodeLens(range, { title: lineHitsText(count), command: '' });
    });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
