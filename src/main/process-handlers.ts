import type { Logger } from '../core/index.js';
import { coerceError } from '../core/index.js';

/** The part of `process` the handlers use (a test passes an EventEmitter). */
export type ProcessEvents = Pick<NodeJS.Process, 'on' | 'off'>;

/**
 * A promise that rejects with nobody listening is a bug. Node would end the server with a
 * stack trace on stderr, outside the JSON log, stopping every run it drives; instead the
 * server logs it as an error (message and stack) and keeps serving. Returns the uninstaller.
 */
export function logUnhandledRejections(logger: Logger, target: ProcessEvents = process): () => void {
  const handler = (reason: unknown) => {
    const error = coerceError(reason);
    logger.error('unhandled promise rejection', { error: error.message, stack: error.stack });
  };
  target.on('unhandledRejection', handler);
  return () => {
    target.off('unhandledRejection', handler);
  };
}
