import pino from 'pino';
import type { Logger } from '../core/index.js';

/** The Logger interface on pino: one JSON object per line on stdout, fast and structured. */
export function createJsonLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return wrap(pino({ level, base: { ...base }, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'msg' }));
}

function wrap(logger: pino.Logger): Logger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    child: (fields) => wrap(logger.child(fields)),
  };
}
