/**
 * Structured logging as the server and runner need it. `fields` become JSON properties
 * (trace_id, module, pipeline, duration_ms, …); the composition root picks the backend.
 */
export interface Logger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
  /** A logger that adds these fields to every entry (e.g. `{ module: 'scheduler' }`). */
  child(fields: Readonly<Record<string, unknown>>): Logger;
}

/** Discards everything: for tests and for code paths that were given no logger. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
