import type { SourcePosition } from '../core/index.js';
import type { JobSpec } from './model.js';

/** A job being filled in by a front end: the engine's model with its fields still writable. */
export type JobDraft = { -readonly [K in keyof JobSpec]: JobSpec[K] };

/**
 * A job with every field at its default, which both front ends (the native pipeline reader and the GitHub
 * workflow mapper) start from and fill in, so a default changed here changes for both.
 */
export function defaultJob(id: string, position: SourcePosition): JobDraft {
  return { id, name: id, needs: [], env: {}, steps: [], failFast: true, continueOnError: false, outputs: {}, rollback: [], position };
}
