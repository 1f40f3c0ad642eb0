import { DeployliteError } from '../../core/index.js';

/** The server answered with an error status; `message` is the server's own sentence. */
export class ApiError extends DeployliteError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    /** The request field the error is about (`name`, `variables.FOO`), when the server says. */
    readonly field: string | undefined,
  ) {
    super(code, message);
  }
}

/** No HTTP answer at all: connection refused, unknown host, timeout, TLS failure. */
export class ServerUnreachableError extends DeployliteError {
  constructor(server: string, reason: string) {
    super('server.unreachable', `cannot reach the server at ${server}: ${reason}`);
  }
}

/** An answer that is not what docs/api.md promises (a proxy's HTML page, a missing field). */
export class BadResponseError extends DeployliteError {
  constructor(message: string) {
    super('server.bad-response', message);
  }
}
