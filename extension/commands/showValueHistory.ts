// "Show Value History" from the Variables view: lists a variable's changes in a quick pick; picking one jumps
// there with Go to Step. It must not reconstruct values itself: the adapter answers timeline/variableHistory.
// The adapter can hide the menu entry on rows without a history with `__vscodeVariableMenuContext: 'wcf.noHistory'`.
import * as vscode from 'vscode';
import { changesUpTo, formatCount, shortValue } from '../format/historyText';
import { HistoryClient } from '../session/historyClient';
import { activeWaterCodeFlowSession, focusedFrameId, StepTracker } from '../session/stepTracker';
import { gotoStep } from './reverseCommands';

/** What VS Code passes to commands of the `debug/variables/context` menu. */
interface VariablesViewContext {
  sessionId?: string;
  variable?: { name?: string; evaluateName?: string };
}

export function registerShowValueHistory(tracker: StepTracker, history: HistoryClient): vscode.Disposable {
  return vscode.commands.registerCommand('watercodeflow.showValueHistory', async (context?: VariablesViewContext) => {
    const session = activeWaterCodeFlowSession();
    if (!session) {
      void vscode.window.showWarningMessage('WaterCodeFlow: Show Value History works in a stopped WaterCodeFlow debug session.');
      return;
    }
    const name = context?.variable?.evaluateName || context?.variable?.name || (await vscode.window.showInputBox({ title: 'WaterCodeFlow: Show Value History', prompt: 'Variable name' }));
    if (!name) return;
    const current = tracker.stopOf(session)?.step;
    const answer = await history.variableHistory(session, name, focusedFrameId(session), current);
    if (!answer || answer.changes.length === 0) {
      void vscode.window.showInformationMessage(`WaterCodeFlow: no recorded changes of "${name}" in this frame.`);
      return;
    }
    const items = changesUpTo(answer.changes, undefined).map((c) => ({
      label: `${c.step === current ? '$(debug-stackframe) ' : ''}step ${formatCount(c.step)}: ${shortValue(c.value, 60)}`,
      description: `${c.function || '<module>'} line ${c.line}`,
      detail: c.type,
      step: c.step,
    }));
    const more = answer.total - answer.changes.length;
    const picked = await vscode.window.showQuickPick(items, {
      title: `Value history of ${name} (${formatCount(answer.total)} change${answer.total === 1 ? '' : 's'}${more > 0 ? `, newest ${formatCount(answer.changes.length)} shown` : ''})`,
      placeHolder: 'Pick a change to go to that step',
      matchOnDescription: true,
    });
    if (picked) await gotoStep(tracker, picked.step);
  });
}
