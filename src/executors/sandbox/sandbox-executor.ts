import { execFile } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DeployliteError } from '../../core/index.js';
import type { ExecutorSupport } from '../../engine/index.js';
import { findProgram } from '../local/find-program.js';
import type { LocalExecutorOptions, LocalJobState, StepLaunch } from '../local/local-executor.js';
import { LocalExecutor } from '../local/local-executor.js';
import type { SandboxLayout } from './bwrap-arguments.js';
import { bwrapArguments } from './bwrap-arguments.js';
import type { JobCgroup } from './job-cgroup.js';
import { createJobCgroup, removeStaleJobCgroups } from './job-cgroup.js';
import { countProcessesOf, terminateSandboxedGroup } from './sandbox-processes.js';

export interface SandboxLimits {
  /** CPU seconds each process may use (RLIMIT_CPU): SIGXCPU, then SIGKILL. Default 3600. */
  readonly cpuSeconds: number;
  /**
   * Memory of the whole job when the runner can create cgroups; otherwise the address space of each process
   * (RLIMIT_AS). Default 4 GiB.
   */
  readonly memoryBytes: number;
  /** Processes and threads of the job at once: a fork bomb stops here. Default 512. */
  readonly pids: number;
  /** Size of the job's private /tmp, which lives in memory. Default 512 MiB. */
  readonly tmpBytes: number;
}

export interface SandboxExecutorOptions extends Omit<LocalExecutorOptions, 'baseEnv'> {
  /** Absolute path of bwrap. */
  readonly bwrap: string;
  /**
   * Paths of the runner to hide from jobs: its work root (other jobs' workspaces, its state and token file),
   * the server's data directory, $HOME. Missing ones are skipped.
   */
  readonly hiddenPaths?: readonly string[];
  /** Hidden on top of `hiddenPaths`. Default SYSTEM_HIDDEN_PATHS; a test may narrow it. */
  readonly systemHiddenPaths?: readonly string[];
  /** `none` cuts every job off from the network; `host` (default) leaves it to the job's `network:` key. */
  readonly network?: 'host' | 'none';
  readonly limits?: Partial<SandboxLimits>;
  /** Put each job in a cgroup of its own when the runner may create one. Default true; false leaves only rlimits. */
  readonly cgroups?: boolean;
  /** The whole environment under each step's env. Default: a standard PATH, HOME=/tmp and LANG=C.UTF-8. */
  readonly baseEnv?: Readonly<Record<string, string>>;
}

/** Job cgroups are named `deploylite-<runner pid>-<n>`, so a later runner can tell whose they were. */
const CGROUP_PREFIX = 'deploylite-';

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  cpuSeconds: 3600,
  memoryBytes: 4 * 1024 ** 3,
  pids: 512,
  tmpBytes: 512 * 1024 ** 2,
};

/**
 * Hidden from every job whatever the runner says: read-only mounts do not stop connect() on a unix socket, and
 * /run holds the sockets that would hand a job the host (the Docker or podman engine, D-Bus, systemd).
 */
export const SYSTEM_HIDDEN_PATHS: readonly string[] = ['/run', '/var/run'];

/** The environment a sandboxed step starts from: nothing of the runner's own. */
export const SANDBOX_BASE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/tmp',
  LANG: 'C.UTF-8',
};

interface SandboxJob {
  readonly layout: SandboxLayout;
  readonly cgroup: JobCgroup | undefined;
  /** RLIMIT_NPROC for the job when no pids cgroup holds it (non-root runners only). */
  readonly nproc: number | undefined;
}

/**
 * Runs each step in a bubblewrap sandbox: the host's files read-only, the job's workspace writable, a private /tmp,
 * /proc and /dev, new PID, IPC and UTS namespaces (and a network namespace for `network: none`), no capabilities,
 * none of the runner's environment or files (docs/executors.md lists what it does and does not isolate).
 *
 * Everything else — shells, command files, output lines, timeouts — is the local executor's: each step is started
 * through `launchStep`, which wraps the local command in a small /bin/sh that joins the job's cgroup and sets the
 * rlimits, then execs bwrap. The sandbox lives as long as its step: background processes of a step end with it.
 */
export class SandboxExecutor extends LocalExecutor {
  override readonly name: string = 'sandbox';
  readonly supports: ExecutorSupport = { networkIsolation: true };
  private readonly bwrap: string;
  private readonly hiddenPaths: readonly string[];
  private readonly network: 'host' | 'none';
  private readonly limits: SandboxLimits;
  private readonly cgroups: boolean;
  private readonly sandboxes = new WeakMap<LocalJobState, SandboxJob>();
  private readonly programPaths = new Map<string, Promise<string | undefined>>();
  private prlimit: Promise<string | undefined> | undefined;
  private cgroupCount = 0;
  private readonly baseEnvPath: string | undefined;

  constructor(options: SandboxExecutorOptions) {
    super({ ...options, baseEnv: options.baseEnv ?? SANDBOX_BASE_ENV });
    this.bwrap = options.bwrap;
    this.baseEnvPath = (options.baseEnv ?? SANDBOX_BASE_ENV).PATH;
    this.hiddenPaths = [...(options.systemHiddenPaths ?? SYSTEM_HIDDEN_PATHS), ...(options.hiddenPaths ?? [])];
    this.network = options.network ?? 'host';
    this.limits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
    this.cgroups = options.cgroups ?? true;
  }

  protected override async setUpJob(job: LocalJobState): Promise<void> {
    const hidden: SandboxLayout['hidden'][number][] = [];
    for (const given of this.hiddenPaths) {
      // bwrap takes absolute mount points only, and mounts over a symlink's target (/var/run → /run): hide that once.
      const path = realPathOf(resolve(given));
      const kind = path === undefined ? undefined : pathKind(path);
      if (path !== undefined && kind !== undefined && !hidden.some((entry) => entry.path === path)) hidden.push({ path, kind });
    }
    // DNS keeps working where /etc/resolv.conf points into a hidden directory (systemd-resolved's /run/systemd/resolve).
    const resolver = realPathOf('/etc/resolv.conf');
    const shown = resolver !== undefined && hidden.some((entry) => resolver.startsWith(`${entry.path}/`)) ? [resolver] : [];
    const cgroup = !this.cgroups ? undefined : createJobCgroup(`${CGROUP_PREFIX}${process.pid}-${++this.cgroupCount}`, this.limits);
    const uid = process.getuid?.() ?? 0;
    // RLIMIT_NPROC counts every process of the uid, the runner's included, and does not bind root at all.
    const nproc = cgroup?.controllers.includes('pids') !== true && uid !== 0 ? countProcessesOf(uid) + this.limits.pids : undefined;
    this.sandboxes.set(job, {
      layout: {
        workspaceDir: job.request.workspaceDir,
        scratchDir: job.scratchDir,
        // Under the private /tmp or a hidden directory they would be invisible: bound after those, being deeper.
        ...(job.request.hostDirs?.length ? { hostDirs: job.request.hostDirs.map((dir) => resolve(dir)) } : {}),
        hidden,
        shown,
        network: this.network === 'none' || job.request.network === 'none' ? 'none' : 'host',
        tmpBytes: this.limits.tmpBytes,
      },
      cgroup,
      nproc,
    });
  }

  protected override async tearDownJob(job: LocalJobState): Promise<void> {
    await this.sandboxes.get(job)?.cgroup?.remove();
    this.sandboxes.delete(job);
  }

  protected override async launchStep(job: LocalJobState, launch: StepLaunch, shell: string): Promise<StepLaunch | string> {
    const sandbox = this.sandboxes.get(job);
    if (sandbox === undefined) throw new Error(`sandbox executor: job "${job.request.jobKey}" was not prepared by this executor`);
    // bwrap would only say "execvp: No such file"; look the program up first to name it, as the local executor does.
    const program = await this.findInSandbox(launch.program, launch.env.PATH);
    if (program === undefined) {
      return launch.program === shell ? `shell "${shell}" not found` : `shell "${shell}": program "${launch.program}" not found`;
    }
    const prlimit = sandbox.nproc !== undefined ? await (this.prlimit ??= findProgram('prlimit', SANDBOX_BASE_ENV.PATH)) : undefined;
    const env = Object.entries(launch.env).flatMap(([name, value]) => ['--setenv', name, value]);
    return {
      program: '/bin/sh',
      args: [
        '-c',
        limitScript(sandbox, this.limits),
        'deploylite-sandbox',
        ...(prlimit !== undefined ? [prlimit, `--nproc=${sandbox.nproc}`, '--'] : []),
        this.bwrap,
        '--clearenv',
        ...env,
        ...bwrapArguments(sandbox.layout, launch.cwd),
        program,
        ...launch.args,
      ],
      cwd: launch.cwd,
      // The wrapper and bwrap see no variable of the step's: BASH_ENV or the like must not run anything outside.
      env: { PATH: SANDBOX_BASE_ENV.PATH as string },
      terminate: terminateSandboxedGroup,
    };
  }

  /** Cached for the base PATH only: directories a step prepends may be the job's own, and change between steps. */
  private findInSandbox(program: string, path: string | undefined): Promise<string | undefined> {
    if (isAbsolute(program)) return findProgram(program, undefined);
    if (path !== this.baseEnvPath) return findProgram(program, path);
    let found = this.programPaths.get(program);
    if (found === undefined) {
      found = findProgram(program, path);
      this.programPaths.set(program, found);
    }
    return found;
  }
}

/**
 * The wrapper's script: join the job's cgroup (before bwrap starts, so nothing of the job escapes it), set the
 * rlimits (inherited by bwrap and everything in the sandbox, and not to be raised again without capabilities),
 * then exec the rest of the arguments.
 */
function limitScript(sandbox: SandboxJob, limits: SandboxLimits): string {
  const lines = (sandbox.cgroup?.procsFiles ?? []).map((file) => `echo $$ > ${shellQuote(file)} || exit 125`);
  lines.push(`ulimit -t ${limits.cpuSeconds} || exit 125`);
  // With a memory cgroup the job's total is held; an address-space limit would only break programs that reserve
  // more than they use (Go, V8).
  if (sandbox.cgroup?.controllers.includes('memory') !== true) lines.push(`ulimit -v ${Math.ceil(limits.memoryBytes / 1024)} || exit 125`);
  lines.push('exec "$@"');
  return lines.join('\n');
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function realPathOf(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function pathKind(path: string): 'dir' | 'file' | undefined {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/**
 * A sandbox executor once bwrap was found and shown to work here: a runner that cannot sandbox says so at start,
 * not at its first job.
 */
export async function createSandboxExecutor(options: Omit<SandboxExecutorOptions, 'bwrap'> & { readonly bwrap?: string }): Promise<SandboxExecutor> {
  const bwrap = options.bwrap ?? (await findProgram('bwrap', process.env.PATH ?? SANDBOX_BASE_ENV.PATH));
  if (bwrap === undefined) {
    throw new DeployliteError('executor.unavailable', 'the sandbox executor needs bubblewrap: bwrap is not on PATH (install the bubblewrap package)');
  }
  const problem = await probeBwrap(bwrap);
  if (problem !== undefined) throw new DeployliteError('executor.unavailable', `the sandbox executor cannot start bubblewrap (${bwrap}): ${problem}`);
  // Empty cgroups of runners that were killed before cleaning up.
  removeStaleJobCgroups(CGROUP_PREFIX);
  return new SandboxExecutor({ ...options, bwrap });
}

/** Runs `true` in a minimal sandbox with the namespaces steps use; the first line of bwrap's complaint, or undefined. */
function probeBwrap(bwrap: string): Promise<string | undefined> {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net', '--die-with-parent', '--cap-drop', 'ALL', '--', 'true'];
  return new Promise((resolve) => {
    execFile(bwrap, args, { env: { PATH: SANDBOX_BASE_ENV.PATH as string }, timeout: 10_000 }, (error, _stdout, stderr) => {
      resolve(error === null ? undefined : (stderr.split('\n')[0] || error.message).trim());
    });
  });
}
