// Tracks the recording step each WaterCodeFlow debug session is stopped at, from the adapter's `stopped`
// event body field `step`. It only observes DAP traffic; it must not send requests or change messages.
import * as vscode from 'vscode';
import { DEBUG_TYPE, StepIndex } from '../protocol';

export interface StopInfo {
  session: vscode.DebugSession;
  step: StepIndex | undefined;
  threadId: number | undefined;
}

export class StepTracker implements vscode.DebugAdapterTrackerFactory, vscode.Disposable {
  private readonly stops = new Map<string, StopInfo>();
  private readonly changed = new vscode.EventEmitter<StopInfo | undefined>();
  /** Fires after a stop (with its step) and when a session runs on or ends (undefined). */
  readonly onDidChangeStop = this.changed.event;

  createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    return {
      onDidSendMessage: (message: { type?: string; event?: string; body?: Record<string, unknown> }) => {
        if (message.type !== 'event') return;
        if (message.event === 'stopped') {
          const body = message.body ?? {};
          const step = typeof body.step === 'number' ? body.step : undefined;
          const threadId = typeof body.threadId === 'number' ? body.threadId : undefined;
          const info = { session, step, threadId };
          this.stops.set(session.id, info);
          this.changed.fire(info);
        } else if (message.event === 'continued' || message.event === 'terminated') {
          this.stops.delete(session.id);
          this.changed.fire(undefined);
        }
      },
      onExit: () => {
        this.stops.delete(session.id);
        this.changed.fire(undefined);
      },
    };
  }

  /** The last stop of `session`, or of the active WaterCodeFlow session. */
  stopOf(session: vscode.DebugSession | undefined = activeWaterCodeFlowSession()): StopInfo | undefined {
    return session ? this.stops.get(session.id) : undefined;
  }

  dispose(): void {
    this.changed.dispose();
    this.stops.clear();
  }
}

export function activeWaterCodeFlowSession(): vscode.DebugSession | undefined {
  const session = vscode.debug.activeDebugSession;
  return session && session.type === DEBUG_TYPE ? session : undefined;
}

/** The focused frame id in the Call Stack, when it belongs to `session`. */
export function focusedFrameId(session: vscode.DebugSession): number | undefined {
  const item = vscode.debug.activeStackItem;
  if (item && item.session.id === session.id && item instanceof vscode.DebugStackFrame) return item.frameId;
  return undefined;
}

/** The focused thread of `session` (Call Stack focus, else the last stop, else the adapter's first thread). */
export async function focusedThreadId(session: vscode.DebugSession, tracker: StepTracker): Promise<number> {
  const item = vscode.debug.activeStackItem;
  if (item && item.session.id === session.id) return item.threadId;
  const stopped = tracker.stopOf(session)?.threadId;
  if (stopped !== undefined) return stopped;
  const reply = (await session.customRequest('threads')) as { threads?: Array<{ id: number }> };
  const first = reply?.threads?.[0]?.id;
  if (first === undefined) throw new Error('WaterCodeFlow: the debug session reports no threads.');
  return first;
}
