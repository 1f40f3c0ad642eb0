/**
 * Domain errors carry a stable dotted `code`; the CLI (and later the API) map them to exit
 * codes and statuses in one place. Job signals (`CancelledError`, `StepTimeoutError`,
 * `UnrecoverableError`) tell the engine what to do with a failure.
 */
export class DeployliteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DeployliteError {
  constructor(message: string) {
    super('not-found', message);
  }
}

/** The request conflicts with what is stored (a name taken, a run already finished). */
export class ConflictError extends DeployliteError {
  constructor(message: string, code = 'conflict') {
    super(code, message);
  }
}

/** A request a user or script sent is invalid; `field` names the offending part when known. */
export class InvalidRequestError extends DeployliteError {
  constructor(
    message: string,
    readonly field?: string,
    code = 'invalid-request',
  ) {
    super(code, message);
  }
}

/** No credential, or one that is unknown, expired or revoked. */
export class UnauthorizedError extends DeployliteError {
  constructor(message = 'a valid token is required (Authorization: Bearer <token>)', code = 'unauthorized') {
    super(code, message);
  }
}

/** The credential is valid but may not do this. */
export class ForbiddenError extends DeployliteError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

/** Slow down: too many attempts (failed logins); the client may retry after `retryAfterMs`. */
export class TooManyRequestsError extends DeployliteError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    code = 'too-many-requests',
  ) {
    super(code, message);
  }
}

export class UsageError extends DeployliteError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** The run or job was cancelled (Ctrl-C, SIGTERM, fail-fast); never retried. */
export class CancelledError extends DeployliteError {
  constructor(message = 'cancelled') {
    super('job.cancelled', message);
  }
}

/** A step or job exceeded its timeout. Retried like any failure. */
export class StepTimeoutError extends DeployliteError {
  constructor(readonly timeoutMs: number) {
    super('job.timeout', `timed out after ${timeoutMs} ms`);
  }
}

/** Fail now and skip the remaining retries (bullmq's UnrecoverableError). */
export class UnrecoverableError extends DeployliteError {
  constructor(message: string) {
    super('job.unrecoverable', message);
  }
}

/** Turns anything thrown into an Error, so catch blocks never deal with `unknown`. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
