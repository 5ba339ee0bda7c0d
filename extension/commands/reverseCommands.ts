// The reverse-navigation commands: Reverse Step Into, Reverse Step Out and Go to Step…, each one custom DAP
// request to the active WaterCodeFlow session. They must not compute steps themselves: the adapter owns that.
import * as vscode from 'vscode';
import { GotoStepArgs, Requests, SummaryResponse, ThreadArgs } from '../protocol';
import { activeWaterCodeFlowSession, focusedThreadId, StepTracker } from '../session/stepTracker';
import { formatCount } from '../format/historyText';
import { parseStep, stepFromArgument, validateStepInput } from '../format/stepInput';

export function registerReverseCommands(tracker: StepTracker): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('watercodeflow.reverseStepIn', () => reverseStep(tracker, Requests.reverseStepIn)),
    vscode.commands.registerCommand('watercodeflow.reverseStepOut', () => reverseStep(tracker, Requests.reverseStepOut)),
    vscode.commands.registerCommand('watercodeflow.gotoStep', (arg?: unknown) => gotoStep(tracker, arg)),
  ];
}

async function reverseStep(tracker: StepTracker, request: string): Promise<void> {
  const session = requireSession();
  if (!session) return;
  try {
    const args: ThreadArgs = { threadId: await focusedThreadId(session, tracker) };
    await session.customRequest(request, args);
  } catch (err) {
    void vscode.window.showErrorMessage(`WaterCodeFlow: ${request} failed: ${messageOf(err)}`);
  }
}

/** `arg` is a step number or `{step}` (from hovers and quick picks); without it, asks for one. */
export async function gotoStep(tracker: StepTracker, arg?: unknown): Promise<void> {
  const session = requireSession();
  if (!session) return;
  let step = stepFromArgument(arg);
  if (step === undefined) {
    const summary = await trySummary(session);
    const last = summary?.stepCount !== undefined ? summary.stepCount - 1 : undefined;
    const current = tracker.stopOf(session)?.step ?? summary?.currentStep;
    const input = await vscode.window.showInputBox({
      title: 'WaterCodeFlow: Go to Step',
      prompt: last !== undefined ? `Step number, 0 to ${formatCount(last)}` : 'Step number (0 is the first step)',
      value: current !== undefined ? String(current) : '',
      validateInput: (text) => validateStepInput(text, last),
    });
    if (input === undefined) return;
    step = parseStep(input);
  }
  if (step === undefined) return;
  try {
    const args: GotoStepArgs = { step };
    await session.customRequest(Requests.gotoStep, args);
  } catch (err) {
    void vscode.window.showErrorMessage(`WaterCodeFlow: could not go to step ${step}: ${messageOf(err)}`);
  }
}

async function trySummary(session: vscode.DebugSession): Promise<SummaryResponse | undefined> {
  try {
    return (await session.customRequest(Requests.summary)) as SummaryResponse;
  } catch {
    return undefined;
  }
}

function requireSession(): vscode.DebugSession | undefined {
  const session = activeWaterCodeFlowSession();
  if (!session) void vscode.window.showWarningMessage('WaterCodeFlow: start a WaterCodeFlow debug session first (F5 with a "watercodeflow" configuration).');
  return session;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
