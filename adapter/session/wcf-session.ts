// The DAP session: thin handlers that translate requests into replay/timeline/evaluate calls and results
// into responses and events. Every handler runs inside one wrapper so an exception becomes a failed
// response with a message (and a logged stack), never a dead session. Must not hold replay logic itself.
import * as fs from 'fs';
import * as path from 'path';
import {
  BreakpointEvent, DebugSession, InitializedEvent, OutputEvent, ProgressEndEvent, ProgressStartEvent,
  ProgressUpdateEvent, Response, Source, StoppedEvent, TerminatedEvent,
} from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { errorMessage, RequestCancelled, UserError } from '../common/user-error';
import { RecordedEvaluator } from '../evaluate/evaluator';
import { LaunchConfig, recordTarget, targetLabel, validateLaunchArguments } from '../recording/launch-config';
import { findNativeDir } from '../recording/native-root';
import { checkPython } from '../recording/python-interpreter';
import { RecorderEnd, RecorderProcess } from '../recording/recorder-process';
import { BreakpointManager, findFileId, uncaughtRaiseStep } from '../replay/breakpoints';
import { LogLines } from '../replay/log-message';
import { bufferWatchStops, BufferWatchStops } from '../replay/buffer-watches';
import { decodeDataId, encodeDataId } from '../replay/data-breakpoints';
import { Direction } from '../replay/direction';
import { ReplayEngine, StepGranularity } from '../replay/replay-engine';
import { stepOver } from '../replay/stepping';
import { StopPoint, START_OF_RECORDING } from '../replay/stop-point';
import { bufferHistoryPage } from '../timeline/buffer-history-query';
import { selectElements } from '../timeline/buffer-element-history';
import { BufferIndexError, elementCount, indexView } from '../timeline/buffer-layout';
import { loadRecording } from '../timeline/load-recording';
import { Recording } from '../timeline/recording';
import { StepKind } from '../timeline/schema';
import { lineHits, stepWindow, summary, variableHistory } from '../timeline/timeline-queries';
import { shortTypeName } from '../timeline/value-render';
import { adapterCapabilities } from './capabilities';
import { VariableHandles } from './variable-handles';
import { VariablesView } from './variables-view';

// A request's arguments are the client's JSON, unchecked: each handler passes them to a method that declares the
// shape it reads and checks what a user can get wrong (UserError), or reads them through Number()/String().
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (args: any, after: (fn: () => void) => void, request: DebugProtocol.Request) => unknown | Promise<unknown>;

const CONFIGURATION_DONE_TIMEOUT_MS = 2000;

/**
 * Requests answered from steps and frames alone, so they need not wait for the value tables. Stepping and
 * continue qualify because conditions, logpoints and data breakpoints were resolved (with values) when set.
 */
const VALUE_FREE_REQUESTS = new Set(['initialize', 'launch', 'configurationDone', 'disconnect', 'terminate', 'cancel',
  'pause', 'threads', 'stackTrace', 'next', 'stepBack', 'stepIn', 'stepOut', 'reverseStepIn', 'reverseStepOut',
  'continue', 'reverseContinue', 'gotoStep', 'goto', 'gotoTargets', 'restartFrame', 'restart', 'breakpointLocations',
  'loadedSources', 'source', 'setExceptionBreakpoints', 'exceptionInfo', 'stepInTargets', 'timeline/steps',
  'timeline/lineHits']);
const PROGRESS_ID = 'watercodeflow-recording';

export class WaterCodeFlowSession extends DebugSession {
  private clientArgs: DebugProtocol.InitializeRequestArguments = { adapterID: 'watercodeflow' };
  private rec?: Recording;
  private engine?: ReplayEngine;
  private readonly breakpoints = new BreakpointManager();
  private readonly handles = new VariableHandles();
  private recorder?: RecorderProcess;
  private configurationDone!: () => void;
  private readonly configurationDonePromise = new Promise<void>((resolve) => { this.configurationDone = resolve; });
  private terminated = false;

  /** Request name -> handler. A handler returns the response body (or undefined) or throws. */
  private readonly handlers: Record<string, Handler> = {
    initialize: (a) => this.initialize(a),
    launch: (a, after) => this.launch(a, after),
    attach: () => { throw new UserError('WaterCodeFlow cannot attach to a running program; use "launch" to record it, or "replay" to open a recording.'); },
    configurationDone: () => { this.configurationDone(); },
    disconnect: (_a, after) => this.disconnect(after),
    terminate: (_a, after) => this.terminate(after),
    restart: (_a, after) => { after(() => this.announceStop(this.requireEngine().goto(0, START_OF_RECORDING), 'entry')); },
    setBreakpoints: (a, after) => this.setBreakpoints(a, after),
    setFunctionBreakpoints: (a) => ({ breakpoints: this.breakpoints.setFunctionBreakpoints(a.breakpoints ?? []).map(toDapBreakpoint) }),
    setExceptionBreakpoints: (a: DebugProtocol.SetExceptionBreakpointsArguments) => {
      const filters = [...(a.filters ?? []), ...(a.filterOptions ?? []).map((o) => o.filterId)];
      this.breakpoints.setExceptionFilters(filters);
      return { breakpoints: filters.map(() => ({ verified: true })) };
    },
    dataBreakpointInfo: (a) => this.dataBreakpointInfo(a),
    setDataBreakpoints: (a) => this.setDataBreakpoints(a),
    breakpointLocations: (a) => this.breakpointLocations(a),
    continue: (_a, after) => this.move(after, (e) => e.continue(Direction.Forward), { allThreadsContinued: true }),
    reverseContinue: (_a, after) => this.move(after, (e) => e.continue(Direction.Backward)),
    next: (_a, after) => this.move(after, (e) => e.step(StepGranularity.Over, Direction.Forward)),
    stepBack: (_a, after) => this.move(after, (e) => e.step(StepGranularity.Over, Direction.Backward)),
    stepIn: (a, after) => this.move(after, (e) => (a.targetId ? e.goto(e.frameStart(a.targetId), 'Step into target') : e.step(StepGranularity.In, Direction.Forward))),
    stepOut: (_a, after) => this.move(after, (e) => e.step(StepGranularity.Out, Direction.Forward)),
    reverseStepIn: (_a, after) => this.move(after, (e) => e.step(StepGranularity.In, Direction.Backward)),
    reverseStepOut: (_a, after) => this.move(after, (e) => e.step(StepGranularity.Out, Direction.Backward)),
    gotoStep: (a, after) => this.move(after, (e) => e.goto(Number(a.step))),
    goto: (a, after) => this.move(after, (e) => e.goto(Number(a.targetId) - 1)),
    restartFrame: (a, after) => this.move(after, (e) => e.goto(e.frameStart(Number(a.frameId)), 'Restarted frame')),
    pause: () => this.pause(),
    gotoTargets: (a) => this.gotoTargets(a),
    stepInTargets: (a) => this.stepInTargets(a),
    threads: () => this.threads(),
    stackTrace: (a) => this.stackTrace(a),
    scopes: (a) => this.scopes(a),
    variables: (a) => this.variables(a),
    evaluate: (a) => this.evaluate(a),
    setVariable: () => { throw new UserError('cannot run code in a recording: values of a recording cannot be changed'); },
    setExpression: () => { throw new UserError('cannot run code in a recording: values of a recording cannot be changed'); },
    completions: (a) => this.completions(a),
    exceptionInfo: (a) => this.exceptionInfo(a),
    loadedSources: () => ({ sources: [...this.requireRecording().files.values()].map((p) => new Source(path.basename(p), p)) }),
    source: (a) => this.source(a),
    cancel: (a) => this.cancel(a),
    'timeline/bufferHistory': (a, _after, request) => this.bufferHistory(a, request.seq),
    'timeline/summary': () => summary(this.requireRecording(), this.requireEngine().currentStep),
    'timeline/variableHistory': (a) => this.variableHistory(a),
    'timeline/lineHits': (a) => lineHits(this.requireRecording(), findFileId(this.requireRecording(), String(a.path ?? '')), Number(a.line), a),
    'timeline/steps': (a) => stepWindow(this.requireRecording(), a),
  };
  private readonly dataLabels = new Map<string, string>();
  /** `cancel {requestId}` for requests still running (the long buffer history scans look here). */
  private readonly cancelledRequests = new Set<number>();

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ---- dispatch: one place that turns exceptions into failed responses ----

  protected dispatchRequest(request: DebugProtocol.Request): void {
    const response = new Response(request);
    const handler = this.handlers[request.command];
    if (!handler) {
      this.sendErrorResponse(response, { id: 1014, format: `Unrecognized request '${request.command}'`, showUser: false });
      return;
    }
    const afterResponse: Array<() => void> = [];
    // Values load after the first stop (see load()); requests that show or evaluate them wait for them.
    const ready = this.rec && !this.rec.valuesLoaded && !VALUE_FREE_REQUESTS.has(request.command)
      ? this.rec.valuesReady : Promise.resolve();
    ready
      .then(() => handler(request.arguments ?? {}, (fn) => afterResponse.push(fn), request))
      .then((body) => {
        if (body !== undefined) (response as DebugProtocol.Response).body = body;
        this.sendResponse(response);
        for (const fn of afterResponse) this.guard(fn);
      }, (err) => {
        if (err instanceof RequestCancelled) {
          // DAP: a cancelled request answers with success false and the message 'cancelled'.
          response.success = false;
          (response as DebugProtocol.Response).message = 'cancelled';
          this.sendResponse(response);
          return;
        }
        if (!(err instanceof UserError) && !/^cannot run code in a recording/.test(errorMessage(err))) {
          console.error(`[watercodeflow] ${request.command} failed:`, err instanceof Error ? err.stack : err);
        }
        this.sendErrorResponse(response, { id: 1, format: errorMessage(err), showUser: request.command === 'launch' });
      })
      .finally(() => this.cancelledRequests.delete(request.seq));
  }

  private guard(fn: () => void): void {
    try { fn(); } catch (err) {
      console.error('[watercodeflow] event handler failed:', err instanceof Error ? err.stack : err);
      this.sendEvent(new OutputEvent(`WaterCodeFlow internal error: ${errorMessage(err)}\n`, 'console'));
    }
  }

  private requireRecording(): Recording {
    if (!this.rec) {
      throw new UserError(this.terminated ? 'The debug session has ended; there is no recording to show.'
        : 'The recording is not open yet (the program is still being recorded).');
    }
    return this.rec;
  }
  private requireEngine(): ReplayEngine {
    this.requireRecording();
    return this.engine!;
  }

  // ---- lifecycle ----

  private initialize(args: DebugProtocol.InitializeRequestArguments) {
    // DebugClient.launch() sends a second, bare initialize: keep what the first one announced.
    this.clientArgs = { ...args, supportsProgressReporting: args.supportsProgressReporting || this.clientArgs.supportsProgressReporting };
    return adapterCapabilities(args);
  }

  private async launch(raw: Record<string, unknown>, after: (fn: () => void) => void) {
    const config = validateLaunchArguments(raw);
    let loaded: Recording | undefined;
    if (config.kind === 'record') {
      await checkPython(config.python, this.childEnv(config.env));
      findNativeDir();
    } else {
      // Replay: a corrupt, truncated or too-new recording fails the launch request itself.
      loaded = await this.load(config.recording);
    }
    // `initialized` only after launch: for a replay the recording is open, so breakpoints resolve at once.
    after(() => {
      this.sendEvent(new InitializedEvent());
      void this.startAfterConfiguration(config, loaded);
    });
  }

  private async startAfterConfiguration(config: LaunchConfig, loaded: Recording | undefined): Promise<void> {
    await Promise.race([this.configurationDonePromise, new Promise((r) => setTimeout(r, CONFIGURATION_DONE_TIMEOUT_MS))]);
    try {
      if (config.kind === 'record') {
        const end = await this.record(config);
        if (this.terminated) return;
        this.reportRecorderEnd(end);
        if (!fs.existsSync(config.recording)) {
          throw new UserError(`The recorder wrote no recording (${end.message ?? `exit code ${end.processExitCode}`}). See the output above.`);
        }
        try {
          loaded = await this.load(config.recording);
        } catch (err) {
          if (end.signal || end.status === 'killed') {
            throw new UserError(`The program was killed${end.signal ? ` (${end.signal})` : ''} before the recorder saved any step, so there is nothing to debug. (${errorMessage(err)})`);
          }
          throw err;
        }
      }
      this.startReplay(loaded!, config.stopOnEntry);
    } catch (err) {
      if (!(err instanceof UserError)) console.error('[watercodeflow] launch failed:', err);
      this.sendEvent(new OutputEvent(`WaterCodeFlow: ${errorMessage(err)}\n`, 'stderr'));
      this.terminated = true;
      this.sendEvent(new TerminatedEvent());
    }
  }

  private childEnv(extra: Record<string, string | null>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(extra)) if (v === null) delete env[k]; else env[k] = String(v);
    return env;
  }

  private record(config: Extract<LaunchConfig, { kind: 'record' }>): Promise<RecorderEnd> {
    const recorder = new RecorderProcess({
      ...recordTarget(config), python: config.python, args: config.args, cwd: config.cwd, env: this.childEnv(config.env),
      recording: config.recording, mode: config.mode, justMyCode: config.justMyCode, maxRecordingSize: config.maxRecordingSize,
      buffers: config.buffers,
      nativeDir: findNativeDir(),
    });
    this.recorder = recorder;
    const progress = this.clientArgs.supportsProgressReporting === true;
    recorder.on('output', (category: string, text: string) => this.sendEvent(new OutputEvent(text, category)));
    if (progress) {
      this.sendEvent(new ProgressStartEvent(PROGRESS_ID, `Recording ${targetLabel(config)}`, 'starting…'));
      recorder.on('progress', (steps: number, elapsedMs: number) => {
        this.sendEvent(new ProgressUpdateEvent(PROGRESS_ID, `${steps.toLocaleString('en-US')} steps, ${(elapsedMs / 1000).toFixed(1)} s`));
      });
    }
    return recorder.run().finally(() => {
      if (progress) this.sendEvent(new ProgressEndEvent(PROGRESS_ID, 'Recording finished'));
      this.recorder = undefined;
    });
  }

  /** ProgressStartEvent has no cancellable flag in its constructor; it is set here on the event body. */
  sendEvent(event: DebugProtocol.Event): void {
    if (event.event === 'progressStart') (event as DebugProtocol.ProgressStartEvent).body.cancellable = true;
    super.sendEvent(event);
  }

  private reportRecorderEnd(end: RecorderEnd): void {
    const parts: string[] = [];
    if (end.status === 'stopped') parts.push(`Recording stopped by the user after ${end.steps ?? '?'} steps.`);
    else if (end.status === 'limit') parts.push(`Recording stopped at a size limit after ${end.steps ?? '?'} steps (${end.message ?? 'see notices'}).`);
    else if (end.signal || end.status === 'killed') parts.push(`The program was killed${end.signal ? ` (${end.signal})` : ''}; showing what was recorded.`);
    if (end.exitCode !== undefined && end.exitCode !== null) parts.push(`Program exited with code ${end.exitCode}.`);
    else if (end.status === undefined && !end.signal && end.processExitCode !== 0) parts.push(`The recorder exited with code ${end.processExitCode}${end.message ? `: ${end.message}` : ''}.`);
    if (parts.length) this.sendEvent(new OutputEvent(`WaterCodeFlow: ${parts.join(' ')}\n`, 'console'));
  }

  /** Loads a recording and resolves the breakpoints set so far against it (logpoints print here). */
  private async load(file: string): Promise<Recording> {
    const started = Date.now();
    let rec: Recording;
    try {
      rec = await loadRecording(file, { deferValues: true });
    } catch (err) {
      throw new UserError(errorMessage(err));
    }
    rec.valuesReady.catch((err) => this.sendEvent(new OutputEvent(`WaterCodeFlow: ${errorMessage(err)}\n`, 'stderr')));
    // Breakpoints set while recording that evaluate expressions need the values before they can resolve.
    if (this.breakpoints.needsValues()) {
      try { await rec.valuesReady; } catch (err) { throw new UserError(errorMessage(err)); }
    }
    if (this.breakpoints.needsValues()) await rec.buffers.settle(() => this.breakpoints.probeExpressions(rec));
    this.rec = rec;
    const logs = this.breakpoints.attach(rec);
    this.engine = new ReplayEngine(rec, this.breakpoints);
    const status = rec.meta.get('status');
    this.sendEvent(new OutputEvent(`WaterCodeFlow: opened ${file} (${rec.stepCount.toLocaleString('en-US')} steps, ${Date.now() - started} ms` +
      `${status && status !== 'complete' ? `, status "${status}"` : ''}).\n`, 'console'));
    if (status === 'recording') {
      this.sendEvent(new OutputEvent('WaterCodeFlow: the recorder did not close this recording (the process was killed); showing every step up to its last write.\n', 'console'));
    }
    for (const n of rec.notices) this.sendEvent(new OutputEvent(`WaterCodeFlow notice${n.step !== null ? ` at step ${n.step}` : ''}: ${n.message}\n`, 'console'));
    for (const s of this.breakpoints.allSourceStatuses()) {
      this.sendEvent(new BreakpointEvent('changed', { id: s.id, verified: s.verified, line: s.line, message: s.message } as DebugProtocol.Breakpoint));
    }
    this.emitLogs(logs);
    return rec;
  }

  private startReplay(rec: Recording, stopOnEntry: boolean): void {
    this.announceStop(this.engine!.initialStop(stopOnEntry));
  }

  private emitLogs(logs: LogLines): void {
    // Each line is rendered as it is sent, so a logpoint with many hits never holds all its text at once.
    for (let i = 0; i < logs.length; i++) this.sendEvent(new OutputEvent(`${logs.textAt(i)}\n`, 'console'));
  }

  private announceStop(stop: StopPoint, reasonOverride?: string): void {
    this.handles.reset();
    const threadId = this.rec!.threadOfStep(stop.step);
    const event = new StoppedEvent(reasonOverride ?? stop.reason, threadId, stop.text) as DebugProtocol.StoppedEvent;
    const body = event.body as DebugProtocol.StoppedEvent['body'] & { step: number };
    body.allThreadsStopped = true;
    body.step = stop.step;
    if (stop.description) body.description = stop.description;
    if (stop.hitBreakpointIds?.length) body.hitBreakpointIds = stop.hitBreakpointIds;
    this.sendEvent(event);
  }

  private move(after: (fn: () => void) => void, how: (engine: ReplayEngine) => StopPoint, body?: unknown) {
    const stop = how(this.requireEngine());
    after(() => this.announceStop(stop));
    return body;
  }

  private pause() {
    if (this.recorder) {
      this.recorder.stop();
      this.sendEvent(new OutputEvent('WaterCodeFlow: stopping the recording here; the recorded part opens next.\n', 'console'));
      return;
    }
    // Replay is always paused between requests: nothing runs.
  }

  private cancel(args: DebugProtocol.CancelArguments) {
    if (args.progressId === PROGRESS_ID && this.recorder) this.recorder.stop();
    // Most requests are answered from memory at once; those reading the buffer history look at this between batches.
    if (args.requestId !== undefined) this.cancelledRequests.add(args.requestId);
  }

  private terminate(after: (fn: () => void) => void) {
    this.terminated = true;
    void this.rec?.close();
    if (this.recorder) this.recorder.stop();
    after(() => this.sendEvent(new TerminatedEvent()));
  }

  private disconnect(after: (fn: () => void) => void) {
    this.terminated = true;
    void this.rec?.close();
    if (this.recorder) {
      const r = this.recorder;
      r.stop();
      setTimeout(() => r.kill(), 3000).unref();
    }
    // As its own process the adapter exits; inline in the extension host, shutdown() only stops the session.
    after(() => this.shutdown());
  }

  // ---- breakpoints ----

  private async setBreakpoints(args: DebugProtocol.SetBreakpointsArguments, after: (fn: () => void) => void) {
    const sourcePath = args.source.path;
    if (!sourcePath) throw new UserError('setBreakpoints needs a source with a file path.');
    const specs = (args.breakpoints ?? args.lines?.map((line): DebugProtocol.SourceBreakpoint => ({ line })) ?? []).map((b) => ({
      line: b.line, condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage,
    }));
    // Conditions and logpoints that read recorded arrays: their states are loaded first (at the first hits).
    if (this.rec && specs.some((b) => b.condition?.trim() || b.logMessage !== undefined)) {
      const rec = this.rec;
      await rec.buffers.settle(() => this.breakpoints.probeExpressions(rec, sourcePath, specs));
    }
    const { statuses, logs } = this.breakpoints.setSourceBreakpoints(sourcePath, specs);
    after(() => this.emitLogs(logs));
    return { breakpoints: statuses.map(toDapBreakpoint) };
  }

  private async dataBreakpointInfo(args: DebugProtocol.DataBreakpointInfoArguments) {
    const rec = this.requireRecording();
    const unavailable = (why: string) => ({ dataId: null, description: why });
    if (args.variablesReference === undefined || args.variablesReference === 0) {
      // An expression (e.g. from the editor): a plain name in the current frame, or part of a recorded array.
      const step = this.requireEngine().currentStep;
      const frame = args.frameId ?? rec.shownFrame(step);
      if (!/^[A-Za-z_]\w*$/.test(args.name.trim())) {
        const located = await rec.buffers.settle(() => new RecordedEvaluator(rec, step, frame).bufferLocation(args.name)).catch((err: Error) => err);
        if (located instanceof Error || !located) {
          return unavailable(`'${args.name}' is not a name or part of a recorded array${located instanceof Error ? ` (${located.message})` : ''}`);
        }
        return this.dataInfo(encodeDataId({ kind: 'buffer', objectId: located.objectId, view: located.view }), args.name.trim());
      }
      const nameId = rec.nameId(args.name);
      if (nameId === undefined) return unavailable(`'${args.name}' is never bound in the recording`);
      const locals = rec.frames.localsScope[frame];
      const scopeId = rec.bindingAt(locals, nameId, step) !== undefined ? locals : rec.frames.globalsScope[frame];
      return this.dataInfo(encodeDataId({ kind: 'binding', scopeId, nameId }), args.name);
    }
    const container = this.handles.get(args.variablesReference);
    if (!container) return unavailable('This variable is from an earlier stop; expand it again.');
    if (container.kind === 'scope') {
      const nameId = rec.nameId(args.name);
      if (nameId === undefined) return unavailable(`'${args.name}' is not a recorded name`);
      return this.dataInfo(encodeDataId({ kind: 'binding', scopeId: container.scopeId, nameId }), args.name);
    }
    if (container.kind === 'buffer') {
      const i = Number(args.name);
      if (!Number.isInteger(i) || i < 0 || i >= (container.view.shape[0] ?? 0)) return unavailable(`'${args.name}' is not an element of this array`);
      const view = indexView(container.view, [i]);
      const parent = container.evaluateName ?? shortTypeName(rec.objects.get(container.objectId)?.type ?? 'array');
      const label = `${parent}[${[...container.indices, i].join(', ')}]`;
      return this.dataInfo(encodeDataId({ kind: 'buffer', objectId: container.objectId, view }), label);
    }
    if (container.kind === 'object') {
      const objectId = rec.valObject[container.valueId];
      const state = rec.objectStateAt(objectId, container.step);
      const entry = state && rec.children(state).find(([k]) => String(k) === args.name);
      if (!entry) return unavailable(`'${args.name}' is not a recorded item of this object`);
      const parent = container.evaluateName ?? shortTypeName(rec.valueType(container.valueId) ?? '');
      const kind = rec.objects.get(objectId)?.kind;
      const label = kind === 'instance' ? `${parent}.${args.name}` : `${parent}[${args.name}]`;
      return this.dataInfo(encodeDataId({ kind: 'item', objectId, key: entry[0] }), label);
    }
    return unavailable('A return value cannot be watched');
  }

  private dataInfo(dataId: string, label: string) {
    this.dataLabels.set(dataId, label);
    return { dataId, description: `${label} (every change in the recording)`, accessTypes: ['write'], canPersist: false };
  }

  /** Data breakpoints: names and items resolve at once; buffer elements (and arrays bound to names) read the buffer history first. */
  private async setDataBreakpoints(args: DebugProtocol.SetDataBreakpointsArguments) {
    const watches = (args.breakpoints ?? []).map((b) => ({ dataId: b.dataId, label: labelOfDataId(b.dataId, this.dataLabels) }));
    const bufferStops = new Map<string, BufferWatchStops>();
    if (this.rec) {
      for (const w of watches) {
        let loc;
        try { loc = decodeDataId(w.dataId); } catch { continue; } // refused below, with its message
        const stops = await bufferWatchStops(this.rec, loc, w.label);
        if (stops) bufferStops.set(w.dataId, stops);
      }
    }
    return { breakpoints: this.breakpoints.setDataBreakpoints(watches, bufferStops).map(toDapBreakpoint) };
  }

  private breakpointLocations(args: DebugProtocol.BreakpointLocationsArguments) {
    const rec = this.requireRecording();
    const fileId = args.source.path ? findFileId(rec, args.source.path) : undefined;
    if (fileId === undefined) return { breakpoints: [] };
    const out: DebugProtocol.BreakpointLocation[] = [];
    for (let line = args.line; line <= (args.endLine ?? args.line); line++) {
      if (rec.stepsOfLine(fileId, line).length) out.push({ line });
    }
    return { breakpoints: out };
  }

  // ---- jumping ----

  private gotoTargets(args: DebugProtocol.GotoTargetsArguments) {
    const rec = this.requireRecording();
    const current = this.requireEngine().currentStep;
    const fileId = args.source.path ? findFileId(rec, args.source.path) : undefined;
    const hits = fileId === undefined ? new Int32Array(0) : rec.stepsOfLine(fileId, args.line);
    const targets: DebugProtocol.GotoTarget[] = [];
    let previous: number | undefined;
    let next: number | undefined;
    for (const s of hits) { if (s < current) previous = s; else if (s > current && next === undefined) next = s; }
    // Target ids are step + 1 (DAP ids should be non-zero).
    if (previous !== undefined) targets.push({ id: previous + 1, label: `previous execution of this line (step ${previous})`, line: args.line });
    if (next !== undefined) targets.push({ id: next + 1, label: `next execution (step ${next})`, line: args.line });
    return { targets };
  }

  private stepInTargets(args: DebugProtocol.StepInTargetsArguments) {
    const rec = this.requireRecording();
    const current = this.requireEngine().currentStep;
    const frame = args.frameId ?? rec.shownFrame(current);
    const from = current;
    const until = stepOver(rec, from, Direction.Forward) ?? rec.stepCount;
    const targets: DebugProtocol.StepInTarget[] = [];
    const thread = rec.frames.thread[frame];
    for (let s = from + 1; s < until; s++) {
      const f = rec.stepFrame[s];
      if (rec.stepKind[s] === StepKind.Call && rec.frames.parent[f] === frame && rec.frames.thread[f] === thread) {
        const code = rec.codeOfFrame(f);
        targets.push({ id: f, label: `${code?.qualname ?? '?'} (step ${s})`, line: code?.firstLine });
        const end = rec.frames.endStep[f];
        if (end > s) s = end;
      }
    }
    return { targets };
  }

  // ---- state at the current step ----

  private threads() {
    if (!this.rec) return { threads: [{ id: 1, name: 'MainThread (recording…)' }] };
    return { threads: this.rec.threads.map((t) => ({ id: t.threadId, name: t.name })) };
  }

  private stackTrace(args: DebugProtocol.StackTraceArguments) {
    const rec = this.requireRecording();
    const step = this.requireEngine().currentStep;
    const frames = rec.stackAt(step, args.threadId);
    const start = args.startFrame ?? 0;
    const page = frames.slice(start, args.levels ? start + args.levels : undefined);
    return {
      stackFrames: page.map((f) => {
        const code = rec.codeOfFrame(f);
        const file = code ? rec.files.get(code.fileId) : undefined;
        return {
          id: f, name: code?.qualname ?? '?', line: rec.frameLineAt(f, step), column: 1,
          source: file ? new Source(path.basename(file), file) : undefined,
        } as DebugProtocol.StackFrame;
      }),
      totalFrames: frames.length,
    };
  }

  private scopes(args: DebugProtocol.ScopesArguments) {
    const rec = this.requireRecording();
    const step = this.requireEngine().currentStep;
    const frame = args.frameId;
    if (!rec.frames.code[frame]) throw new UserError(`Unknown frame id ${frame}.`);
    const scopes: DebugProtocol.Scope[] = [];
    const returned = this.returnValueAt(frame, step);
    if (returned) {
      scopes.push({ name: 'Return Value', presentationHint: 'returnValue', expensive: false,
        variablesReference: this.handles.create({ kind: 'return', valueId: returned.valueId, step, functionName: returned.functionName }) } as DebugProtocol.Scope);
    }
    const locals = rec.frames.localsScope[frame];
    const globals = rec.frames.globalsScope[frame];
    const isModule = rec.codeOfFrame(frame)?.name === '<module>';
    if (locals && !(isModule && !rec.bindings.hasScope(locals))) {
      scopes.push({ name: 'Locals', presentationHint: 'locals', expensive: false, variablesReference: this.handles.create({ kind: 'scope', scopeId: locals, step, frameId: frame }) });
    }
    if (globals) {
      scopes.push({ name: 'Globals', expensive: false, variablesReference: this.handles.create({ kind: 'scope', scopeId: globals, step, frameId: frame }) });
    }
    return { scopes };
  }

  /** At a return stop, the value the callee just returned into `frame` (the Return Value scope). */
  private returnValueAt(frame: number, step: number): { valueId: number; functionName: string } | undefined {
    const rec = this.rec!;
    const callee = rec.stepFrame[step];
    if (rec.stepKind[step] !== StepKind.Return || rec.frames.parent[callee] !== frame || !rec.returns.has(step)) return undefined;
    return { valueId: rec.returns.get(step)!, functionName: rec.codeOfFrame(callee)?.qualname ?? '?' };
  }

  private variables(args: DebugProtocol.VariablesArguments) {
    const rec = this.requireRecording();
    // Buffers' elements are read from the recording when first shown: settle runs the build again once loaded.
    return rec.buffers.settle(() => this.variablesNow(rec, args));
  }

  private variablesNow(rec: Recording, args: DebugProtocol.VariablesArguments) {
    const view = new VariablesView(rec, this.handles);
    const container = this.handles.get(args.variablesReference);
    if (!container) return { variables: [] };
    if (container.kind === 'buffer') return { variables: view.buffers.children(container, args.start ?? 0, args.count || undefined, args.filter) };
    if (container.kind === 'scope') {
      const isGlobals = rec.scopes.get(container.scopeId)?.kind === 'globals';
      const all = view.scopeVariables(container.scopeId, container.step, isGlobals);
      return { variables: args.start !== undefined || args.count ? all.slice(args.start ?? 0, args.count ? (args.start ?? 0) + args.count : undefined) : all };
    }
    if (container.kind === 'return') return { variables: view.returnValue(container.valueId, container.step, container.functionName) };
    return { variables: view.objectChildren(container.valueId, container.step, container.evaluateName, args.start ?? 0, args.count, args.filter) };
  }

  private evaluatorFor(frameId?: number): RecordedEvaluator {
    const rec = this.requireRecording();
    const step = this.requireEngine().currentStep;
    const frame = frameId ?? rec.shownFrame(step);
    return new RecordedEvaluator(rec, step, frame);
  }

  private evaluate(args: DebugProtocol.EvaluateArguments) {
    const rec = this.requireRecording();
    const step = this.requireEngine().currentStep;
    return rec.buffers.settle(() => {
      const result = this.evaluatorFor(args.frameId).evaluate(args.expression);
      const view = new VariablesView(rec, this.handles);
      const v = result.valueId !== undefined ? view.variable(args.expression, result.valueId, step, args.expression)
        : result.buffer ? view.buffers.viewVariable(args.expression, result.buffer, step, args.expression) : undefined;
      if (v) {
        return { result: v.value, type: v.type, variablesReference: v.variablesReference, indexedVariables: v.indexedVariables, namedVariables: v.namedVariables };
      }
      return { result: result.repr, type: result.type, variablesReference: 0 };
    });
  }

  private completions(args: DebugProtocol.CompletionsArguments) {
    const text = args.text.slice(0, (args.column ?? args.text.length + 1) - 1);
    const prefix = /[A-Za-z_][\w]*$/.exec(text)?.[0] ?? '';
    if (/\.\s*[\w]*$/.test(text)) return { targets: [] }; // attribute completion needs the object; not offered yet
    const names = this.evaluatorFor(args.frameId).visibleNames().filter((n) => n.startsWith(prefix)).sort();
    return { targets: names.map((n) => ({ label: n, type: 'variable' as const, start: text.length - prefix.length, length: prefix.length })) };
  }

  private exceptionInfo(_args: DebugProtocol.ExceptionInfoArguments) {
    const rec = this.requireRecording();
    const step = this.requireEngine().currentStep;
    const uncaught = rec.uncaughtException();
    // The uncaught exception is shown where it was raised (its raise step), and is "unhandled" there too.
    const e = uncaught && (uncaught.step === step || uncaughtRaiseStep(rec, uncaught) === step) ? uncaught : rec.exceptionsAt(step)[0];
    if (!e) throw new UserError(`There is no exception at step ${step}.`);
    return {
      exceptionId: e.type, description: e.message, breakMode: e.kind === 'uncaught' ? 'unhandled' : 'always',
      details: { message: e.message, typeName: e.type, fullTypeName: e.type, stackTrace: e.traceback },
    };
  }

  private source(args: DebugProtocol.SourceArguments) {
    const p = args.source?.path;
    if (!p) throw new UserError('Only sources with a file path are available.');
    try { return { content: fs.readFileSync(p, 'utf8') }; } catch {
      throw new UserError(`The source ${p} is no longer on disk; the recording keeps lines and values, not file contents.`);
    }
  }

  private variableHistory(a: { name: string; frameId?: number; everywhere?: boolean; start?: number; count?: number }) {
    const rec = this.requireRecording();
    if (typeof a.name !== 'string' || !a.name) throw new UserError('timeline/variableHistory needs "name".');
    const frame = a.everywhere ? undefined : a.frameId ?? rec.shownFrame(this.requireEngine().currentStep);
    return rec.buffers.settle(() => variableHistory(rec, a.name, frame, a.everywhere === true, a));
  }

  /** timeline/bufferHistory: the write history of chosen elements of the buffer `variable` shows (docs/dap-extensions.md). */
  private async bufferHistory(a: { variable?: string; name?: string; frameId?: number; step?: number; index?: number | number[];
    slice?: { start?: number; stop?: number; step?: number }; start?: number; count?: number }, seq: number) {
    const rec = this.requireRecording();
    const expression = a.variable ?? a.name;
    if (typeof expression !== 'string' || !expression.trim()) throw new UserError('timeline/bufferHistory needs "variable" (a name, or an expression such as a[2:5]).');
    const step = a.step ?? this.requireEngine().currentStep;
    if (!Number.isInteger(step) || step < 0 || step > rec.lastStep) throw new UserError(`"step" ${a.step} is outside the recording (0–${rec.lastStep}).`);
    const frame = a.frameId ?? rec.shownFrame(step);
    if (!rec.frames.code[frame]) throw new UserError(`Unknown frame id ${frame}.`);
    const buffer = await rec.buffers.settle(() => new RecordedEvaluator(rec, step, frame).evaluate(expression).buffer);
    if (!buffer) {
      throw new UserError(`'${expression}' is not a recorded buffer at step ${step} (a numpy array, bytearray, array.array, mmap or memoryview the recorder tracked).`);
    }
    const index = await rec.buffers.ensureIndex();
    const layout = index.layoutAt(buffer.objectId, step)!;
    if (a.index !== undefined && a.slice !== undefined) throw new UserError('timeline/bufferHistory takes "index" or "slice", not both.');
    let selection;
    try {
      selection = selectElements(layout, buffer.view, a.index ?? a.slice);
    } catch (err) {
      if (err instanceof BufferIndexError) throw new UserError(err.message);
      throw err;
    }
    const page = await bufferHistoryPage(rec, selection, a, () => this.cancelledRequests.has(seq));
    const codec = rec.buffers.codec(layout);
    return { ...page, objectId: buffer.objectId, shape: buffer.view.shape, size: elementCount(buffer.view.shape), dtype: codec.name, type: buffer.type };
  }
}

function toDapBreakpoint(s: { id: number; line?: number; verified: boolean; message?: string }): DebugProtocol.Breakpoint {
  const bp: DebugProtocol.Breakpoint = { id: s.id, verified: s.verified };
  if (s.line !== undefined) bp.line = s.line;
  if (s.message) bp.message = s.message;
  return bp;
}

function labelOfDataId(dataId: string, labels: Map<string, string>): string {
  return labels.get(dataId) ?? dataId;
}
