import type { SourcePosition } from '../core/index.js';

/**
 * The validated pipeline: what `compilePipeline` produces from YAML once it has no errors.
 * Strings that may hold `${{ }}` expressions are kept as written (templates); the engine
 * evaluates them when their contexts exist. `if:` conditions are stored without the
 * optional `${{ }}` wrapper, as GitHub Actions allows both forms.
 */
export interface Pipeline {
  readonly file: string;
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  readonly defaults: PipelineDefaults;
  /** In file order. */
  readonly jobs: readonly JobSpec[];
  /** `on:` — what starts the pipeline on a server; local runs ignore it. */
  readonly triggers: PipelineTriggers;
  /** `concurrency:` — runs of one group run one at a time on a server. */
  readonly concurrency?: ConcurrencySpec;
}

export const PULL_REQUEST_TYPES = ['opened', 'synchronize', 'reopened', 'closed'] as const;
export type PullRequestType = (typeof PULL_REQUEST_TYPES)[number];

export interface PipelineTriggers {
  /** on.schedule: cron expressions (5 fields, or 6 with seconds first), in UTC. */
  readonly schedule: readonly { readonly cron: string; readonly position: SourcePosition }[];
  /**
   * on.push; undefined when `on:` is given without `push` (pushes then start nothing).
   * Branches and tags are GitHub filter patterns as written, `!` included (filter-pattern.ts).
   * `paths` (GitHub workflows only; `paths-ignore: [x]` arrives as `['**', '!x']`): the push
   * or pull request must change at least one file the list selects.
   */
  readonly push?: { readonly branches?: readonly string[]; readonly tags?: readonly string[]; readonly paths?: readonly string[] };
  /** on.pull_request: filters on the target branch, the action type and (workflows) the changed files. */
  readonly pullRequest?: { readonly branches?: readonly string[]; readonly types: readonly PullRequestType[]; readonly paths?: readonly string[] };
  /** on.manual (default true): runs started from the API or deployctl. */
  readonly manual: boolean;
}

/** GitHub Actions' `concurrency`; `group` may hold `${{ }}` over `trigger`, `vars` and `env`. */
export interface ConcurrencySpec {
  readonly group: string;
  readonly cancelInProgress: boolean;
}

export interface PipelineDefaults {
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
}

export interface RetryPolicy {
  /** Retries after the first attempt: `max: 2` means up to 3 attempts. */
  readonly max: number;
  readonly backoff: 'exponential' | 'fixed';
  readonly delayMs: number;
  readonly maxDelayMs: number;
}

export interface JobSpec {
  readonly id: string;
  /** Display name template; defaults to the id. */
  readonly name: string;
  readonly needs: readonly string[];
  /** Condition expression (no `${{ }}` wrapper); undefined means `success()`. */
  readonly if?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly steps: readonly StepSpec[];
  readonly matrix?: MatrixSpec;
  /** Matrix only: a failed instance cancels its siblings. Default true, as on GitHub. */
  readonly failFast: boolean;
  readonly maxParallel?: number;
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** A failure of this job does not fail the run, and its dependents still run. */
  readonly continueOnError: boolean;
  /** Output name → template evaluated after the job's steps. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Steps run when the job finally fails (after its retries). */
  readonly rollback: readonly StepSpec[];
  readonly artifacts?: ArtifactsSpec;
  readonly cache?: { readonly key: string; readonly paths: readonly string[]; readonly restoreKeys: readonly string[] };
  /** Kept for the server's scheduler and container executors; the local executor ignores them. */
  readonly runsOn?: readonly string[];
  readonly image?: string;
  /** The deployment environment the job runs in: on a server, its secrets override the project's. */
  readonly environment?: string;
  /** `none`: no network at all; needs an executor that can enforce it (sandbox, containers). */
  readonly network?: 'none';
  /** Side containers on the run's network (container executors only), see read-services.ts. */
  readonly services?: readonly ServiceSpec[];
  /** `reuse-container: true`: the job's container may be kept warm for the next job of the same image and workspace. */
  readonly reuseContainer?: boolean;
  readonly position: SourcePosition;
}

/** `artifacts:` of a job: files kept after it, for the jobs that need it and for download. */
export interface ArtifactsSpec {
  /** Globs relative to the workspace. */
  readonly paths: readonly string[];
  /** The artifact's name; absent: the job's key. */
  readonly name?: string;
  /** When the files are kept: after a successful job (default), a failed one, or always (GitLab's `artifacts:when`). */
  readonly when: 'on_success' | 'on_failure' | 'always';
  /** `expire-in` in milliseconds, or 'never'; absent: the server's default (30 days). */
  readonly expireIn?: number | 'never';
}

/** A `services:` entry: a container the job's steps reach by `name` or an alias. */
export interface ServiceSpec {
  readonly name: string;
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
  readonly aliases: readonly string[];
  /** A shell command run in the service until it succeeds; the job starts after it does. */
  readonly healthCheck?: { readonly command: string; readonly intervalMs?: number; readonly timeoutMs?: number; readonly retries?: number };
}

/**
 * A matrix as written. Axis values are plain YAML values; when an axis (or the whole
 * matrix) is an expression string such as `${{ fromJSON(needs.plan.outputs.targets) }}`,
 * the engine evaluates it when the job becomes ready and then expands it.
 */
export interface MatrixSpec {
  readonly axes: Readonly<Record<string, unknown>> | string;
  readonly include: readonly Readonly<Record<string, unknown>>[];
  readonly exclude: readonly Readonly<Record<string, unknown>>[];
}

export interface StepSpec {
  /** 0-based position within its list (steps or rollback). */
  readonly index: number;
  readonly name?: string;
  readonly id?: string;
  readonly run?: string;
  readonly shell?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly if?: string;
  readonly workingDirectory?: string;
  readonly timeoutMs?: number;
  readonly continueOnError: boolean;
  readonly uses?: string;
  readonly with: Readonly<Record<string, string>>;
  /**
   * The step runs an action: its own list of steps, run as a nested sequence (see ActionSpec). `with` then holds
   * the action's inputs as templates over the caller's contexts.
   */
  readonly action?: ActionSpec;
  /**
   * GitHub's workflow commands in the step's output (`::set-output`, `::add-mask`, `::warning`…) are obeyed, as the
   * GitHub runner does. Set by the workflows front end; native pipeline steps print such lines as they are.
   */
  readonly workflowCommands?: boolean;
  readonly position: SourcePosition;
}

/**
 * An action a step runs (GitHub's composite and JavaScript actions, resolved when the workflow is compiled): a step
 * list with its own `inputs` and `steps` contexts, so `steps.<id>` inside it names its own steps. GITHUB_ENV and
 * GITHUB_PATH written inside reach the caller's later steps, as on GitHub.
 */
export interface ActionSpec {
  /** As `uses:` named it, for the log. */
  readonly name: string;
  /** Declared inputs by lower-case name: `with` wins, else the default template, else empty. */
  readonly inputs: Readonly<Record<string, { readonly default?: string }>>;
  /** Variables its steps get on top of the calling step's env (GITHUB_ACTION_PATH); templates over the caller's contexts. */
  readonly env: Readonly<Record<string, string>>;
  /** Fields added to context objects for its steps (`github.action_path`); templates over the caller's contexts. */
  readonly contexts: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly steps: readonly StepSpec[];
  /**
   * Steps run before the job's first step (JavaScript actions' `pre`), with the inputs as the job starts; their `if`
   * defaults to `always()`. Only actions the job's own steps name have them run.
   */
  readonly pre: readonly StepSpec[];
  /**
   * Steps run after the job's last step, in reverse order of the actions that ran (JavaScript actions' `post`), with
   * the inputs the action had; their `if` defaults to `always()`.
   */
  readonly post: readonly StepSpec[];
  /** Output name → template over the action's own `steps`, `inputs` and `env`. */
  readonly outputs: Readonly<Record<string, string>>;
  /** The id of one of its steps whose outputs, all of them, are the action's too (a JavaScript action's process). */
  readonly outputsOf?: string;
}

/** One expanded matrix combination (or `{}` for a job without a matrix). */
export type MatrixValues = Readonly<Record<string, unknown>>;
