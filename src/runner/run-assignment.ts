import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/index.js';
import { coerceError, formatDiagnostic, SecretMasker } from '../core/index.js';
import type { Executor, JobFiles, JobInstance, LogStream } from '../engine/index.js';
import { hashFiles, jobRequirementProblem, runJob } from '../engine/index.js';
import type { JobSpec } from '../pipeline/index.js';
import type { JobAssignment, JobResult } from '../protocol/index.js';
import { checkoutCommit } from './checkout.js';
import type { ProjectWorkspaces, WorkspaceLease } from './project-workspaces.js';
import type { RunnerLogger } from './runner-logger.js';
import type { WorkflowEnvironment } from './workflow-environment.js';
import { isWorkflowAssignment, prepareWorkflowEnvironment } from './workflow-environment.js';

export interface AssignmentRuntime {
  readonly executor: Executor;
  readonly clock: Clock;
  /** Each job gets a fresh directory under it, removed when the job ends. */
  readonly workRoot: string;
  /** Where jobs that allow `reuse-container` work instead: one directory per project, emptied between jobs. */
  readonly projectWorkspaces?: ProjectWorkspaces;
  readonly logger: RunnerLogger;
  /** What the job brings into its workspace and takes out of it (caches, artifacts), per assignment; absent: nothing. */
  readonly files?: (assignment: JobAssignment) => JobFiles;
  /** The runner's registered name: a GitHub workflow job's `runner.name` and RUNNER_NAME. */
  readonly runnerName?: string;
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
 * `mask` values are masked in every log line and in the outcome. A GitHub workflow job also
 * gets a runner environment (workflow-environment.ts) and brings back its step summary.
 */
export async function runAssignment(assignment: JobAssignment, runtime: AssignmentRuntime, io: AssignmentIO): Promise<AssignmentOutcome> {
  const masker = new SecretMasker();
  for (const value of assignment.mask) masker.add(value);
  const log = (stream: LogStream, text: string) => io.log(stream, masker.mask(text));
  const outcome = await runInWorkspace(assignment, runtime, io.signal, log, masker);
  // Field by field: the engine's outcome carries more (the steps' contexts, unmasked
  // outputs included) than the protocol's result, and none of it may leave the runner.
  return {
    status: outcome.status,
    attempts: outcome.attempts,
    exitCode: outcome.exitCode,
    error: outcome.error === null ? null : masker.mask(outcome.error),
    outputs: Object.fromEntries(Object.entries(outcome.outputs).map(([name, value]) => [name, masker.mask(value)])),
    rollbackStatus: outcome.rollbackStatus,
    // Already masked (before its size was checked).
    ...(outcome.summary !== undefined ? { summary: outcome.summary } : {}),
  };
}

type Log = (stream: LogStream, text: string) => void;

async function runInWorkspace(assignment: JobAssignment, runtime: AssignmentRuntime, signal: AbortSignal, log: Log, masker: SecretMasker): Promise<AssignmentOutcome> {
  const spec = findJob(assignment);
  if (typeof spec === 'string') return failed(log, spec);
  // Before the checkout: a job this runner's executor cannot run as asked fails at once, with the pipeline line.
  const mismatch = jobRequirementProblem(spec, assignment.pipeline.file, runtime.executor);
  if (mismatch !== undefined) return failed(log, formatDiagnostic(mismatch));
  let workspace: string;
  let lease: WorkspaceLease | undefined;
  // A workflow job's RUNNER_TEMP: beside the workspace, not in it, so that nothing of it is in the checkout.
  let scratchDir: string | undefined;
  try {
    // A warm container can serve only the workspace directory it was made for: see project-workspaces.ts.
    if (spec.reuseContainer && assignment.projectId !== undefined && runtime.projectWorkspaces) lease = await runtime.projectWorkspaces.acquire(assignment.projectId, assignment.checkout?.ref ?? '');
    await mkdir(runtime.workRoot, { recursive: true });
    workspace = lease?.dir ?? (await mkdtemp(join(runtime.workRoot, `r${assignment.runId}-${fileNameSafe(assignment.jobKey)}-`)));
  } catch (thrown) {
    return failed(log, `could not create the job's workspace: ${coerceError(thrown).message}`);
  }
  try {
    let workflow: WorkflowEnvironment | undefined;
    if (isWorkflowAssignment(assignment)) {
      try {
        scratchDir = await mkdtemp(join(runtime.workRoot, `t${assignment.runId}-${fileNameSafe(assignment.jobKey)}-`));
        workflow = await prepareWorkflowEnvironment(assignment, { workspace, scratchDir, runnerName: runtime.runnerName ?? 'deploylite-runner' });
      } catch (thrown) {
        return failed(log, `could not prepare the job's runner environment: ${coerceError(thrown).message}`);
      }
    }
    if (assignment.checkout) {
      const { repository, sha, ref } = assignment.checkout;
      try {
        await checkoutCommit({ repository, sha, ...(ref ? { ref } : {}) }, workspace, signal);
      } catch (thrown) {
        if (signal.aborted) return cancelled();
        return failed(log, `could not check out ${sha}: ${coerceError(thrown).message}`);
      }
    }
    const outcome = await runJob({
      instance: instanceOf(assignment, spec),
      runId: assignment.runId,
      executor: runtime.executor,
      ...(runtime.files ? { files: runtime.files(assignment) } : {}),
      clock: runtime.clock,
      workspaceDir: workspace,
      ...(workflow ? { hostDirs: workflow.hostDirs } : {}),
      contexts: workflow?.contexts ?? assignment.contexts,
      env: { ...assignment.env, ...workflow?.env, DEPLOYLITE_WORKSPACE: workspace },
      retry: assignment.retry ?? undefined,
      timeoutMs: assignment.timeoutMs ?? undefined,
      hashFiles: (patterns) => hashFiles(workspace, patterns),
      signal,
      log,
      onAttempt: () => {},
      onStepStart: () => {},
      // The job's `::add-mask::` values join the assignment's secrets: the summary and outcome are masked with both.
      masker,
    });
    const summary = await workflow?.readSummary((text) => masker.mask(text), log);
    return summary !== undefined ? { ...outcome, summary } : outcome;
  } catch (thrown) {
    return failed(log, `the runner could not run the job: ${coerceError(thrown).message}`);
  } finally {
    const removal = lease !== undefined ? lease.release() : rm(workspace, { recursive: true, force: true, maxRetries: 3 });
    await removal.catch((thrown: unknown) => {
      runtime.logger.warn('could not remove a job workspace', { workspace, error: coerceError(thrown).message });
    });
    if (scratchDir !== undefined) {
      await rm(scratchDir, { recursive: true, force: true, maxRetries: 3 }).catch((thrown: unknown) => {
        runtime.logger.warn('could not remove a job scratch directory', { directory: scratchDir, error: coerceError(thrown).message });
      });
    }
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
