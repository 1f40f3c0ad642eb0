import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { coerceError, DeployliteError, InvalidRequestError, TooManyRequestsError, UnauthorizedError } from '../../core/index.js';
import type { Logger } from '../../core/index.js';

const STATUS: Record<string, ContentfulStatusCode> = {
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  // The server's own storage failed its check: not the client's fault, and not to be retried blindly.
  'artifact.corrupted': 500,
};

/**
 * The one place domain errors become HTTP statuses. Unknown errors are a 500 with a short
 * message; the stack goes to the server log, never to the client.
 */
export function errorResponse(c: Context, thrown: unknown, logger: Logger): Response {
  const error = coerceError(thrown);
  if (error instanceof TooManyRequestsError) c.header('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
  if (error instanceof DeployliteError) return c.json({ error: errorBody(error) }, errorStatus(error));
  // Hono's own refusals: a body that is not JSON, a wrong content type, a body over the limit.
  if (error instanceof HTTPException && error.status < 500) {
    const known = HTTP_EXCEPTIONS[error.status];
    return c.json({ error: { code: known?.code ?? 'invalid-request', message: known?.message ?? (error.message || 'invalid request') } }, error.status);
  }
  logger.error('request failed', { method: c.req.method, path: c.req.path, error: error.message, stack: error.stack });
  return c.json({ error: { code: 'internal', message: 'internal server error' } }, 500);
}

/** The HTTP status of a domain error; the WebSocket endpoint answers with the same. */
export function errorStatus(error: DeployliteError): ContentfulStatusCode {
  return STATUS[error.code] ?? statusOf(error);
}

/** A domain error as the client sees it: `{ code, message, field? }`. */
export function errorBody(error: DeployliteError): { code: string; message: string; field?: string } {
  const field = error instanceof InvalidRequestError && error.field ? { field: error.field } : {};
  return { code: error.code, message: error.message, ...field };
}

/**
 * What the client is told for Hono's HTTPExceptions, in the words of the rest of the API;
 * other statuses (400 "Malformed JSON in request body") keep Hono's message.
 */
const HTTP_EXCEPTIONS: Partial<Record<ContentfulStatusCode, { code: string; message: string }>> = {
  413: { code: 'request.too-large', message: 'the request body is too large' },
  415: { code: 'request.unsupported-media-type', message: 'the request body must be JSON (Content-Type: application/json)' },
};

function statusOf(error: DeployliteError): ContentfulStatusCode {
  if (error instanceof TooManyRequestsError) return 429;
  if (error instanceof UnauthorizedError) return 401;
  if (error.name === 'ConflictError') return 409;
  if (error.name === 'InvalidRequestError' || error.name === 'UsageError') return 400;
  if (error.name === 'NotFoundError') return 404;
  return 400;
}

/** A zod issue list as our error body: the first problem, naming its field. */
export function validationError(issues: readonly { path: readonly PropertyKey[]; message: string }[]): InvalidRequestError {
  const issue = issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  return new InvalidRequestError(field ? `${field}: ${issue?.message ?? 'invalid'}` : (issue?.message ?? 'invalid request'), field || undefined);
}
