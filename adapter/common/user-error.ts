// The adapter's error vocabulary: a UserError is caused by the user's input (launch config, recording file,
// request arguments) and its message says what to do; anything else is an internal failure, logged with
// its stack. Must not depend on DAP.

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
