export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type { Diagnostic, SourcePosition } from './diagnostic.js';
export { formatDiagnostic, hasErrors, sortDiagnostics } from './diagnostic.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  CancelledError,
  coerceError,
  DeployliteError,
  NotFoundError,
  StepTimeoutError,
  UnrecoverableError,
  UsageError,
} from './errors.js';
export { SecretMasker } from './secret-masker.js';
