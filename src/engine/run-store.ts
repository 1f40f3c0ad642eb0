import type { MatrixValues } from '../pipeline/index.js';

/** Status of a run as a whole. */
export type RunStatus = 'pending' | 'running' | 'success' | 'failed' | 'cancelled';

/**
 * Status of one job instance (a job, or one combination of a matrix job).
 * pending → running → success | failed | cancelled; pending → skipped | cancelled.
 */
export type JobStatus = 'pending' | 'running' | 'success' | 'failed' | 'skipped' | 'cancelled';

export const FINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(['success', 'failed', 'skipped', 'cancelled']);

/** What a run was started with, kept so that `resume` can continue it the same way. */
export interface RunOptionsRecord {
  readonly workspaceDir: string;
  readonly parallel: number;
  readonly jobFilter: readonly string[];
  readonly vars: Readonly<Record<string, string>>;
  /** Names only: secret values are never stored; `resume` asks for them again. */
  readonly secretNames: readonly string[];
  /**
   * What the front end that compiled the pipeline needs to rebuild the run's contexts when it
   * is retried or resumed (a GitHub workflow's event and inputs on the server). Opaque here.
   */
  readonly event?: Readonly<Record<string, unknown>>;
}

export interface RunRecord {
  readonly id: number;
  readonly name: string;
  readonly file: string;
  /** The pipeline text as it was when the run started (resume compiles this, not the file). */
  readonly source: string;
  readonly status: RunStatus;
  readonly options: RunOptionsRecord;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** How many times the run was started: 1, plus one per resume. */
  readonly attempt: number;
}

export interface JobRecord {
  readonly runId: number;
  /** Unique within the run: `build`, or `build[2]` for the third matrix combination. */
  readonly key: string;
  readonly jobId: string;
  readonly matrixIndex: number | null;
  readonly matrix: MatrixValues | null;
  readonly name: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly exitCode: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly outputs: Readonly<Record<string, string>>;
  readonly rollbackStatus: JobStatus | null;
  /** Why the job failed or was cancelled, in a sentence (already masked). */
  readonly error: string | null;
  /** A failure here does not fail the run. */
  readonly continueOnError: boolean;
  /** Process group of the step running now, so `resume` can stop leftovers of a killed CLI. */
  readonly pid: number | null;
}

export type LogStream = 'stdout' | 'stderr' | 'system';

export interface LogLine {
  readonly runId: number;
  readonly jobKey: string;
  readonly stream: LogStream;
  readonly time: number;
  /** Masked before it reaches the store. */
  readonly text: string;
}

export interface NewRun {
  readonly name: string;
  readonly file: string;
  readonly source: string;
  readonly options: RunOptionsRecord;
}

/**
 * Persistence the engine needs. Every write is durable when its promise resolves, so a run
 * killed at any point can be resumed from what was stored. Implementations: SQLite (local
 * runs), later PostgreSQL behind the server.
 */
export interface RunStore {
  createRun(run: NewRun): Promise<RunRecord>;
  updateRun(
    id: number,
    patch: Partial<Pick<RunRecord, 'status' | 'startedAt' | 'finishedAt' | 'attempt'>>,
  ): Promise<void>;
  /** Inserts or replaces the job with the same (runId, key). */
  saveJob(job: JobRecord): Promise<void>;
  appendLogs(lines: readonly LogLine[]): Promise<void>;
  getRun(id: number): Promise<RunRecord | undefined>;
  latestRun(): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(limit: number): Promise<RunRecord[]>;
  /** In the order the jobs were first saved. */
  listJobs(runId: number): Promise<JobRecord[]>;
  /** In the order they were appended; all jobs when `jobKey` is undefined. */
  readLogs(runId: number, jobId?: string): Promise<LogLine[]>;
  close(): Promise<void>;
}
