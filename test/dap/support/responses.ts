// The response body of each request the DAP tests send, so AdapterSession.request() is typed by command name.
// Standard requests use DAP's own types; the timeline/* extensions the types of the adapter functions that
// answer them (type-only imports: the tests still reach the adapter solely through its process).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { BufferHistoryPage } from '../../../adapter/timeline/buffer-history-query';
import type { lineHits, stepWindow, summary, variableHistory } from '../../../adapter/timeline/timeline-queries';

/** A response that carries no body (the session turns a missing body into `{}`). */
type NoBody = Record<string, never>;

export interface ResponseBodies {
  initialize: DebugProtocol.Capabilities;
  configurationDone: NoBody;
  disconnect: NoBody;
  terminate: NoBody;
  cancel: NoBody;
  pause: NoBody;
  next: NoBody;
  stepIn: NoBody;
  stepOut: NoBody;
  stepBack: NoBody;
  continue: DebugProtocol.ContinueResponse['body'];
  reverseContinue: NoBody;
  reverseStepIn: NoBody;
  reverseStepOut: NoBody;
  threads: DebugProtocol.ThreadsResponse['body'];
  stackTrace: DebugProtocol.StackTraceResponse['body'];
  scopes: DebugProtocol.ScopesResponse['body'];
  variables: DebugProtocol.VariablesResponse['body'];
  evaluate: DebugProtocol.EvaluateResponse['body'];
  completions: DebugProtocol.CompletionsResponse['body'];
  loadedSources: DebugProtocol.LoadedSourcesResponse['body'];
  exceptionInfo: DebugProtocol.ExceptionInfoResponse['body'];
  setBreakpoints: DebugProtocol.SetBreakpointsResponse['body'];
  setFunctionBreakpoints: DebugProtocol.SetFunctionBreakpointsResponse['body'];
  setExceptionBreakpoints: DebugProtocol.SetExceptionBreakpointsResponse['body'];
  breakpointLocations: DebugProtocol.BreakpointLocationsResponse['body'];
  dataBreakpointInfo: DebugProtocol.DataBreakpointInfoResponse['body'];
  setDataBreakpoints: DebugProtocol.SetDataBreakpointsResponse['body'];
  gotoTargets: DebugProtocol.GotoTargetsResponse['body'];
  stepInTargets: DebugProtocol.StepInTargetsResponse['body'];
  'timeline/summary': ReturnType<typeof summary>;
  'timeline/lineHits': ReturnType<typeof lineHits>;
  'timeline/steps': ReturnType<typeof stepWindow>;
  'timeline/variableHistory': ReturnType<typeof variableHistory>;
  'timeline/bufferHistory': BufferHistoryPage
    & { objectId: number; shape: number[]; size: number; dtype: string; type: string };
}

/** The body a request answers with: typed for the commands above, `unknown` for any other. */
export type ResponseBody<C extends string> = C extends keyof ResponseBodies ? ResponseBodies[C] : unknown;
