import type { Clock } from '../core/index.js';
import { coerceError, formatDuration, SecretMasker } from '../core/index.js';
import type { Contexts, JobSpec, MatrixValues, RetryPolicy } from '../pipeline/index.js';
import { interpolate } from '../pipeline/index.js';
import type { Executor, JobWorkspace } from './executor.js';
import type { JobFiles, JobFilesJob } from './job-files.js';
import { retryDelay } from './retry-delay.js';
import type { JobStatus, LogStream } from './run-store.js';
import type { StepContext } from './run-steps.js';
import { runStepSequence } from './run-steps.js';

/** One schedulable unit: a job, or one combination of a matrix job. */
export interface JobInstance {
  readonly spec: JobSpec;
  readonly key: string;
  readonly matrixIndex: number | null;
  readonly matrix: MatrixValues | null;
  readonly name: string;
}

export interface RunJobInput {
  readonly instance: JobInstance;
  readonly runId: number;
  readonly executor: Executor;
  /** Artifacts and caches brought into the workspace and taken out of it; absent: none. */
  readonly files?: JobFiles;
  readonly clock: Clock;
  readonly workspaceDir: string;
  /** Directories the runner made for this job that its steps must see (see `JobRequest.hostDirs`). */
  readonly hostDirs?: readonly string[];
  /** matrix, needs, secrets, vars; `run` and `env` are added here. */
  readonly contexts: Contexts;
  readonly env: Readonly<Record<string, string>>;
  readonly retry: RetryPolicy | undefined;
  readonly timeoutMs: number | undefined;
  readonly hashFiles: (patterns: string[]) => string;
  /** Cancellation of this instance (run cancelled, or a fail-fast sibling failed). */
  readonly signal: AbortSignal;
  readonly log: (stream: LogStream, text: string) => void;
  readonly onAttempt: (attempt: number) => void;
  readonly onStepStart: (pid: number) => void;
  /**
   * Receives the job's `::add-mask::` values, so that a caller that masks what it keeps of the job (its summary)
   * with it hides them too; absent: the job's own. Either way the outcome's error and outputs come back masked.
   */
  readonly masker?: SecretMasker;
}

export interface JobOutcome {
  readonly status: Extract<JobStatus, 'success' | 'failed' | 'cancelled'>;
  readonly attempts: number;
  readonly exitCode: number | null;
  readonly error: string | null;
  readonly outputs: Record<string, string>;
  readonly rollbackStatus: JobStatus | null;
}

/**
 * Runs one job instance: its steps, again after a failure as its retry policy allows (each
 * attempt under the job's timeout), then its outputs, then — when it finally failed — its
 * rollback steps. Cancellation is never retried.
 */
export async function runJob(input: RunJobInput): Promise<JobOutcome> {
  // One masker for every attempt and the rollback: a value masked in one stays masked in the others and the outcome.
  const masker = input.masker ?? new SecretMasker();
  const outcome = await prepareAndRunJob({ ...input, masker });
  return {
    ...outcome,
    error: outcome.error === null ? null : masker.mask(outcome.error),
    outputs: Object.fromEntries(Object.entries(outcome.outputs).map(([name, value]) => [name, masker.mask(value)])),
  };
}

async function prepareAndRunJob(input: RunJobInput): Promise<JobOutcome> {
  const { instance, executor } = input;
  let workspace: JobWorkspace;
  try {
    workspace = await executor.prepareJob({
      runId: input.runId,
      jobKey: instance.key,
      jobId: instance.spec.id,
      workspaceDir: input.workspaceDir,
      ...(instance.spec.image ? { image: instance.spec.image } : {}),
      ...(instance.spec.runsOn ? { runsOn: instance.spec.runsOn } : {}),
      ...(instance.spec.network ? { network: instance.spec.network } : {}),
      ...(instance.spec.services?.length ? { services: instance.spec.services } : {}),
      ...(instance.spec.reuseContainer ? { reuseContainer: true } : {}),
      ...(input.hostDirs?.length ? { hostDirs: input.hostDirs } : {}),
    });
  } catch (thrown) {
    return failedBeforeSteps(input, `could not prepare the job: ${coerceError(thrown).message}`);
  }
  try {
    return await runWithFiles(input, workspace);
  } finally {
    await executor.cleanupJob(workspace).catch((thrown: unknown) => {
      input.log('system', `warning: cleaning up the job failed: ${coerceError(thrown).message}`);
    });
  }
}

async function runWithFiles(input: RunJobInput, workspace: JobWorkspace): Promise<JobOutcome> {
  const files = input.files;
  if (!files) return runAttempts(input, workspace);
  const job = filesJob(input);
  if (typeof job === 'string') return failedBeforeSteps(input, job);
  const { spec } = input.instance;
  let restoredEnv: Readonly<Record<string, string>> | undefined;
  let doing = 'restore the job\'s files';
  try {
    restoredEnv = (await files.restore(job, workspace))?.env;
    doing = 'bring the restored files to the job';
    // Executors whose steps work on a copy of the workspace (kubernetes) get what was restored into it.
    if (spec.needs.length > 0 || spec.cache) await input.executor.pushWorkspace?.(workspace, input.signal);
  } catch (thrown) {
    if (input.signal.aborted) return { status: 'cancelled', attempts: 0, exitCode: null, error: 'cancelled', outputs: {}, rollbackStatus: null };
    return failedBeforeSteps(input, `could not ${doing}: ${coerceError(thrown).message}`);
  }
  // The restore's variables sit below the job's own env: a job that sets one on purpose keeps its value.
  const outcome = await runAttempts(restoredEnv ? { ...input, env: { ...restoredEnv, ...input.env } } : input, workspace);
  try {
    // A cancelled job keeps no files, so nothing is fetched from where its steps ran.
    if ((spec.artifacts || spec.cache) && !input.signal.aborted) {
      const pulled = await input.executor.pullWorkspace?.(workspace, input.signal);
      for (const warning of pulled?.warnings ?? []) input.log('system', `warning: ${warning}`);
    }
    await files.save(job, workspace, outcome.status);
    return outcome;
  } catch (thrown) {
    // Cancelled while its files were taken back or saved: a job that had succeeded was cancelled, not broken.
    if (input.signal.aborted) return outcome.status === 'success' ? { ...outcome, status: 'cancelled', error: 'cancelled' } : outcome;
    const error = `could not save the job's files: ${coerceError(thrown).message}`;
    input.log('system', `✖ ${error}`);
    return outcome.status === 'success' ? { ...outcome, status: 'failed', error } : outcome;
  }
}

/** What `JobFiles` is told about the job: its cache key and restore keys interpolated (they may hold `hashFiles()`). */
function filesJob(input: RunJobInput): JobFilesJob | string {
  const { spec, key } = input.instance;
  const base = { runId: input.runId, jobKey: key, spec, log: input.log, signal: input.signal };
  if (!spec.cache) return base;
  const contexts = { ...withRun(input, 1), env: input.env };
  try {
    const evaluate = (template: string) => interpolate(template, contexts, { hashFiles: input.hashFiles });
    return { ...base, cache: { key: evaluate(spec.cache.key), restoreKeys: spec.cache.restoreKeys.map(evaluate), paths: spec.cache.paths } };
  } catch (thrown) {
    return `cache key: ${coerceError(thrown).message}`;
  }
}

function failedBeforeSteps(input: RunJobInput, error: string): JobOutcome {
  input.log('system', `✖ ${error}`);
  return { status: 'failed', attempts: 0, exitCode: null, error, outputs: {}, rollbackStatus: null };
}

async function runAttempts(input: RunJobInput, workspace: JobWorkspace): Promise<JobOutcome> {
  const maxAttempts = 1 + (input.retry?.max ?? 0);
  let attempt = 0;
  for (;;) {
    attempt++;
    input.onAttempt(attempt);
    if (attempt > 1) input.log('system', `attempt ${attempt} of ${maxAttempts}`);
    const result = await runAttempt(input, workspace, attempt);
    const outputs = evaluateOutputs(input, result.steps, attempt);
    if (result.status === 'success' || result.status === 'cancelled') {
      return { ...result, attempts: attempt, outputs, rollbackStatus: null };
    }
    if (attempt >= maxAttempts || result.unrecoverable || input.signal.aborted) {
      const rollbackStatus = await runRollback(input, workspace, attempt);
      return { ...result, status: 'failed', attempts: attempt, outputs, rollbackStatus };
    }
    const delay = retryDelay(input.retry as RetryPolicy, attempt + 1);
    input.log('system', `attempt ${attempt} failed; retrying in ${formatDuration(delay)}`);
    try {
      await input.clock.sleep(delay, input.signal);
    } catch {
      return { ...result, status: 'cancelled', attempts: attempt, outputs, rollbackStatus: null };
    }
  }
}

async function runAttempt(input: RunJobInput, workspace: JobWorkspace, attempt: number) {
  const timeout = input.timeoutMs !== undefined ? AbortSignal.timeout(input.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([input.signal, timeout]) : input.signal;
  return runStepSequence({
    steps: input.instance.spec.steps,
    executor: input.executor,
    workspace,
    contexts: withRun(input, attempt),
    env: { ...input.env, DEPLOYLITE_ATTEMPT: String(attempt) },
    hashFiles: input.hashFiles,
    signal,
    timedOut: () => timeout?.aborted === true && !input.signal.aborted,
    ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
    log: input.log,
    onStepStart: input.onStepStart,
    ...(input.masker ? { masker: input.masker } : {}),
  });
}

/** Rollback steps run once, after the last attempt, and are not bound by the job's timeout. */
async function runRollback(input: RunJobInput, workspace: JobWorkspace, attempt: number): Promise<JobStatus | null> {
  const steps = input.instance.spec.rollback;
  if (steps.length === 0 || input.signal.aborted) return null;
  input.log('system', 'job failed: running rollback steps');
  const result = await runStepSequence({
    steps,
    executor: input.executor,
    workspace,
    contexts: withRun(input, attempt),
    env: { ...input.env, DEPLOYLITE_ATTEMPT: String(attempt), DEPLOYLITE_ROLLBACK: 'true' },
    hashFiles: input.hashFiles,
    signal: input.signal,
    timedOut: () => false,
    log: input.log,
    onStepStart: input.onStepStart,
    ...(input.masker ? { masker: input.masker } : {}),
  });
  input.log('system', `rollback ${result.status === 'success' ? 'succeeded' : result.status}`);
  return result.status;
}

function withRun(input: RunJobInput, attempt: number): Contexts {
  return { ...input.contexts, run: { id: String(input.runId), attempt: String(attempt) } };
}

/** Job outputs are evaluated after the last attempt, also when it failed (as on GitHub). */
function evaluateOutputs(input: RunJobInput, steps: Readonly<Record<string, StepContext>>, attempt: number) {
  const outputs: Record<string, string> = {};
  const contexts = { ...withRun(input, attempt), env: input.env, steps };
  for (const [name, template] of Object.entries(input.instance.spec.outputs)) {
    try {
      outputs[name] = interpolate(template, contexts, { hashFiles: input.hashFiles });
    } catch (thrown) {
      input.log('system', `warning: output "${name}": ${coerceError(thrown).message}`);
    }
  }
  return outputs;
}
