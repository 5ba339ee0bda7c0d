// One DAP session against the real adapter process (dist/adapter.js): launch sequence, event queues,
// request timeouts and diagnostics. Must not know the adapter's internals: it speaks only DAP.
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { DebugProtocol } from '@vscode/debugprotocol';
import { ChildProcess } from 'child_process';
import { adapterPath, programsDir, repoRoot, testPython } from './paths';
import type { ResponseBody } from './responses';

export const REQUEST_TIMEOUT_MS = 20_000;
export const LAUNCH_TIMEOUT_MS = 60_000;
/** WCF_TEST_TRACE=1 prints every request, response and event to stderr (for debugging a failing test). */
const TRACE = process.env.WCF_TEST_TRACE === '1';

function trace(direction: string, message: unknown): void {
  if (TRACE) {
    process.stderr.write(`[dap ${new Date().toISOString().slice(11, 23)}] ${direction} ${JSON.stringify(message).slice(0, 400)}\n`);
  }
}

/** The body of a `stopped` event, with the WaterCodeFlow `step` extension. */
export interface Stop {
  reason: string;
  description?: string;
  text?: string;
  threadId: number;
  step?: number;
  hitBreakpointIds?: number[];
  allThreadsStopped?: boolean;
}

/** Launch arguments of the "watercodeflow" debug type, as in the contract. */
export interface LaunchArgs {
  program?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  python?: string;
  mode?: 'lite' | 'balanced' | 'deep';
  justMyCode?: boolean;
  stopOnEntry?: boolean;
  recording?: string;
  maxRecordingSize?: number;
  replay?: string;
  [unknownField: string]: unknown;
}

export type StepCommand =
  | 'next' | 'stepIn' | 'stepOut' | 'continue'
  | 'stepBack' | 'reverseContinue' | 'reverseStepIn' | 'reverseStepOut';

/** The event body fields the tests read: DAP's output, breakpoint and progress events, the stop's `step`. */
export type EventBody = Partial<DebugProtocol.OutputEvent['body'] & DebugProtocol.BreakpointEvent['body']
  & DebugProtocol.ProgressStartEvent['body'] & DebugProtocol.ProgressUpdateEvent['body']> & { step?: number };

export interface RecordedEvent {
  event: string;
  body: EventBody;
}

/** A failed DAP response turned into an Error that keeps the adapter's message. */
export class FailedResponse extends Error {
  constructor(readonly command: string, readonly adapterMessage: string) {
    super(`${command} failed: ${adapterMessage}`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string, diagnostics: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms${diagnostics()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The message of a failed response: `message`, plus `body.error.format` when the adapter gave one. */
function failureText(response: DebugProtocol.Response): string {
  const parts = [response.message ?? ''];
  const format = (response.body as { error?: DebugProtocol.Message } | undefined)?.error?.format;
  if (format && format !== response.message) {
    parts.push(format);
  }
  return parts.filter(Boolean).join(' | ') || '(failed response without a message)';
}

export class AdapterSession {
  readonly events: RecordedEvent[] = [];
  /** The thread the last stop happened on; step requests go to it. */
  threadId = 0;
  lastStop: Stop | undefined;
  private readonly pendingStops: Stop[] = [];
  private stopWaiters: Array<{ resolve: (stop: Stop) => void; reject: (error: Error) => void }> = [];
  private eventWaiters: Array<{ name: string; resolve: (event: RecordedEvent) => void }> = [];
  /** Rejecters of requests and event waits still open: all fail at once when the adapter process exits. */
  private readonly openWaits = new Set<(error: Error) => void>();
  private stderrTail = '';
  private exitDescription: string | undefined;
  private closing = false;
  private constructor(readonly client: DebugClient, private readonly process: ChildProcess) {}

  /** Starts `node dist/adapter.js` and connects a DebugClient to it. */
  static async start(): Promise<AdapterSession> {
    const client = new DebugClient('node', adapterPath(), 'watercodeflow', { cwd: repoRoot() }, false);
    await client.start();
    // DebugClient keeps its adapter process private; the tests need it for stderr and exit diagnostics.
    const child = (client as unknown as { _adapterProcess: ChildProcess })._adapterProcess;
    const session = new AdapterSession(client, child);
    child.stderr?.on('data', (chunk: Buffer) => {
      session.stderrTail = (session.stderrTail + chunk.toString()).slice(-4000);
    });
    child.stdin?.on('error', () => undefined); // writing to an adapter that died is reported by 'exit'
    child.on('exit', (code, signal) => {
      session.exitDescription = `adapter process exited (code ${code}, signal ${signal})`;
      // Let the last stderr chunk arrive before the diagnostics are frozen into the errors.
      setTimeout(() => {
        const error = new Error(`${session.exitDescription} while a stop was awaited${session.diagnostics()}`);
        session.stopWaiters.splice(0).forEach((waiter) => waiter.reject(error));
        const pending = new Error(`${session.exitDescription} before answering${session.diagnostics()}`);
        [...session.openWaits].forEach((reject) => reject(pending));
      }, 50);
    });
    const originalEmit = client.emit.bind(client);
    client.emit = (name: string | symbol, ...rest: unknown[]): boolean => {
      const message = rest[0] as { type?: string; body?: EventBody } | undefined;
      if (typeof name === 'string' && message && message.type === 'event') {
        session.onEvent({ event: name, body: message.body ?? {} });
      }
      return originalEmit(name, ...rest);
    };
    return session;
  }

  /** Adapter stderr tail and exit state, appended to errors so a failing test says what the adapter said. */
  diagnostics(): string {
    const parts: string[] = [];
    if (this.exitDescription) {
      parts.push(this.exitDescription);
    }
    if (this.stderrTail.trim()) {
      parts.push(`adapter stderr (tail):\n${this.stderrTail.trim()}`);
    }
    return parts.length ? `\n  [${parts.join('\n  ')}]` : '';
  }

  private onEvent(event: RecordedEvent): void {
    trace('<= event', event);
    this.events.push(event);
    if (event.event === 'stopped') {
      const stop = event.body as Stop;
      const waiter = this.stopWaiters.shift();
      if (waiter) {
        waiter.resolve(stop);
      } else {
        this.pendingStops.push(stop);
      }
    }
    if (event.event === 'terminated' || event.event === 'exited') {
      const error = new Error(`the adapter sent '${event.event}' while a stop was awaited${this.diagnostics()}`);
      this.stopWaiters.splice(0).forEach((waiter) => waiter.reject(error));
    }
    const matching = this.eventWaiters.filter((waiter) => waiter.name === event.event);
    this.eventWaiters = this.eventWaiters.filter((waiter) => waiter.name !== event.event);
    matching.forEach((waiter) => waiter.resolve(event));
  }

  /** Sends a request and returns the whole response, successful or not. */
  raw(command: string, args?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<DebugProtocol.Response> {
    return this.guarded(new Promise<DebugProtocol.Response>((resolve, reject) => {
      if (this.exitDescription) {
        reject(new Error(`cannot send '${command}': ${this.exitDescription}${this.diagnostics()}`));
        return;
      }
      trace('->', { command, args });
      // ProtocolClient.doSend (private) sends any command; its public send() knows only the standard ones.
      const client = this.client as unknown as { doSend(command: string, args: unknown, done: (response: DebugProtocol.Response) => void): void };
      client.doSend(command, args, (response: DebugProtocol.Response) => {
        trace('<-', response);
        resolve(response);
      });
    }), timeoutMs, `'${command}' ${JSON.stringify(args ?? {})}`);
  }

  /** A wait that fails on timeout, and at once if the adapter process exits meanwhile. */
  private guarded<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    let rejectOnExit: (error: Error) => void = () => undefined;
    const onExit = new Promise<T>((_, reject) => {
      rejectOnExit = reject;
    });
    this.openWaits.add(rejectOnExit);
    return withTimeout(Promise.race([promise, onExit]), timeoutMs, what, () => this.diagnostics())
      .finally(() => this.openWaits.delete(rejectOnExit));
  }

  /** Sends a request; a failed response throws FailedResponse with the adapter's message. */
  async request<C extends string>(command: C, args?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ResponseBody<C>> {
    const response = await this.raw(command, args, timeoutMs);
    if (!response.success) {
      throw new FailedResponse(command, failureText(response) + this.diagnostics());
    }
    return (response.body ?? {}) as ResponseBody<C>;
  }

  /** Sends a request that must fail; returns the failure message (throws if it succeeded). */
  async requestFailure(command: string, args?: unknown): Promise<string> {
    const response = await this.raw(command, args);
    if (response.success) {
      throw new Error(`expected '${command}' ${JSON.stringify(args)} to fail, but it succeeded with ${JSON.stringify(response.body)}`);
    }
    return failureText(response);
  }

  /** Resolves with the next event called `name` that arrives after this call. */
  waitForEvent(name: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<RecordedEvent> {
    const arrival = new Promise<RecordedEvent>((resolve) => this.eventWaiters.push({ name, resolve }));
    return this.guarded(arrival, timeoutMs, `event '${name}'`);
  }

  /** The next `stopped` event (queued or future). */
  nextStop(timeoutMs = REQUEST_TIMEOUT_MS): Promise<Stop> {
    const queued = this.pendingStops.shift();
    if (!queued && this.exitDescription) {
      return Promise.reject(new Error(`${this.exitDescription} while a stop was awaited${this.diagnostics()}`));
    }
    const arrival = queued
      ? Promise.resolve(queued)
      : new Promise<Stop>((resolve, reject) => this.stopWaiters.push({ resolve, reject }));
    return withTimeout(arrival, timeoutMs, "a 'stopped' event", () => this.diagnostics()).then((stop) => {
      this.lastStop = stop;
      if (typeof stop.threadId === 'number') {
        this.threadId = stop.threadId;
      }
      return stop;
    });
  }

  /** The launch arguments VS Code would send for a fixture (VS Code adds type/request/name/__sessionId). */
  static launchArgsFor(fixture: string | undefined, extra: LaunchArgs = {}): LaunchArgs {
    const base: LaunchArgs = {
      type: 'watercodeflow',
      request: 'launch',
      name: 'WaterCodeFlow DAP test',
      __sessionId: `dap-test-${process.pid}-${Date.now()}`,
    };
    if (fixture !== undefined) {
      base.program = `${programsDir()}/${fixture}`;
      base.python = testPython();
      base.cwd = programsDir();
    }
    return { ...base, ...extra };
  }

  /**
   * initialize, launch, configure (breakpoints) on `initialized`, configurationDone, then the first stop.
   * Works whether the adapter sends `initialized` before or after answering `launch`.
   */
  async launch(args: LaunchArgs, configure?: (session: AdapterSession) => Promise<void>): Promise<Stop> {
    const launched = await this.startLaunch(args, configure);
    if (!launched.success) {
      throw new FailedResponse('launch', failureText(launched) + this.diagnostics());
    }
    return this.nextStop(LAUNCH_TIMEOUT_MS);
  }

  /** Runs the launch sequence expecting a failed `launch` response; returns its message. */
  async launchFailure(args: LaunchArgs): Promise<string> {
    const launched = await this.startLaunch(args);
    if (launched.success) {
      throw new Error(`expected launch ${JSON.stringify(args)} to fail, but the adapter accepted it`);
    }
    return failureText(launched);
  }

  capabilities: DebugProtocol.Capabilities = {};

  private async startLaunch(
    args: LaunchArgs,
    configure?: (session: AdapterSession) => Promise<void>,
  ): Promise<DebugProtocol.Response> {
    // Adapters may send `initialized` right behind the initialize response: listen before asking.
    const initialized = this.waitForEvent('initialized', LAUNCH_TIMEOUT_MS);
    initialized.catch(() => undefined);
    this.capabilities = await this.request('initialize', {
      clientID: 'vscode',
      clientName: 'WaterCodeFlow DAP tests',
      adapterID: 'watercodeflow',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
      supportsVariableType: true,
      supportsVariablePaging: true,
      supportsProgressReporting: true,
      supportsRunInTerminalRequest: false,
    });
    const launched = this.raw('launch', args, LAUNCH_TIMEOUT_MS);
    const first = await Promise.race([
      initialized.then(() => 'initialized' as const),
      launched.then((response) => (response.success ? ('launched' as const) : ('failed' as const))),
    ]);
    if (first === 'failed') {
      return launched;
    }
    if (first === 'launched') {
      await initialized;
    }
    if (configure) {
      await configure(this);
    }
    await this.request('configurationDone', {});
    return launched;
  }

  /** A stepping request on the current thread, then the stop it causes. */
  async step(command: StepCommand, extra: Record<string, unknown> = {}): Promise<Stop> {
    this.pendingStops.length = 0;
    await this.request(command, { threadId: this.threadId, ...extra });
    return this.nextStop();
  }

  /** A request that moves the cursor (goto, gotoStep, restartFrame, restart), then the stop it causes. */
  async move(command: string, args: unknown): Promise<Stop> {
    this.pendingStops.length = 0;
    await this.request(command, args);
    return this.nextStop();
  }

  async stackTrace(threadId = this.threadId): Promise<DebugProtocol.StackFrame[]> {
    const body = await this.request('stackTrace', { threadId, startFrame: 0, levels: 200 });
    return body.stackFrames;
  }

  async topFrame(threadId = this.threadId): Promise<DebugProtocol.StackFrame> {
    const frames = await this.stackTrace(threadId);
    if (frames.length === 0) {
      throw new Error(`stackTrace of thread ${threadId} is empty at ${JSON.stringify(this.lastStop)}`);
    }
    return frames[0];
  }

  async scopes(frameId: number): Promise<DebugProtocol.Scope[]> {
    return (await this.request('scopes', { frameId })).scopes;
  }

  async variables(variablesReference: number, extra: Partial<DebugProtocol.VariablesArguments> = {}): Promise<DebugProtocol.Variable[]> {
    return (await this.request('variables', { variablesReference, ...extra })).variables;
  }

  /** The scope named like `scopeName` (case-insensitive) in a frame. */
  async scope(frameId: number, scopeName = 'Locals'): Promise<DebugProtocol.Scope> {
    const scopes = await this.scopes(frameId);
    const scope = scopes.find((candidate) => candidate.name.toLowerCase() === scopeName.toLowerCase());
    if (!scope) {
      throw new Error(`frame ${frameId} has no scope '${scopeName}'; scopes: ${scopes.map((s) => s.name).join(', ')}`);
    }
    return scope;
  }

  /** The variables of the scope named like `scopeName` (case-insensitive) in a frame, by name. */
  async scopeVariables(frameId: number, scopeName = 'Locals'): Promise<Map<string, DebugProtocol.Variable>> {
    const scope = await this.scope(frameId, scopeName);
    const variables = await this.variables(scope.variablesReference);
    return new Map(variables.map((variable) => [variable.name, variable]));
  }

  /** The Python repr of each local of a frame (name -> value). */
  async localValues(frameId: number): Promise<Record<string, string>> {
    const locals = await this.scopeVariables(frameId, 'Locals');
    const values: Record<string, string> = {};
    for (const [name, variable] of locals) {
      values[name] = variable.value;
    }
    return values;
  }

  async evaluate(expression: string, frameId?: number, context = 'watch'): Promise<DebugProtocol.EvaluateResponse['body']> {
    return this.request('evaluate', { expression, frameId, context });
  }

  /** Shortcut: evaluate in the top frame of the current thread and return the result text. */
  async valueOf(expression: string, frameId?: number): Promise<string> {
    const frame = frameId ?? (await this.topFrame()).id;
    return (await this.evaluate(expression, frame)).result;
  }

  outputText(category?: string): string {
    return this.events
      .filter((event) => event.event === 'output' && (category === undefined || (event.body.category ?? 'console') === category))
      .map((event) => String(event.body.output))
      .join('');
  }

  /** True while the adapter process has not exited. */
  get adapterAlive(): boolean {
    return this.exitDescription === undefined;
  }

  /** Disconnects and makes sure the adapter process is gone; reports an adapter that had died early. */
  async close(): Promise<void> {
    if (this.closing) {
      return;
    }
    this.closing = true;
    const diedEarly = this.exitDescription;
    if (!diedEarly) {
      await this.raw('disconnect', { terminateDebuggee: true }, 5000).catch(() => undefined);
      const exited = new Promise<void>((resolve) => {
        if (this.exitDescription) {
          resolve();
        } else {
          this.process.once('exit', () => resolve());
        }
      });
      // DAP: after answering disconnect the adapter shuts itself down. One that lingers is killed here so
      // the suite stays fast; launch.test.ts checks that the adapter exits by itself.
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(timer);
    }
    if (diedEarly) {
      throw new Error(`the adapter died during the test: ${diedEarly}${this.diagnostics()}`);
    }
  }
}

/** Runs `body` with a fresh adapter session and always closes it; adapter stderr is added to failures. */
export async function withSession<T>(body: (session: AdapterSession) => Promise<T>): Promise<T> {
  const session = await AdapterSession.start();
  let result: T;
  try {
    result = await body(session);
  } catch (error) {
    if (error instanceof Error && !error.message.includes('adapter stderr')) {
      error.message += session.diagnostics();
    }
    await session.close().catch(() => undefined); // the test's own failure is the one to report
    throw error;
  }
  await session.close(); // the test passed but the adapter died on the way: that is a failure too
  return result;
}
