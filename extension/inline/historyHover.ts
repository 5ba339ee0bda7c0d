// Hover on a variable in a WaterCodeFlow session: its full value history with each step as a link that jumps
// there (Go to Step). It must not answer outside a stopped WaterCodeFlow session.
import * as vscode from 'vscode';
import { changesUpTo, historyHoverMarkdown } from '../format/historyText';
import { HistoryClient } from '../session/historyClient';
import { activeWaterCodeFlowSession, focusedFrameId, StepTracker } from '../session/stepTracker';

const GOTO_COMMAND = 'watercodeflow.gotoStep';
const MAX_ROWS = 30;

export class HistoryHoverProvider implements vscode.HoverProvider {
  constructor(private readonly tracker: StepTracker, private readonly history: HistoryClient) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const session = activeWaterCodeFlowSession();
    const stop = session && this.tracker.stopOf(session);
    if (!session || !stop) return undefined;
    const range = document.getWordRangeAtPosition(position, /[A-Za-z_][A-Za-z0-9_]*/);
    if (!range) return undefined;
    const name = document.getText(range);
    const answer = await this.history.variableHistory(session, name, focusedFrameId(session), stop.step);
    if (!answer || answer.changes.length === 0) return undefined;
    // The whole history, past and future, newest first: the hover is where the user looks beyond the cursor.
    const newestFirst = changesUpTo(answer.changes, undefined).slice(0, MAX_ROWS);
    const markdown = new vscode.MarkdownString(historyHoverMarkdown(name, newestFirst, answer.total, GOTO_COMMAND, stop.step));
    markdown.isTrusted = { enabledCommands: [GOTO_COMMAND] };
    return new vscode.Hover(markdown, range);
  }
}
