/**
 * The wire contract between `deploylite server` and `deploylite runner` (JSON over HTTP).
 * The runner never imports the server, nor the server the runner: they meet here.
 *
 * Call order, from the runner's side:
 *
 *   POST /api/v1/runners/register          (registration token) → its own runner token
 *   loop:
 *     POST /api/v1/runner/poll              long poll: free slots + leases it holds → new jobs,
 *                                           leases to cancel, leases it lost. Each poll is also
 *                                           the heartbeat that extends the leases it lists.
 *     POST /api/v1/runner/leases/{id}/logs  batches of log lines, `offset` = lines of this
 *                                           lease sent before; re-sending a batch is harmless
 *     POST /api/v1/runner/leases/{id}/result once, retried until the server answers
 *
 * A 409 on logs or result means the lease is gone (expired and re-queued, or the run was
 * cancelled and the job finished): the runner stops the job and drops what it holds.
 * Every call is retried with backoff while the server cannot be reached, so a runner
 * survives a server restart and re-reports what it finished meanwhile.
 */
import { z } from 'zod';

export const RUNNER_PROTOCOL_VERSION = 1;

/** A job's step summary is dropped above this size, as on GitHub (1 MiB per step there; per job here). */
export const MAX_STEP_SUMMARY_BYTES = 1024 * 1024;

const Label = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}$/, 'labels are letters, digits and _ . : / -');

export const RegisterRunnerRequest = z.object({
  name: z.string().min(1).max(100),
  labels: z.array(Label).max(50),
  capacity: z.number().int().min(1).max(256),
  version: z.string().max(50),
});
export type RegisterRunnerRequest = z.infer<typeof RegisterRunnerRequest>;

export const RegisterRunnerResponse = z.object({
  runnerId: z.number().int(),
  /** The runner's own credential, used for every later call; the runner keeps no registration token. */
  token: z.string(),
});
export type RegisterRunnerResponse = z.infer<typeof RegisterRunnerResponse>;

export const PollRequest = z.object({
  /** Slots free for new jobs now; 0 polls only for cancellations (and heartbeats). */
  free: z.number().int().min(0).max(256),
  /** Leases of the jobs the runner is running; listing one extends it. */
  running: z.array(z.string().max(100)).max(1024),
  /** How long the server may hold the request open when it has nothing to say. */
  waitMs: z.number().int().min(0).max(60_000).optional(),
});
export type PollRequest = z.infer<typeof PollRequest>;

const RetryPolicy = z.object({
  max: z.number().int(),
  backoff: z.enum(['exponential', 'fixed']),
  delayMs: z.number(),
  maxDelayMs: z.number(),
});

export const JobAssignment = z.object({
  leaseId: z.string(),
  runId: z.number().int(),
  /**
   * The project the run belongs to. A runner keeps one workspace directory per project (and ref) for jobs that allow
   * `reuse-container`, so that their warm containers serve the project's next job and no other project's
   * (docs/executors.md, "Warm pool"). Absent from older servers: such jobs then get a fresh workspace and no reuse.
   */
  projectId: z.number().int().optional(),
  jobKey: z.string(),
  jobId: z.string(),
  name: z.string(),
  matrixIndex: z.number().int().nullable(),
  matrix: z.record(z.string(), z.unknown()).nullable(),
  /** The pipeline file the job comes from, for messages. */
  pipeline: z.object({ file: z.string() }),
  /**
   * The job as the server compiled it (the engine's JobSpec, as JSON): the runner runs it
   * without compiling the whole pipeline again, and the assignment stays small however large
   * the pipeline is.
   */
  job: z.record(z.string(), z.unknown()),
  /** Expression contexts (needs, vars, matrix, secrets the job may see…), evaluated by the server. */
  contexts: z.record(z.string(), z.unknown()),
  env: z.record(z.string(), z.string()),
  retry: RetryPolicy.nullable(),
  timeoutMs: z.number().int().nullable(),
  /** The exact commit to check out into a fresh workspace; null runs in an empty directory. */
  /**
   * What to clone and the exact commit; `ref` is the ref the commit came with, fetched when a
   * plain clone lacks the commit (a pull request from a fork: refs/pull/N/head).
   */
  checkout: z.object({ repository: z.string(), sha: z.string(), ref: z.string().max(500).optional() }).nullable(),
  /** Values the runner masks in everything it sends back. */
  mask: z.array(z.string()),
});
export type JobAssignment = z.infer<typeof JobAssignment>;

export const PollResponse = z.object({
  jobs: z.array(JobAssignment),
  /** Leases whose job must stop now (run cancelled, fail-fast); report a result afterwards. */
  cancel: z.array(z.string()),
  /** Leases the server no longer knows for this runner (expired and re-queued): stop and drop. */
  lost: z.array(z.string()),
  /** How long a lease lives without a poll listing it; poll well within it. */
  leaseTtlMs: z.number().int(),
});
export type PollResponse = z.infer<typeof PollResponse>;

export const LogStreamName = z.enum(['stdout', 'stderr', 'system']);

export const LogBatch = z.object({
  /** Lines of this lease the runner sent before this batch. */
  offset: z.number().int().min(0),
  lines: z
    .array(z.object({ stream: LogStreamName, time: z.number(), text: z.string().max(64 * 1024) }))
    .max(5000),
});
export type LogBatch = z.infer<typeof LogBatch>;

export const LogBatchResponse = z.object({
  /** Lines of this lease the server holds in total; the runner resends from here. */
  accepted: z.number().int(),
});
export type LogBatchResponse = z.infer<typeof LogBatchResponse>;

export const JobResult = z.object({
  status: z.enum(['success', 'failed', 'cancelled']),
  attempts: z.number().int().min(0),
  exitCode: z.number().int().nullable(),
  error: z.string().nullable(),
  outputs: z.record(z.string(), z.string()),
  rollbackStatus: z.enum(['pending', 'running', 'success', 'failed', 'skipped', 'cancelled']).nullable(),
  /** Log lines of this lease sent in total, so the server knows when it has them all. */
  logLines: z.number().int().min(0),
  /**
   * A GitHub workflow job's step summary (what its steps wrote to $GITHUB_STEP_SUMMARY), Markdown, masked, at most
   * MAX_STEP_SUMMARY_BYTES. Absent when the job wrote none, and from older runners.
   */
  summary: z.string().max(MAX_STEP_SUMMARY_BYTES).optional(),
});
export type JobResult = z.infer<typeof JobResult>;
