// Asks the adapter for value histories and line hit counts, caching answers (histories per stop, hit counts
// per session: they cover the whole recording). It must not format text or touch the editor.
import * as vscode from 'vscode';
import { LineHitsArgs, LineHitsResponse, Requests, ValueChange, VariableHistoryArgs, VariableHistoryResponse } from '../protocol';
import { StepTracker } from './stepTracker';

/** How many changes one history request asks for. */
const PAGE = 500;

/** A window of a variable's changes (oldest first) and how many changes lie before and after it. */
export interface HistoryWindow {
  changes: ValueChange[];
  total: number;
  olderNotReceived: number;
}

export class HistoryClient implements vscode.Disposable {
  private perStop = new Map<string, Promise<unknown>>();
  private readonly perSession = new Map<string, Promise<unknown>>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Sessions whose adapter does not know the timeline requests: not asked again. */
  private readonly unsupported = new Set<string>();

  constructor(tracker: StepTracker) {
    this.subscriptions.push(
      tracker.onDidChangeStop(() => {
        this.perStop = new Map();
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        for (const key of [...this.perSession.keys()]) if (key.startsWith(`${s.id}|`)) this.perSession.delete(key);
        this.unsupported.delete(s.id);
      }),
    );
  }

  /**
   * The changes of `name` as seen from `frameId`, in a window that ends at `aroundStep` (the current step) when
   * the history is longer than one page, so a hot loop's history still shows its latest values.
   */
  async variableHistory(session: vscode.DebugSession, name: string, frameId: number | undefined, aroundStep?: number): Promise<HistoryWindow | undefined> {
    const first = await this.historyPage(session, name, frameId, 0, PAGE);
    if (!first) return undefined;
    if (first.total <= first.changes.length || aroundStep === undefined) return { ...first, olderNotReceived: 0 };
    // Binary search (one-change pages) for the first change after aroundStep, then take the page before it.
    let lo = 0;
    let hi = first.total;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const probe = await this.historyPage(session, name, frameId, mid, 1);
      const step = probe?.changes[0]?.step;
      if (step === undefined) break;
      if (step <= aroundStep) lo = mid + 1;
      else hi = mid;
    }
    const start = Math.max(0, lo - PAGE);
    const page = await this.historyPage(session, name, frameId, start, PAGE);
    return page ? { ...page, olderNotReceived: start } : undefined;
  }

  private async historyPage(session: vscode.DebugSession, name: string, frameId: number | undefined, start: number, count: number): Promise<VariableHistoryResponse | undefined> {
    const args: VariableHistoryArgs & { start: number; count: number } = { name, start, count, ...(frameId === undefined ? {} : { frameId }) };
    const key = `${session.id}|h|${frameId ?? ''}|${name}|${start}|${count}`;
    const answer = await this.ask(this.perStop, key, session, Requests.variableHistory, args);
    if (answer === undefined) return undefined;
    const reply = answer as Partial<VariableHistoryResponse>;
    const changes = Array.isArray(reply.changes) ? reply.changes : [];
    return { changes, total: typeof reply.total === 'number' ? reply.total : changes.length };
  }

  /** How many times `line` (1-based) of `path` ran in the whole recording; undefined when unknown. */
  async lineHitCount(session: vscode.DebugSession, path: string, line: number): Promise<number | undefined> {
    const args: LineHitsArgs = { path, line, start: 0, count: 0 };
    const answer = (await this.ask(this.perSession, `${session.id}|l|${path}|${line}`, session, Requests.lineHits, args)) as LineHitsResponse | undefined;
    return answer && typeof answer.total === 'number' ? answer.total : undefined;
  }

  isUnsupported(session: vscode.DebugSession): boolean {
    return this.unsupported.has(session.id);
  }

  private ask(cache: Map<string, Promise<unknown>>, key: string, session: vscode.DebugSession, request: string, args: object): Promise<unknown> {
    if (this.unsupported.has(session.id)) return Promise.resolve(undefined);
    let pending = cache.get(key);
    if (!pending) {
      pending = Promise.resolve(session.customRequest(request, args)).then(
        (value) => value,
        (err) => {
          const message = String(err?.message ?? err);
          // An adapter without the timeline requests answers "unrecognized request": stop asking it.
          if (/unrecognized|not supported|unknown request/i.test(message)) this.unsupported.add(session.id);
          console.warn(`WaterCodeFlow: ${request} ${JSON.stringify(args)} failed: ${message}`);
          return undefined;
        },
      );
      cache.set(key, pending);
    }
    return pending;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.perStop.clear();
    this.perSession.clear();
  }
}
