export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type { Diagnostic, SourcePosition } from './diagnostic.js';
export { formatDiagnostic, hasErrors, sortDiagnostics } from './diagnostic.js';
export { formatDuration, parseDuration } from './duration.js';
export { formatBytes } from './format-bytes.js';
export {
  CancelledError,
  coerceError,
  ConflictError,
  DeployliteError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  StepTimeoutError,
  TooManyRequestsError,
  UnauthorizedError,
  UnrecoverableError,
  UsageError,
} from './errors.js';
export { redactUrlCredentials, removeUrlCredentials } from './redact-url.js';
export { SecretMasker } from './secret-masker.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export type { RefuseWrite } from './write-inside.js';
export { clearForEntry, makeDirectoriesInside } from './write-inside.js';
export type { FedWritable } from './feed-writable.js';
export { feedWritable } from './feed-writable.js';
