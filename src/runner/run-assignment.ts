import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/index.js';
import { coerceError, formatDiagnostic, SecretMasker } from '../core/index.js';
import type { Executor, JobInstance, LogStream } from '../engine/index.js';
import { hashFiles, jobRequirementProblem, runJob } from '../engine/index.js';
import type { JobSpec } from '../pipeline/index.js';
import type { JobAssignment, JobResult } from '../protocol/index.js';
import { checkoutCommit } from './checkout.js';
import type { RunnerLogger } from './runner-logger.js';

export interface AssignmentRuntime {
  readonly executor: Executor;
  readonly clock: Clock;
  /** Each job gets a fresh directory under it, removed when the job ends. */
  readonly workRoot: string;
  readonly logger: RunnerLogger;
}

export interface AssignmentIO {
  /** Cancellation: the server cancelled the job, the lease was lost, or the runner stops. */
  readonly signal: AbortSignal;
  /** Receives every line of the job's log, already masked. */
  readonly log: (stream: LogStream, text: string) => void;
}

/** A job's result before its log is complete (`logLines` is the log shipper's to tell). */
export type AssignmentOutcome = Omit<JobResult, 'logLines'>;

/**
 * Runs one assigned job: a fresh workspace, the commit checked out into it, the job (as the
 * server compiled it) run by the engine. Never throws:
 * every problem becomes a failed outcome with a `✖` line in the job's log. The assignment's
 * `mask` values are masked in every log line and in the outcome.
 */
export async function runAssignment(assignment: JobAssignment, runtime: AssignmentRuntime, io: AssignmentIO): Promise<AssignmentOutcome> {
  const masker = new SecretMasker();
  for (const value of assignment.mask) masker.add(value);
  const log = (stream: LogStream, text: string) => io.log(stream, masker.mask(text));
  const outcome = await runInWorkspace(assignment, runtime, io.signal, log);
  // Field by field: the engine's outcome carries more (the steps' contexts, unmasked
  // outputs included) than the protocol's result, and none of it may leave the runner.
  return {
    status: outcome.status,
    attempts: outcome.attempts,
    exitCode: outcome.exitCode,
    error: outcome.error === null ? null : masker.mask(outcome.error),
    outputs: Object.fromEntries(Object.entries(outcome.outputs).map(([name, value]) => [name, masker.mask(value)])),
    rollbackStatus: outcome.rollbackStatus,
  };
}

type Log = (stream: LogStream, text: string) => void;

async function runInWorkspace(assignment: JobAssignment, runtime: AssignmentRuntime, signal: AbortSignal, log: Log): Promise<AssignmentOutcome> {
  const spec = findJob(assignment);
  if (typeof spec === 'string') return failed(log, spec);
  // Before the checkout: a job this runner's executor cannot run as asked fails at once, with the pipeline line.
  const mismatch = jobRequirementProblem(spec, assignment.pipeline.file, runtime.executor);
  if (mismatch !== undefined) return failed(log, formatDiagnostic(mismatch));
  let workspace: string;
  try {
    await mkdir(runtime.workRoot, { recursive: true });
    workspace = await mkdtemp(join(runtime.workRoot, `r${assignment.runId}-${fileNameSafe(assignment.jobKey)}-`));
  } catch (thrown) {
    return failed(log, `could not create the job's workspace: ${coerceError(thrown).message}`);
  }
  try {
    if (assignment.checkout) {
      const { repository, sha, ref } = assignment.checkout;
      try {
        await checkoutCommit({ repository, sha, ...(ref ? { ref } : {}) }, workspace, signal);
      } catch (thrown) {
        if (signal.aborted) return cancelled();
        return failed(log, `could not check out ${sha}: ${coerceError(thrown).message}`);
      }
    }
    return await runJob({
      instance: instanceOf(assignment, spec),
      runId: assignment.runId,
      executor: runtime.executor,
      clock: runtime.clock,
      workspaceDir: workspace,
      contexts: assignment.contexts,
      env: { ...assignment.env, DEPLOYLITE_WORKSPACE: workspace },
      retry: assignment.retry ?? undefined,
      timeoutMs: assignment.timeoutMs ?? undefined,
      hashFiles: (patterns) => hashFiles(workspace, patterns),
      signal,
      log,
      onAttempt: () => {},
      onStepStart: () => {},
    });
  } catch (thrown) {
    return failed(log, `the runner could not run the job: ${coerceError(thrown).message}`);
  } finally {
    await rm(workspace, { recursive: true, force: true, maxRetries: 3 }).catch((thrown: unknown) => {
      runtime.logger.warn('could not remove a job workspace', { workspace, error: coerceError(thrown).message });
    });
  }
}

/** The job's spec as the server compiled it, or why it cannot be run. */
function findJob(assignment: JobAssignment): JobSpec | string {
  const job = assignment.job as Partial<JobSpec>;
  if (job.id !== assignment.jobId || !Array.isArray(job.steps)) {
    return `the assignment's job is not "${assignment.jobId}" of ${assignment.pipeline.file} (is the runner older than the server?)`;
  }
  return job as JobSpec;
}

function instanceOf(assignment: JobAssignment, spec: JobSpec): JobInstance {
  return { spec, key: assignment.jobKey, matrixIndex: assignment.matrixIndex, matrix: assignment.matrix, name: assignment.name };
}

function failed(log: Log, error: string): AssignmentOutcome {
  log('system', `✖ ${error}`);
  return { status: 'failed', attempts: 0, exitCode: null, error, outputs: {}, rollbackStatus: null };
}

function cancelled(): AssignmentOutcome {
  return { status: 'cancelled', attempts: 0, exitCode: null, error: 'cancelled', outputs: {}, rollbackStatus: null };
}

function fileNameSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40);
}
