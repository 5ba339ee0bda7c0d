// What the replay engine answers to "where do we stop": a step plus the DAP stop reason and description.
// Plain data; must not know about DAP messages.

export type StopReason = 'step' | 'breakpoint' | 'function breakpoint' | 'exception' | 'data breakpoint' | 'entry' | 'goto' | 'pause';

export interface StopPoint {
  step: number;
  reason: StopReason;
  description?: string;
  /** Breakpoint ids (as given to the client) that caused this stop. */
  hitBreakpointIds?: number[];
  /** Extra text for the stopped event (e.g. an exception message). */
  text?: string;
}

export const START_OF_RECORDING = 'Start of recording';
export const END_OF_RECORDING = 'End of recording';
