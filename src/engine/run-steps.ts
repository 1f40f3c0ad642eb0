import { coerceError, DeployliteError, formatDuration, SecretMasker } from '../core/index.js';
import type { ActionSpec, Contexts, ExpressionHost, StepSpec } from '../pipeline/index.js';
import { evaluateCondition, interpolate } from '../pipeline/index.js';
import type { Executor, JobWorkspace, StepOutcome } from './executor.js';
import type { LogStream } from './run-store.js';
import { WorkflowCommandProcessor } from './workflow-commands.js';

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
  /** Values masked in every later log line (`::add-mask::`); shared with nested sequences. Absent: a new one. */
  readonly masker?: SecretMasker;
  /** PATH entries from before the sequence (an action's steps start with the caller's). */
  readonly pathPrepend?: readonly string[];
  /** Where an action's `post` steps go; absent: this sequence runs them after its last step. */
  readonly postSteps?: PostStep[];
  /** A step before the sequence failed (its caller's): `failure()` holds and `success()` does not from the start. */
  readonly failedBefore?: boolean;
  /** What an action step's `pre` steps saved with `::save-state`, for its main and post steps; shared with nested sequences. */
  readonly preState?: Map<StepSpec, Readonly<Record<string, string>>>;
}

/** An action's `post` steps, waiting for the end of the job with the contexts and env the action ran with. */
export interface PostStep {
  readonly action: ActionSpec;
  readonly label: string;
  readonly contexts: Contexts;
  readonly env: Readonly<Record<string, string>>;
}

export interface StepSequenceResult {
  readonly status: 'success' | 'failed' | 'cancelled';
  readonly exitCode: number | null;
  readonly error: string | null;
  readonly steps: Readonly<Record<string, StepContext>>;
  /** True when an expression error failed the sequence: retrying cannot help. */
  readonly unrecoverable: boolean;
  /** What its steps wrote to $DEPLOYLITE_ENV and $DEPLOYLITE_PATH (PATH order), for a caller to apply after it. */
  readonly env: Readonly<Record<string, string>>;
  readonly path: readonly string[];
  /** What its own steps saved with `::save-state` (not what actions inside it saved). */
  readonly state: Readonly<Record<string, string>>;
}

/** Built-in step types the engine runs itself. */
const CHECKOUT = 'deploylite/checkout';

/**
 * Runs a list of steps in order with GitHub Actions' semantics: a step runs when its `if:`
 * holds (default `success()`: no earlier step failed); a failed step fails the sequence
 * unless it has `continue-on-error`; `steps.<id>` exposes outputs, outcome and conclusion;
 * `$DEPLOYLITE_ENV` and `$DEPLOYLITE_PATH` written by a step apply to the following ones.
 */
export async function runStepSequence(sequence: StepSequenceInput): Promise<StepSequenceResult> {
  // Masking here covers every line the sequence logs, its own and its steps' (GitHub masks the job's log).
  const masker = sequence.masker ?? new SecretMasker();
  const postSteps = sequence.postSteps ?? [];
  const preState = sequence.preState ?? new Map<StepSpec, Readonly<Record<string, string>>>();
  const input: StepSequenceInput = { ...sequence, masker, postSteps, preState, log: (stream, text) => sequence.log(stream, masker.mask(text)) };
  const steps: Record<string, StepContext> = {};
  let failed = false;
  let exitCode: number | null = 0;
  let error: string | null = null;
  let unrecoverable = false;
  const fileEnv: Record<string, string> = {};
  const addedPath: string[] = [];
  const state: Record<string, string> = {};
  const pathPrepend = () => [...addedPath, ...(input.pathPrepend ?? [])];

  // The sequence that owns pre and post steps (the job's) runs the actions' `pre` steps before its first step.
  if (!sequence.postSteps) {
    for (const step of input.steps) {
      if (!step.action || step.action.pre.length === 0 || input.signal.aborted) continue;
      const result = await runPreSteps(step, step.action, input, pathPrepend());
      preState.set(step, result.state);
      Object.assign(fileEnv, result.env);
      addedPath.unshift(...result.path);
      if (result.status !== 'success' && !failed) {
        failed = true;
        exitCode = result.exitCode;
        error = result.error;
      }
    }
  }

  for (const step of input.steps) {
    const label = step.name ?? step.id ?? (step.run ? firstLine(step.run) : (step.uses ?? `step ${step.index + 1}`));
    if (input.signal.aborted) break;
    const env = { ...input.env, ...fileEnv };
    const anyFailed = () => failed || input.failedBefore === true;
    const contexts: Contexts = {
      ...input.contexts,
      env,
      steps,
      job: { status: anyFailed() ? 'failure' : 'success' },
    };
    const host: ExpressionHost = {
      status: { success: () => !anyFailed(), failure: anyFailed, cancelled: () => input.signal.aborted },
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
      result = await runOneStep(step, label, { ...input, failedBefore: anyFailed() }, contexts, host, env, pathPrepend());
    } catch (thrown) {
      // Expressions fail the same way on every attempt, so retrying would only repeat it.
      const cause = coerceError(thrown);
      unrecoverable = cause instanceof DeployliteError && cause.code.startsWith('expression.');
      result = { outcome: 'failure', exitCode: null, error: `${label}: ${cause.message}`, outputs: {} };
    }

    if (result.outcome !== 'success' && result.error && !result.logged) input.log('system', `✖ ${result.error}`);
    const tolerated = result.outcome === 'failure' && step.continueOnError;
    if (tolerated) input.log('system', `${label}: failure ignored (continue-on-error)`);
    if (step.id) {
      steps[step.id] = { outputs: result.outputs, outcome: result.outcome, conclusion: tolerated ? 'success' : result.outcome };
    }
    Object.assign(fileEnv, result.env ?? {});
    Object.assign(state, result.state ?? {});
    if (result.path) addedPath.unshift(...result.path);
    if (result.outcome === 'cancelled') break;
    if (result.outcome === 'failure' && !tolerated && !failed) {
      failed = true;
      exitCode = result.exitCode;
      error = result.error;
    }
  }
  // The sequence that owns the post steps (the job's) runs them last, latest action first, also after a failure.
  if (!sequence.postSteps && postSteps.length > 0 && !input.signal.aborted) {
    for (const post of postSteps.reverse()) {
      const result = await runPostSteps(post, input, failed || input.failedBefore === true, { ...fileEnv }, pathPrepend());
      Object.assign(fileEnv, result.env);
      addedPath.unshift(...result.path);
      if (result.status !== 'success' && !failed) {
        failed = true;
        exitCode = result.exitCode;
        error = result.error && `${post.label} (post): ${result.error}`;
      }
    }
  }
  const written = { env: fileEnv, path: addedPath, state };
  if (input.signal.aborted) {
    const timedOut = input.timedOut();
    const reason = timedOut ? `job timed out after ${formatDuration(input.timeoutMs ?? 0)}` : 'cancelled';
    return { status: timedOut ? 'failed' : 'cancelled', exitCode: null, error: error ?? reason, steps, unrecoverable, ...written };
  }
  return { status: failed ? 'failed' : 'success', exitCode: failed ? exitCode : 0, error, steps, unrecoverable, ...written };
}

interface StepRunResult {
  readonly outcome: StepResult;
  readonly exitCode: number | null;
  readonly error: string | null;
  readonly outputs: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly path?: readonly string[];
  /** The error was already logged where it happened (inside an action's steps). */
  readonly logged?: boolean;
  readonly state?: Readonly<Record<string, string>>;
}

async function runOneStep(
  step: StepSpec,
  label: string,
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
  if (step.action) return runAction(step, step.action, label, input, { ...contexts, env: stepEnv }, host, stepEnv, pathPrepend);
  const commands = step.workflowCommands
    ? new WorkflowCommandProcessor({
        masker: input.masker ?? new SecretMasker(),
        allowUnsecure: stepEnv.ACTIONS_ALLOW_UNSECURE_COMMANDS === 'true',
        debug: stepEnv.ACTIONS_STEP_DEBUG === 'true',
        allowUnsecureStopTokens: stepEnv.ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS === 'true',
      })
    : undefined;
  const onLine = commands
    ? (stream: 'stdout' | 'stderr', line: string) => {
        const shown = commands.process(stream, line);
        if (shown) input.log(shown.stream, shown.text);
      }
    : (stream: 'stdout' | 'stderr', line: string) => input.log(stream, line);
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
    { onLine, onStart: input.onStepStart },
    input.signal,
  );
  for (const warning of outcome.warnings ?? []) input.log('system', `warning: ${warning}`);
  // Files are read after the step ends, so what it wrote there wins over its commands, as on GitHub.
  const base = commands
    ? {
        exitCode: outcome.exitCode,
        outputs: { ...commands.outputs, ...outcome.outputs },
        env: { ...commands.env, ...outcome.env },
        path: [...outcome.path, ...commands.path],
        state: commands.state,
      }
    : { exitCode: outcome.exitCode, outputs: outcome.outputs, env: outcome.env, path: outcome.path };
  const name = step.name ?? step.id ?? `step ${step.index + 1}`;
  if (outcome.error) return { ...base, outcome: 'failure', error: `${name}: ${outcome.error}` };
  const refused = commands?.errors[0];
  if (refused !== undefined && !outcome.cancelled) return { ...base, outcome: 'failure', error: `${name}: ${refused}` };
  if (outcome.timedOut) {
    return { ...base, outcome: 'failure', error: `${name}: timed out after ${formatDuration(step.timeoutMs ?? 0)}` };
  }
  if (outcome.cancelled) return { ...base, outcome: 'cancelled', error: null };
  if (outcome.exitCode !== 0) {
    return { ...base, outcome: 'failure', error: `${name}: exited with code ${outcome.exitCode ?? 'unknown'}` };
  }
  return { ...base, outcome: 'success', error: null };
}

/**
 * A step that runs an action: its inputs are evaluated in the caller's contexts (the step's `env` included), then
 * its steps run as a nested sequence with their own `inputs` and `steps` contexts, and its outputs are evaluated
 * over those steps. What they write to $GITHUB_ENV/$GITHUB_PATH reaches the caller's later steps.
 */
async function runAction(
  step: StepSpec,
  action: ActionSpec,
  label: string,
  input: StepSequenceInput,
  callerContexts: Contexts,
  host: ExpressionHost,
  stepEnv: Readonly<Record<string, string>>,
  pathPrepend: readonly string[],
): Promise<StepRunResult> {
  const contexts = actionContexts(input.contexts, action, actionInputs(step, action, callerContexts, host), host);
  const saved = input.preState?.get(step) ?? {};
  const env = { ...stepEnv, ...actionEnv(action, input.contexts, host), ...stateEnv(saved) };
  // The calling step's timeout-minutes bounds all of the action's steps together.
  const timeout = step.timeoutMs !== undefined ? AbortSignal.timeout(step.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([input.signal, timeout]) : input.signal;
  const result = await runStepSequence({ ...input, signal, steps: action.steps, contexts, env, pathPrepend });
  const timedOut = timeout?.aborted === true && !input.signal.aborted;
  if (action.post.length > 0) input.postSteps?.push({ action, label, contexts, env: { ...env, ...stateEnv({ ...saved, ...result.state }) } });
  const outputs: Record<string, string> = { ...(action.outputsOf ? result.steps[action.outputsOf]?.outputs : {}) };
  const outputContexts = { ...contexts, env: { ...env, ...result.env }, steps: result.steps, job: { status: result.status === 'success' ? 'success' : 'failure' } };
  for (const [name, template] of Object.entries(action.outputs)) {
    try {
      outputs[name] = interpolate(template, outputContexts, host);
    } catch (thrown) {
      input.log('system', `warning: output "${name}" of ${action.name}: ${coerceError(thrown).message}`);
    }
  }
  const base = { exitCode: result.exitCode, outputs, env: result.env, path: result.path };
  if (timedOut) return { ...base, outcome: 'failure', error: `${label}: timed out after ${formatDuration(step.timeoutMs ?? 0)}` };
  if (result.status === 'cancelled') return { ...base, outcome: 'cancelled', error: null };
  // The failing inner step already logged its error; the job's error names the action too.
  if (result.status === 'failed') return { ...base, outcome: 'failure', error: result.error ? `${label} › ${result.error}` : `${label}: failed`, logged: result.error !== null };
  return { ...base, outcome: 'success', error: null };
}

/** `::save-state` values as the runner hands them to an action's later steps. */
function stateEnv(state: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]));
}

/** Each declared input: `with` (names without case), else its default, else empty; evaluated in the caller's contexts. */
function actionInputs(step: StepSpec, action: ActionSpec, callerContexts: Contexts, host: ExpressionHost): Record<string, string> {
  const inputs: Record<string, string> = {};
  const given = Object.fromEntries(Object.entries(step.with).map(([name, value]) => [name.toLowerCase(), value]));
  for (const [name, { default: fallback }] of Object.entries(action.inputs)) {
    const template = given[name] ?? fallback;
    inputs[name] = template === undefined ? '' : interpolate(template, callerContexts, host);
  }
  return inputs;
}

/** An action's `pre` steps before the job's first step: inputs and the step's env as they are when the job starts. */
async function runPreSteps(step: StepSpec, action: ActionSpec, input: StepSequenceInput, pathPrepend: readonly string[]): Promise<StepSequenceResult> {
  const host: ExpressionHost = { status: { success: () => true, failure: () => false, cancelled: () => input.signal.aborted }, hashFiles: input.hashFiles };
  const label = step.name ?? step.uses ?? action.name;
  try {
    const env: Record<string, string> = { ...input.env };
    const callerContexts = { ...input.contexts, steps: {}, job: { status: 'success' } };
    for (const [name, value] of Object.entries(step.env)) env[name] = interpolate(value, { ...callerContexts, env }, host);
    const contexts = actionContexts(input.contexts, action, actionInputs(step, action, { ...callerContexts, env }, host), host);
    input.log('system', `▶ ${label} (pre)`);
    const result = await runStepSequence({ ...input, postSteps: [], steps: action.pre, contexts, env: { ...env, ...actionEnv(action, input.contexts, host) }, pathPrepend });
    return result.error ? { ...result, error: `${label} (pre): ${result.error}` } : result;
  } catch (thrown) {
    const error = `${label} (pre): ${coerceError(thrown).message}`;
    input.log('system', `✖ ${error}`);
    return { status: 'failed', exitCode: null, error, steps: {}, unrecoverable: true, env: {}, path: [], state: {} };
  }
}

/**
 * The caller's contexts with the action's `inputs`, and its additions (`github.action_path`) merged into theirs. The
 * additions are templates over the caller's contexts: a server names the action's directory by `github.workspace`,
 * which only the runner knows.
 */
function actionContexts(caller: Contexts, action: ActionSpec, inputs: Readonly<Record<string, string>>, host: ExpressionHost): Contexts {
  const contexts: Record<string, unknown> = { ...caller, inputs };
  for (const [name, fields] of Object.entries(action.contexts)) {
    const current = contexts[name];
    const values = Object.fromEntries(Object.entries(fields).map(([field, template]) => [field, interpolate(template, caller, host)]));
    contexts[name] = { ...(typeof current === 'object' && current !== null ? current : {}), ...values };
  }
  return contexts as Contexts;
}

/** The action's variables (GITHUB_ACTION_PATH), templates over the caller's contexts as its context additions are. */
function actionEnv(action: ActionSpec, caller: Contexts, host: ExpressionHost): Record<string, string> {
  return Object.fromEntries(Object.entries(action.env).map(([name, template]) => [name, interpolate(template, caller, host)]));
}

/** An action's `post` steps at the end of the job; `job.status` and `failure()` there see the job's steps. */
async function runPostSteps(post: PostStep, input: StepSequenceInput, jobFailed: boolean, fileEnv: Readonly<Record<string, string>>, pathPrepend: readonly string[]) {
  const contexts = { ...post.contexts, job: { status: jobFailed ? 'failure' : 'success' } };
  return runStepSequence({
    ...input,
    postSteps: [],
    steps: post.action.post,
    contexts,
    env: { ...post.env, ...fileEnv },
    pathPrepend,
    failedBefore: jobFailed,
  });
}

function firstLine(script: string): string {
  const line = script.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
