import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { coerceError, DeployliteError, InvalidRequestError } from '../../core/index.js';
import type { Logger } from '../../core/index.js';

const STATUS: Record<string, ContentfulStatusCode> = {
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
};

/**
 * The one place domain errors become HTTP statuses. Unknown errors are a 500 with a short
 * message; the stack goes to the server log, never to the client.
 */
export function errorResponse(c: Context, thrown: unknown, logger: Logger): Response {
  const error = coerceError(thrown);
  if (error instanceof DeployliteError) {
    const status = STATUS[error.code] ?? statusOf(error);
    const field = error instanceof InvalidRequestError && error.field ? { field: error.field } : {};
    return c.json({ error: { code: error.code, message: error.message, ...field } }, status);
  }
  logger.error('request failed', { method: c.req.method, path: c.req.path, error: error.message, stack: error.stack });
  return c.json({ error: { code: 'internal', message: 'internal server error' } }, 500);
}

function statusOf(error: DeployliteError): ContentfulStatusCode {
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
