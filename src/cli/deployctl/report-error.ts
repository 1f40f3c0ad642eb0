import { DeployliteError } from '../../core/index.js';
import type { Writable } from '../cli-context.js';
import { EXIT } from '../cli-context.js';
import { ApiError } from './api-errors.js';

/** The server refused the request as given (bad input, unknown id, conflicting state): the user's to fix. */
const USAGE_STATUSES: ReadonlySet<number> = new Set([400, 404, 409]);

/**
 * The one place where a failed command becomes a line on stderr and an exit code: the
 * server's own sentence (and the field it is about), never a stack trace or the token.
 * Returns undefined for errors that are bugs, which the caller rethrows.
 */
export function reportError(stderr: Writable, error: Error): number | undefined {
  if (error instanceof ApiError) {
    if (error.status === 401) {
      stderr.write('deployctl: the server rejected the token (log in again with deployctl login)\n');
      return EXIT.failed;
    }
    const field = error.field ? ` (field: ${error.field})` : '';
    stderr.write(`deployctl: ${error.message}${field}\n`);
    return USAGE_STATUSES.has(error.status) ? EXIT.invalid : EXIT.failed;
  }
  if (error instanceof DeployliteError) {
    stderr.write(`deployctl: ${error.message}\n`);
    return error.code === 'usage' ? EXIT.invalid : EXIT.failed;
  }
  return undefined;
}
