/**
 * The contract between the engine and whatever runs a job's steps (local process, sandbox,
 * container, Kubernetes pod). Every executor follows the same lifecycle:
 *
 *   prepareJob ─▶ runStep (once per step, strictly one at a time per workspace) ─▶ cleanupJob
 *
 * `cleanupJob` is called exactly once for every successful `prepareJob`, also after a
 * failure, a timeout or a cancellation. Different jobs' workspaces are independent and may
 * be used concurrently. Executors never throw for a failing step: a non-zero exit, a timeout
 * or a cancellation is a `StepOutcome`; they throw only when the executor itself is broken
 * (for example the workspace cannot be created).
 */
export interface Executor {
  readonly name: string;
  /**
   * What the executor enforces beyond running steps. A job that needs more (an `image:`, `network: none`) is
   * refused before it starts, with an error naming the job (see `jobRequirementProblem`). Absent: nothing more.
   */
  readonly supports?: ExecutorSupport;
  prepareJob(job: JobRequest): Promise<JobWorkspace>;
  runStep(workspace: JobWorkspace, step: StepCommand, io: StepIO, signal: AbortSignal): Promise<StepOutcome>;
  cleanupJob(workspace: JobWorkspace): Promise<void>;
  /**
   * Called once before a stored run is resumed, when the process that ran it may have been
   * killed without cleaning up: stop what is still running of it (`leftovers` are the ids
   * `onStart` reported for steps still marked running) and remove its scratch files, so
   * that two copies of a job never race. Optional: executors with nothing to reclaim omit it.
   */
  reclaimRun?(runId: number, leftovers: readonly number[]): Promise<void>;
  /**
   * For executors whose steps do not see `workspace.dir` itself but a copy made by `prepareJob` (kubernetes): the
   * runner's copy changed since — the engine restored the artifacts of the jobs this one needs, or its cache, into
   * it — so bring it to where the steps run. Called at most once, after `prepareJob` and before the first `runStep`;
   * throwing fails the job before its steps. Executors whose steps see `workspace.dir` (local, sandbox, docker) omit it.
   */
  pushWorkspace?(workspace: JobWorkspace, signal: AbortSignal): Promise<void>;
  /**
   * The counterpart of `pushWorkspace`: before the job's files (artifacts, cache) are saved from `workspace.dir`,
   * bring what the steps wrote back into it. Called at most once, after the last step and the rollback, before
   * `cleanupJob`. What the steps made is untrusted: nothing may be written outside `workspace.dir`. Throwing is
   * reported like a failed save; the warnings it returns (entries left out) are printed in the job's log.
   */
  pullWorkspace?(workspace: JobWorkspace, signal: AbortSignal): Promise<{ readonly warnings?: readonly string[] } | void>;
}

export interface ExecutorSupport {
  /** Runs each job in the container image its `image:` names (docker, kubernetes). */
  readonly images?: boolean;
  /** Can cut a job off from every network (`network: none`). */
  readonly networkIsolation?: boolean;
}

export interface JobRequest {
  readonly runId: number;
  /** Unique within the run: the job id, plus the matrix index for matrix instances. */
  readonly jobKey: string;
  readonly jobId: string;
  /** The directory the run works in (the checkout); steps run here unless told otherwise. */
  readonly workspaceDir: string;
  readonly image?: string;
  readonly runsOn?: readonly string[];
  /** `none`: the job's steps must reach no network (only executors that support `networkIsolation` get such jobs). */
  readonly network?: 'none';
  /** Side containers to start on the run's network before the first step (container executors). */
  readonly services?: readonly ServiceRequest[];
  /** The pipeline lets the executor keep this job's container warm for a later job of the same image and workspace. */
  readonly reuseContainer?: boolean;
  /**
   * Absolute host directories the steps must see at the same path, read-write: only ones the runner itself made for
   * this job (a GitHub workflow's RUNNER_TEMP, holding GITHUB_EVENT_PATH and GITHUB_STEP_SUMMARY), never a path from
   * the pipeline. Executors that isolate the file system mount them; the local executor sees them anyway.
   */
  readonly hostDirs?: readonly string[];
}

/** A `services:` entry of the job (see src/pipeline/read-services.ts). */
export interface ServiceRequest {
  /** Its host name on the run's network. */
  readonly name: string;
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
  readonly aliases: readonly string[];
  readonly healthCheck?: { readonly command: string; readonly intervalMs?: number; readonly timeoutMs?: number; readonly retries?: number };
}

export interface JobWorkspace {
  readonly job: JobRequest;
  /** Where steps run by default. */
  readonly dir: string;
}

export interface StepCommand {
  /** The script after `${{ }}` interpolation. */
  readonly script: string;
  /**
   * As written in the pipeline: `bash`, `sh`, `python`, … or a command template holding
   * `{0}` for the script file. Undefined selects `bash -eo pipefail` when bash exists,
   * else `sh -e` (GitHub Actions' defaults).
   */
  readonly shell?: string;
  /** Variables the step sees on top of the executor's base environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Relative to the workspace directory, or absolute. */
  readonly workingDirectory?: string;
  /** Kill the step's whole process tree after this long. */
  readonly timeoutMs?: number;
  /** Directories earlier steps added with `$DEPLOYLITE_PATH`, first wins; put before the base PATH. */
  readonly pathPrepend?: readonly string[];
}

export interface StepIO {
  /** Called once per complete output line, without its line terminator, in order per stream. */
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  /** The step's process started (the local executor reports its process group id). */
  onStart?(pid: number): void;
}

export interface StepOutcome {
  /** Exit code of the step, or null when it was killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** The abort signal fired and the step was stopped. */
  readonly cancelled: boolean;
  /** Why the step could not start (shell missing, bad working directory), shown to the user. */
  readonly error?: string;
  /** `name=value` lines the step wrote to `$DEPLOYLITE_OUTPUT` (also `$GITHUB_OUTPUT`). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Lines written to `$DEPLOYLITE_ENV` (also `$GITHUB_ENV`): env for the following steps. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Lines written to `$DEPLOYLITE_PATH` (also `$GITHUB_PATH`): prepended to PATH for the following steps. In PATH
   * order: as on GitHub, the line written last comes first.
   */
  readonly path: readonly string[];
  /** Problems that did not fail the step (e.g. a malformed `$DEPLOYLITE_OUTPUT` line); the engine prints them. */
  readonly warnings?: readonly string[];
}
