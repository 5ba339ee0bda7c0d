// The adapter's error vocabulary: a UserError is caused by the user's input (launch config, recording file,
// request arguments) and its message says what to do; RequestCancelled ends a request the client cancelled;
// anything else is an internal failure, logged with its stack. Must not depend on DAP.

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A long request stopped because the client sent `cancel` for it (DAP answers it with message 'cancelled'). */
export class RequestCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'RequestCancelled';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
