import { coerceError, DeployliteError, formatDuration } from '../core/index.js';
import type { Contexts, ExpressionHost, StepSpec } from '../pipeline/index.js';
import { evaluateCondition, interpolate } from '../pipeline/index.js';
import type { Executor, JobWorkspace, StepOutcome } from './executor.js';
import type { LogStream } from './run-store.js';

/** `steps.<id>` as GitHub exposes it: outcome before continue-on-error, conclusion after. */
export interface StepContext {
  readonly outputs: Readonly<Record<string, string>>;
  readonly outcome: StepResult;
  readonly conclusion: StepResult;
}

export type StepResult = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface StepSequenceInput {
  readonly steps: readonly StepSpec[];
  readonly executor: Executor;
  readonly workspace: JobWorkspace;
  /** Contexts other than `env`, `steps` and `job` (matrix, needs, secrets, vars, run). */
  readonly contexts: Contexts;
  /** Pipeline and job env (already interpolated); steps add their own on top. */
  readonly env: Readonly<Record<string, string>>;
  readonly hashFiles: (patterns: string[]) => string;
  /** Aborts on cancellation and on the job's timeout. */
  readonly signal: AbortSignal;
  /** True when the abort was the job's timeout rather than a cancellation. */
  readonly timedOut: () => boolean;
  readonly timeoutMs?: number;
  readonly log: (stream: LogStream, text: string) => void;
  readonly onStepStart: (pid: number) => void;
}

export interface StepSequenceResult {
  readonly status: 'success' | 'failed' | 'cancelled';
  readonly exitCode: number | null;
  readonly error: string | null;
  readonly steps: Readonly<Record<string, StepContext>>;
  /** True when an expression error failed the sequence: retrying cannot help. */
  readonly unrecoverable: boolean;
}

/** Built-in step types the engine runs itself. */
const CHECKOUT = 'deploylite/checkout';

/**
 * Runs a list of steps in order with GitHub Actions' semantics: a step runs when its `if:`
 * holds (default `success()`: no earlier step failed); a failed step fails the sequence
 * unless it has `continue-on-error`; `steps.<id>` exposes outputs, outcome and conclusion;
 * `$DEPLOYLITE_ENV` and `$DEPLOYLITE_PATH` written by a step apply to the following ones.
 */
export async function runStepSequence(input: StepSequenceInput): Promise<StepSequenceResult> {
  const steps: Record<string, StepContext> = {};
  let failed = false;
  let exitCode: number | null = 0;
  let error: string | null = null;
  let unrecoverable = false;
  const fileEnv: Record<string, string> = {};
  const pathPrepend: string[] = [];

  for (const step of input.steps) {
    const label = step.name ?? step.id ?? (step.run ? firstLine(step.run) : (step.uses ?? `step ${step.index + 1}`));
    if (input.signal.aborted) break;
    const env = { ...input.env, ...fileEnv };
    const contexts: Contexts = {
      ...input.contexts,
      env,
      steps,
      job: { status: failed ? 'failure' : 'success' },
    };
    const host: ExpressionHost = {
      status: { success: () => !failed, failure: () => failed, cancelled: () => input.signal.aborted },
      hashFiles: input.hashFiles,
    };
    let result: StepRunResult;
    try {
      if (!evaluateCondition(step.if, contexts, host)) {
        input.log('system', `○ ${label} (skipped)`);
        if (step.id) steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
        continue;
      }
      input.log('system', `▶ ${label}`);
      result = await runOneStep(step, input, contexts, host, env, pathPrepend);
    } catch (thrown) {
      // Expressions fail the same way on every attempt, so retrying would only repeat it.
      const cause = coerceError(thrown);
      unrecoverable = cause instanceof DeployliteError && cause.code.startsWith('expression.');
      result = { outcome: 'failure', exitCode: null, error: `${label}: ${cause.message}`, outputs: {} };
    }

    if (result.outcome !== 'success' && result.error) input.log('system', `✖ ${result.error}`);
    const tolerated = result.outcome === 'failure' && step.continueOnError;
    if (tolerated) input.log('system', `${label}: failure ignored (continue-on-error)`);
    if (step.id) {
      steps[step.id] = { outputs: result.outputs, outcome: result.outcome, conclusion: tolerated ? 'success' : result.outcome };
    }
    Object.assign(fileEnv, result.env ?? {});
    if (result.path) pathPrepend.unshift(...result.path);
    if (result.outcome === 'cancelled') break;
    if (result.outcome === 'failure' && !tolerated && !failed) {
      failed = true;
      exitCode = result.exitCode;
      error = result.error;
    }
  }
  if (input.signal.aborted) {
    const timedOut = input.timedOut();
    const reason = timedOut ? `job timed out after ${formatDuration(input.timeoutMs ?? 0)}` : 'cancelled';
    return { status: timedOut ? 'failed' : 'cancelled', exitCode: null, error: error ?? reason, steps, unrecoverable };
  }
  return { status: failed ? 'failed' : 'success', exitCode: failed ? exitCode : 0, error, steps, unrecoverable };
}

interface StepRunResult {
  readonly outcome: StepResult;
  readonly exitCode: number | null;
  readonly error: string | null;
  readonly outputs: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly path?: readonly string[];
}

async function runOneStep(
  step: StepSpec,
  input: StepSequenceInput,
  contexts: Contexts,
  host: ExpressionHost,
  env: Record<string, string>,
  pathPrepend: readonly string[],
): Promise<StepRunResult> {
  if (step.uses === CHECKOUT) {
    input.log('system', 'deploylite/checkout: the local run works in the current directory; nothing to check out');
    return { outcome: 'success', exitCode: 0, error: null, outputs: {} };
  }
  const stepEnv: Record<string, string> = { ...env };
  for (const [name, value] of Object.entries(step.env)) stepEnv[name] = interpolate(value, { ...contexts, env: stepEnv }, host);
  const script = interpolate(step.run ?? '', { ...contexts, env: stepEnv }, host);
  const workingDirectory = step.workingDirectory ? interpolate(step.workingDirectory, contexts, host) : undefined;
  const outcome: StepOutcome = await input.executor.runStep(
    input.workspace,
    {
      script,
      env: stepEnv,
      ...(step.shell ? { shell: step.shell } : {}),
      ...(workingDirectory ? { workingDirectory } : {}),
      ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
      ...(pathPrepend.length > 0 ? { pathPrepend } : {}),
    },
    { onLine: (stream, line) => input.log(stream, line), onStart: input.onStepStart },
    input.signal,
  );
  for (const warning of outcome.warnings ?? []) input.log('system', `warning: ${warning}`);
  const base = { exitCode: outcome.exitCode, outputs: outcome.outputs, env: outcome.env, path: outcome.path };
  const name = step.name ?? step.id ?? `step ${step.index + 1}`;
  if (outcome.error) return { ...base, outcome: 'failure', error: `${name}: ${outcome.error}` };
  if (outcome.timedOut) {
    return { ...base, outcome: 'failure', error: `${name}: timed out after ${formatDuration(step.timeoutMs ?? 0)}` };
  }
  if (outcome.cancelled) return { ...base, outcome: 'cancelled', error: null };
  if (outcome.exitCode !== 0) {
    return { ...base, outcome: 'failure', error: `${name}: exited with code ${outcome.exitCode ?? 'unknown'}` };
  }
  return { ...base, outcome: 'success', error: null };
}

function firstLine(script: string): string {
  const line = script.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
