import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import type { Executor, JobRequest, JobWorkspace, StepCommand, StepIO, StepOutcome } from '../../engine/index.js';
import { findProgram } from './find-program.js';
import type { ShellCommand, ShellPrograms } from './resolve-shell.js';
import { resolveShell, shellArgv } from './resolve-shell.js';
import type { ProcessGroupResult } from './run-process-group.js';
import { runProcessGroup, sendToGroup } from './run-process-group.js';
import type { StepFiles } from './step-files.js';
import { commandFileVariables, readCommandFiles, writeStepFiles } from './step-files.js';
import { checkDirectory } from './check-directory.js';

export interface LocalExecutorOptions {
  /** Grace between SIGTERM and SIGKILL when a step is cancelled or times out. Default 5000 ms. */
  readonly killGraceMs?: number;
  /** Base environment under each step's env, copied when the executor is created. Default: process.env (the host's). */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Where per-job scratch directories go. Default os.tmpdir(). */
  readonly tempRoot?: string;
}

/** A prepared job as the executor tracks it; subclasses (the sandbox) see it in their hooks. */
export interface LocalJobState {
  readonly request: JobRequest;
  /** Holds the steps' scripts and command files; removed by cleanupJob. */
  readonly scratchDir: string;
  stepCount: number;
  /** Process groups whose background processes outlived their step; killed when the job ends. */
  readonly survivingGroups: Set<number>;
}

/** A step's process as the local executor would start it, before a subclass wraps it. */
export interface StepLaunch {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The gentle first stop signal; default SIGTERM to the step's process group. */
  readonly terminate?: (groupId: number) => void;
}

/**
 * Runs steps as plain processes on the host, with the host's programs and environment — what `deploylite run` uses.
 *
 * Each step leads its own process group: a timeout or a cancellation signals the whole group (SIGTERM, then SIGKILL
 * after `killGraceMs`), so processes the step started in the background are stopped with it. Background processes
 * of a step that ended on its own keep running, as on GitHub, until the job ends: `cleanupJob` kills them, like the
 * GitHub runner's "Cleaning up orphan processes". Processes that start their own session (`setsid`, daemons) escape.
 */
export class LocalExecutor implements Executor {
  readonly name: string = 'local';
  private readonly killGraceMs: number;
  /** Copied once: reading process.env goes through getenv for every variable. */
  private readonly baseEnv: Readonly<Record<string, string>>;
  private readonly tempRoot: string;
  private readonly jobs = new WeakMap<JobWorkspace, LocalJobState>();
  private readonly activeJobs = new Set<LocalJobState>();
  /** Process groups of the steps running now. */
  private readonly liveGroups = new Set<number>();
  private bashLookup: Promise<string | undefined> | undefined;
  private pythonLookup: Promise<string | undefined> | undefined;
  // Looked up once per executor, on first use: a PATH search per step would cost every step a few syscalls.
  private readonly programs: ShellPrograms = {
    bash: () => (this.bashLookup ??= findProgram('bash', this.baseEnv.PATH)),
    python: () => (this.pythonLookup ??= findPython(this.baseEnv.PATH)),
  };

  constructor(options: LocalExecutorOptions = {}) {
    this.killGraceMs = options.killGraceMs ?? 5000;
    this.baseEnv = definedValues(options.baseEnv ?? process.env);
    this.tempRoot = options.tempRoot ?? tmpdir();
  }

  async prepareJob(job: JobRequest): Promise<JobWorkspace> {
    // Synchronous on purpose, here and for the step's small files: each is a few tens of
    // microseconds on a local disk, while a thread-pool round trip per file costs more than
    // that in latency, once per job and step (the DAG profile in docs/benchmarks.md).
    const scratchDir = mkdtempSync(join(this.tempRoot, `${scratchPrefix(job.runId)}${fileNameSafe(job.jobKey)}-`));
    const workspace: JobWorkspace = { job, dir: job.workspaceDir };
    const state: LocalJobState = { request: job, scratchDir, stepCount: 0, survivingGroups: new Set() };
    try {
      await this.setUpJob(state);
    } catch (thrown) {
      rmSync(scratchDir, { recursive: true, force: true });
      throw thrown;
    }
    this.jobs.set(workspace, state);
    this.activeJobs.add(state);
    return workspace;
  }

  async runStep(workspace: JobWorkspace, step: StepCommand, io: StepIO, signal: AbortSignal): Promise<StepOutcome> {
    const job = this.jobs.get(workspace);
    if (job === undefined) throw new Error(`${this.name} executor: job "${workspace.job.jobKey}" was not prepared by this executor`);
    if (signal.aborted) return notRun({ cancelled: true });

    const cwd = resolve(workspace.dir, step.workingDirectory ?? '.');
    if (step.workingDirectory !== undefined) {
      const problem = await checkDirectory(cwd, `working-directory "${step.workingDirectory}"`);
      if (problem !== undefined) return notRun({ error: problem });
    }
    const shell = await resolveShell(step.shell, this.programs);
    if (typeof shell === 'string') return notRun({ error: shell });

    job.stepCount++;
    const files = writeStepFiles(job.scratchDir, job.stepCount, shell.extension, step.script);
    const [program, args] = shellArgv(shell, files.script);
    const launch = await this.launchStep(job, { program, args, cwd, env: this.stepEnvironment(step, files) }, shell.shell);
    if (typeof launch === 'string') return notRun({ error: launch });
    let group: number | undefined;
    const result = await runProcessGroup({
      ...launch,
      ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
      killGraceMs: this.killGraceMs,
      signal,
      onLine: (stream, line) => io.onLine(stream, line),
      onStart: (pid) => {
        group = pid;
        this.liveGroups.add(pid);
        io.onStart?.(pid);
      },
    });
    if (group !== undefined) this.liveGroups.delete(group);
    if (result.survivingGroup !== undefined) job.survivingGroups.add(result.survivingGroup);
    if (result.spawnError) return notRun({ error: await describeSpawnError(result, shell, program, cwd, step) });

    const commands = readCommandFiles(files);
    return {
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      cancelled: result.cancelled,
      outputs: commands.outputs,
      env: commands.env,
      path: commands.path,
      ...(commands.warnings.length > 0 ? { warnings: commands.warnings } : {}),
    };
  }

  /**
   * SIGKILL to every process group of a running step and every background group still
   * waiting for its job's end, and removal of the jobs' scratch directories: what a second
   * Ctrl-C does before the CLI exits, since the groups are detached from the CLI's own and
   * would otherwise outlive it.
   */
  killAll(): void {
    for (const group of this.liveGroups) sendToGroup(group, 'SIGKILL');
    for (const job of this.activeJobs) {
      for (const group of job.survivingGroups) sendToGroup(group, 'SIGKILL');
      rmSync(job.scratchDir, { recursive: true, force: true });
    }
  }

  /** The process groups and scratch directories a killed CLI left of run `runId`. */
  async reclaimRun(runId: number, leftovers: readonly number[]): Promise<void> {
    for (const group of leftovers) sendToGroup(group, 'SIGKILL');
    const prefix = scratchPrefix(runId);
    let entries: string[] = [];
    try {
      entries = readdirSync(this.tempRoot);
    } catch {
      return; // no scratch root yet: nothing was left
    }
    for (const name of entries) if (name.startsWith(prefix)) rmSync(join(this.tempRoot, name), { recursive: true, force: true });
  }

  async cleanupJob(workspace: JobWorkspace): Promise<void> {
    const job = this.jobs.get(workspace);
    if (job === undefined) return;
    this.jobs.delete(workspace);
    this.activeJobs.delete(job);
    for (const group of job.survivingGroups) sendToGroup(group, 'SIGKILL');
    rmSync(job.scratchDir, { recursive: true, force: true });
    await this.tearDownJob(job);
  }

  /** Called by prepareJob once the scratch directory exists; a throw fails the preparation. */
  protected async setUpJob(_job: LocalJobState): Promise<void> {}

  /** Called by cleanupJob after the job's processes were killed and its scratch directory removed. */
  protected async tearDownJob(_job: LocalJobState): Promise<void> {}

  /**
   * How the step's process is started: as it is, here. `shell` is the step's shell as written, for messages; a
   * string result is why the step cannot start, for the user.
   */
  protected async launchStep(_job: LocalJobState, launch: StepLaunch, _shell: string): Promise<StepLaunch | string> {
    return launch;
  }

  /** From weakest to strongest: the base environment, the step's env, the command file variables. */
  private stepEnvironment(step: StepCommand, files: StepFiles): Record<string, string> {
    const env: Record<string, string> = { ...this.baseEnv, ...step.env, ...commandFileVariables(files) };
    if (step.pathPrepend !== undefined && step.pathPrepend.length > 0) {
      env.PATH = [...step.pathPrepend, ...(env.PATH ? [env.PATH] : [])].join(delimiter);
    }
    return env;
  }
}

export function createLocalExecutor(options?: LocalExecutorOptions): LocalExecutor {
  return new LocalExecutor(options);
}

function definedValues(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) defined[name] = value;
  return defined;
}

function notRun(extra: Partial<StepOutcome>): StepOutcome {
  return { exitCode: null, timedOut: false, cancelled: false, outputs: {}, env: {}, path: [], ...extra };
}

async function findPython(searchPath: string | undefined): Promise<string | undefined> {
  return (await findProgram('python3', searchPath)) ?? (await findProgram('python', searchPath));
}


/** Spawn reports a missing working directory and a missing program alike (ENOENT); tell the user which. */
async function describeSpawnError(
  result: ProcessGroupResult,
  shell: ShellCommand,
  program: string,
  cwd: string,
  step: StepCommand,
): Promise<string> {
  const code = result.spawnError?.code;
  const which = shell.shell === program ? `shell "${shell.shell}"` : `shell "${shell.shell}": program "${program}"`;
  if (code === 'ENOENT') {
    const label = step.workingDirectory !== undefined ? `working-directory "${step.workingDirectory}"` : `workspace "${cwd}"`;
    return (await checkDirectory(cwd, label)) ?? `${which} not found`;
  }
  if (code === 'EACCES') return `${which} is not executable`;
  return `${which} could not be started: ${result.spawnError?.message ?? 'unknown error'}`;
}

/** Scratch directories carry their run's id, so a resume can find what a killed CLI left. */
function scratchPrefix(runId: number): string {
  return `deploylite-r${runId}-`;
}

/** A job key such as `build (linux, 20)` as part of a directory name. */
function fileNameSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40);
}
