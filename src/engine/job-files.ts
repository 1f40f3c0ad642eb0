import type { JobSpec } from '../pipeline/index.js';
import type { JobWorkspace } from './executor.js';
import type { LogStream } from './run-store.js';

/**
 * What a job brings into its workspace before its first step and takes out of it after its
 * last: the artifacts of the jobs it needs, its cache. The engine only says when; where the
 * files live (a local store for `deploylite run`, the server for a runner) is the caller's.
 */
export interface JobFiles {
  /**
   * Before the first step. What it returns reaches the steps (see RestoredFiles); throwing fails the job with the
   * message (the steps do not run).
   */
  restore(job: JobFilesJob, workspace: JobWorkspace): Promise<RestoredFiles | void>;
  /**
   * After the last attempt and the rollback, before the workspace is cleaned up, with the job's
   * final status. Throwing turns a successful job into a failed one with the message.
   */
  save(job: JobFilesJob, workspace: JobWorkspace, status: 'success' | 'failed' | 'cancelled'): Promise<void>;
}

/**
 * What a restore tells the job's steps. Restoring happens before the first step, so a step that wants to know how
 * it went (GitHub's `actions/cache` reports `cache-hit`) reads it from these variables.
 */
export interface RestoredFiles {
  /** Variables added to the job's environment for every step, below the steps' own `env` (DEPLOYLITE_CACHE_HIT…). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface JobFilesJob {
  readonly runId: number;
  /** The instance's key (job id, plus the matrix index for matrix instances). */
  readonly jobKey: string;
  readonly spec: JobSpec;
  /** `cache:` with its key and restore keys interpolated; absent when the job has none. */
  readonly cache?: { readonly key: string; readonly restoreKeys: readonly string[]; readonly paths: readonly string[] };
  /** Lines for the job's log (`system` for DeployLite's own messages). */
  readonly log: (stream: LogStream, text: string) => void;
  readonly signal: AbortSignal;
}

/** Several `JobFiles` as one, restored and saved in the order given; the variables of later parts win. */
export function combineJobFiles(...parts: readonly JobFiles[]): JobFiles {
  return {
    async restore(job, workspace) {
      let env: Record<string, string> = {};
      for (const part of parts) env = { ...env, ...(await part.restore(job, workspace))?.env };
      return { env };
    },
    async save(job, workspace, status) {
      for (const part of parts) await part.save(job, workspace, status);
    },
  };
}
