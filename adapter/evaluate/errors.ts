// The evaluator's error vocabulary. Owns the user-facing wording, in particular the "cannot run code in a
// recording: …" refusal; must not depend on recordings or DAP.

export class EvaluationError extends Error {}

export const CANNOT_RUN_CODE = 'cannot run code in a recording';

export function cannotRunCode(why: string): EvaluationError {
  return new EvaluationError(`${CANNOT_RUN_CODE}: ${why}`);
}
