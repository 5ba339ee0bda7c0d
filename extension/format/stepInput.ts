// Parses and validates step numbers typed by the user or passed by hovers/quick picks (Go to Step…).
// Pure (no vscode import); it must not send anything to the adapter.
import { formatCount } from './historyText';

/** `arg` is a step number or `{step}`; anything else is undefined. */
export function stepFromArgument(arg: unknown): number | undefined {
  if (typeof arg === 'number' && Number.isInteger(arg) && arg >= 0) return arg;
  if (arg && typeof arg === 'object' && 'step' in arg) return stepFromArgument((arg as { step: unknown }).step);
  return undefined;
}

/** `1,204` / `1_204` / ` 1204 ` -> 1204; anything but a whole non-negative number is undefined. */
export function parseStep(text: string): number | undefined {
  const cleaned = text.trim().replace(/[,_\s]/g, '');
  return /^\d+$/.test(cleaned) ? Number(cleaned) : undefined;
}

/** The input box's complaint about `text`, or undefined when it is a valid step of a recording ending at `last`. */
export function validateStepInput(text: string, last: number | undefined): string | undefined {
  const step = parseStep(text);
  if (step === undefined) return 'Type a whole step number, e.g. 120.';
  if (last !== undefined && step > last) return `The recording has steps 0 to ${formatCount(last)}.`;
  return undefined;
}
