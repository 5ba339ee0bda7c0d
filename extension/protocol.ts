// The custom DAP requests/events the extension sends to the WaterCodeFlow adapter: names and shapes only.
// Must stay type-only (no runtime code): the adapter is reached solely through session.customRequest.

export const DEBUG_TYPE = 'watercodeflow';

/** A step number of the recording: 0-based, one global order across threads. */
export type StepIndex = number;

export const Requests = {
  reverseStepIn: 'reverseStepIn',
  reverseStepOut: 'reverseStepOut',
  gotoStep: 'gotoStep',
  variableHistory: 'timeline/variableHistory',
  lineHits: 'timeline/lineHits',
  summary: 'timeline/summary',
} as const;

export interface ThreadArgs {
  threadId: number;
}

export interface GotoStepArgs {
  step: StepIndex;
}

export interface VariableHistoryArgs {
  name: string;
  frameId?: number;
}

/** One change of a variable's value, as the adapter reports it. */
export interface ValueChange {
  step: StepIndex;
  line: number;
  path: string;
  function: string;
  value: string;
  type: string;
}

export interface VariableHistoryResponse {
  changes: ValueChange[];
  total: number;
}

export interface LineHitsArgs {
  path: string;
  /** 1-based. */
  line: number;
  start?: number;
  count?: number;
}

export interface LineHitsResponse {
  /** The steps (a page of them) at which the line ran. */
  steps: StepIndex[];
  /** How many times the line ran in the whole recording. */
  total: number;
}

export interface SummaryResponse {
  currentStep?: StepIndex;
  stepCount?: number;
}
