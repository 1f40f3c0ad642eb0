import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Executor, ExecutorSupport, JobRequest, JobWorkspace, StepCommand, StepIO, StepOutcome } from '../../engine/index.js';
import { readCommandFiles, writeStepFiles } from '../local/step-files.js';
import type { ResourceLimits } from './container-config.js';
import { hostDirProblem, jobContainerOptions, warmPoolKey } from './container-config.js';
import { dockerConnection } from './docker-connection.js';
import { LABEL_POOL, LABEL_RUNNER, labelsFor } from './labels.js';
import type { RemovedLeftovers } from './remove-leftovers.js';
import { removeContainer } from './remove-container.js';
import { removeLeftovers } from './remove-leftovers.js';
import { execOnce, runExec } from './run-exec.js';
import { RunNetworks } from './run-networks.js';
import { engineMessage, startServices } from './start-services.js';
import { containerShell, containerStep } from './step-command.js';
import { WarmPool } from './warm-pool.js';
import { checkDirectory } from '../local/check-directory.js';

export interface DockerExecutorOptions {
  /**
   * Names this runner's containers, networks and volumes (label `deploylite.runner`): `removeLeftovers` removes
   * everything carrying it, so it must be unique among the processes that share an engine. Default `local`.
   */
  readonly runnerId?: string;
  /** The engine's unix socket; wins over `dockerHost`. */
  readonly socketPath?: string;
  /** A `DOCKER_HOST` value (`unix:///…` or `tcp://host:port`). Default, and without `socketPath`: /var/run/docker.sock. */
  readonly dockerHost?: string;
  /** A ready client instead (tests, remote engines over TCP/TLS). */
  readonly docker?: Docker;
  /** The image of a job that names none. Without it such a job is refused. */
  readonly defaultImage?: string;
  /** `uid[:gid]` or a user name the steps run as. Default: the image's user. */
  readonly user?: string;
  /** Default: 2 CPUs, 4 GiB, 4096 processes. */
  readonly limits?: Partial<ResourceLimits>;
  /** Capabilities given back to job containers after dropping all. Default none. */
  readonly capAdd?: readonly string[];
  /** Mount the image's root file system read-only (a tmpfs on /tmp). Default false: jobs may install packages. */
  readonly readOnlyRootfs?: boolean;
  /** SIGTERM to SIGKILL on timeout or cancellation. Default 5000 ms. */
  readonly killGraceMs?: number;
  /** Idle containers kept for `reuse-container: true` jobs, in all. Default 4; 0 turns the pool off. */
  readonly warmPoolSize?: number;
  /** An idle warm container is removed after this long. Default 10 minutes. */
  readonly warmIdleMs?: number;
  /** Where the per-container scratch directories go. Default os.tmpdir(). */
  readonly tempRoot?: string;
  /** `none` cuts every job off from the network, whatever its pipeline says (`--sandbox-network none`). */
  readonly network?: 'host' | 'none';
}

/** A job container with what the executor keeps about it. */
interface ContainerSlot {
  readonly container: Docker.Container;
  readonly scratchDir: string;
  /** The image's PATH, under the directories steps add with `$DEPLOYLITE_PATH`. */
  imagePath: string;
  /** Set for a container that may go back to the warm pool; it then has a network of its own. */
  readonly poolKey?: string;
  readonly ownNetwork?: string;
  stepCount: number;
}

interface JobState {
  readonly slot: ContainerSlot;
  readonly services: Docker.Container[];
  /** Released when the job ends. */
  readonly runNetwork: boolean;
  /** A step was stopped by force: the container's state is unknown, so it is not reused. */
  tainted: boolean;
}

const DEFAULT_LIMITS: ResourceLimits = { cpus: 2, memoryBytes: 4 * 1024 ** 3, pids: 4096 };
/**
 * Empties a warm container between jobs: kills every process but PID 1, then removes what is in /tmp — except the
 * entry $1, which holds the bind-mounted workspace when that lives under /tmp on the host (a plain `rm -rf /tmp/*`
 * would delete the workspace through its mount).
 */
const RESET_SCRIPT = [
  'kill -s KILL -1 2>/dev/null',
  'for entry in /tmp/* /tmp/.[!.]*; do',
  '  [ -e "$entry" ] || [ -L "$entry" ] || continue',
  '  [ "$entry" = "$1" ] || rm -rf "$entry" || exit 1',
  'done',
  'exit 0',
].join('\n');
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Runs each job in a container of its `image` through the Docker Engine API (Docker, or podman's compatible
 * service). One container per job, kept alive by an idle PID 1; every step is an `exec` in it, so steps share the
 * container's file system and processes as they share a machine on GitHub. Services run beside it on the run's
 * network. Everything made carries labels (labels.ts) and is removed by `cleanupJob`, by `reclaimRun` when a run is
 * resumed, and by `removeLeftovers` when a runner starts after a crash.
 *
 * Timeouts and cancellations send SIGTERM, and SIGKILL after `killGraceMs`, to every process in the container but
 * PID 1 (the Engine API has no way to signal an exec): steps run one at a time, so that is the step's process tree
 * and anything earlier steps left in the background. Such a container is never reused.
 */
export class DockerExecutor implements Executor {
  readonly name = 'docker';
  readonly supports: ExecutorSupport = { images: true, networkIsolation: true };
  readonly docker: Docker;
  readonly runnerId: string;
  private readonly limits: ResourceLimits;
  private readonly killGraceMs: number;
  private readonly scratchRoot: string;
  private readonly jobs = new WeakMap<JobWorkspace, JobState>();
  /** Ids of the containers this process uses now (in a job or in the pool), spared by `reclaimRun`. */
  private readonly inUse = new Map<string, ContainerSlot>();
  private readonly networks: RunNetworks;
  private readonly pool: WarmPool<ContainerSlot>;

  constructor(private readonly options: DockerExecutorOptions = {}) {
    // Never dockerode's own reading of process.env: configuration comes from the composition root.
    this.docker = options.docker ?? new Docker(options.socketPath !== undefined ? { socketPath: options.socketPath } : dockerConnection(options.dockerHost));
    this.runnerId = options.runnerId ?? 'local';
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(this.runnerId)) throw new Error(`docker executor: runner id "${this.runnerId}" must be letters, digits, ".", "_" and "-"`);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.killGraceMs = options.killGraceMs ?? 5000;
    // Readable by this process only: the per-container directories inside are open to the container's user.
    this.scratchRoot = join(options.tempRoot ?? tmpdir(), `deploylite-docker-${this.runnerId}`);
    this.networks = new RunNetworks(this.docker, this.runnerId);
    this.pool = new WarmPool<ContainerSlot>({
      maxSize: options.warmPoolSize ?? 4,
      idleMs: options.warmIdleMs ?? 10 * 60_000,
      discard: (slot) => void this.removeSlot(slot),
    });
  }

  async prepareJob(job: JobRequest): Promise<JobWorkspace> {
    const image = job.image ?? this.options.defaultImage;
    if (image === undefined) throw new Error(`job "${job.jobKey}" names no image, and the docker executor has no default image`);
    if (this.options.network === 'none') job = { ...job, network: 'none' };
    const services = job.services ?? [];
    if (job.network === 'none' && services.length > 0) throw new Error(`job "${job.jobKey}" has services but network: none; a job without a network cannot reach them`);
    for (const dir of job.hostDirs ?? []) {
      const problem = hostDirProblem(dir);
      if (problem !== undefined) throw new Error(`job "${job.jobKey}" cannot mount host directory ${problem}`);
    }
    const poolKey = warmPoolKey(job, image);
    const warm = poolKey !== undefined ? this.pool.take(poolKey) : undefined;
    if (warm !== undefined) return this.track(job, { slot: warm, services: [], runNetwork: false, tainted: false });

    const useRunNetwork = job.network !== 'none' && poolKey === undefined;
    const network = useRunNetwork ? await this.networks.acquire(job.runId) : 'none';
    const state: { services: Docker.Container[] } = { services: [] };
    try {
      const scope = { runnerId: this.runnerId, runId: job.runId, jobKey: job.jobKey };
      const namePrefix = `deploylite-${this.runnerId}-r${job.runId}-${nameSafe(job.jobKey)}-${randomSuffix()}`;
      const started = services.length > 0
        ? await startServices(this.docker, {
            services,
            network,
            namePrefix,
            labels: labelsFor(scope, 'service'),
            limits: this.limits,
            onCreated: (container) => state.services.push(container),
          })
        : { hosts: [] };
      const slot = await this.createSlot(job, image, network, started.hosts, namePrefix, poolKey);
      return this.track(job, { slot, services: state.services, runNetwork: useRunNetwork, tainted: false });
    } catch (thrown) {
      await Promise.all(state.services.map((container) => removeContainer(container).catch(() => {})));
      if (useRunNetwork) await this.networks.release(job.runId);
      throw thrown;
    }
  }

  async runStep(workspace: JobWorkspace, step: StepCommand, io: StepIO, signal: AbortSignal): Promise<StepOutcome> {
    const job = this.jobs.get(workspace);
    if (job === undefined) throw new Error(`docker executor: job "${workspace.job.jobKey}" was not prepared by this executor`);
    if (signal.aborted) return notRun({ cancelled: true });
    const cwd = resolve(workspace.dir, step.workingDirectory ?? '.');
    if (step.workingDirectory !== undefined && isInside(workspace.dir, cwd)) {
      const problem = await checkDirectory(cwd, `working-directory "${step.workingDirectory}"`);
      if (problem !== undefined) return notRun({ error: problem });
    }
    const shell = await containerShell(step);
    if (typeof shell === 'string') return notRun({ error: shell });

    const { slot } = job;
    slot.stepCount++;
    const files = writeStepFiles(slot.scratchDir, slot.stepCount, shell.extension, step.script);
    chmodSync(files.script, 0o755); // the container's user need not be the runner's
    const command = containerStep(step, shell, files, cwd, slot.imagePath);
    let running: Awaited<ReturnType<typeof runExec>>;
    try {
      running = await runExec(this.docker, slot.container, { cmd: command.cmd, env: command.env, onLine: (stream, line) => io.onLine(stream, line) });
    } catch (thrown) {
      // The container is gone (OOM-killed PID 1, removed from outside): the job cannot go on in it.
      job.tainted = true;
      return notRun({ error: `the step could not be started in the job's container: ${engineMessage(thrown)}` });
    }

    let stoppedFor: 'timeout' | 'cancel' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (reason: 'timeout' | 'cancel') => {
      if (stoppedFor !== undefined) return;
      stoppedFor = reason;
      job.tainted = true;
      void this.signalAll(slot.container, 'TERM');
      killTimer = setTimeout(() => {
        void this.signalAll(slot.container, 'KILL').finally(() => {
          // A process in uninterruptible sleep can hold the output open even now; do not wait for it forever.
          killTimer = setTimeout(() => running.abandon(), 2000);
        });
      }, this.killGraceMs);
    };
    const onAbort = () => stop('cancel');
    signal.addEventListener('abort', onAbort, { once: true });
    const timeoutTimer = step.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), step.timeoutMs) : undefined;
    let exitCode: number | null;
    try {
      exitCode = await running.finished;
    } finally {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
    }
    const commands = readCommandFiles(files);
    const vanished = exitCode === null && stoppedFor === undefined;
    if (vanished) job.tainted = true;
    return {
      ...(vanished ? { error: "the job's container stopped during the step (killed for memory, or removed from outside)" } : {}),
      exitCode: stoppedFor !== undefined ? null : exitCode,
      timedOut: stoppedFor === 'timeout',
      cancelled: stoppedFor === 'cancel',
      outputs: commands.outputs,
      env: commands.env,
      path: commands.path,
      ...(commands.warnings.length > 0 ? { warnings: commands.warnings } : {}),
    };
  }

  async cleanupJob(workspace: JobWorkspace): Promise<void> {
    const job = this.jobs.get(workspace);
    if (job === undefined) return;
    this.jobs.delete(workspace);
    const removals: Promise<unknown>[] = job.services.map((container) => removeContainer(container).catch(() => {}));
    const { slot } = job;
    if (slot.poolKey !== undefined && !job.tainted && (await this.reset(slot, workspace.dir))) this.pool.put(slot.poolKey, slot);
    else removals.push(this.removeSlot(slot));
    await Promise.all(removals);
    if (job.runNetwork) await this.networks.release(workspace.job.runId);
  }

  /** What a process that ran `runId` and was killed left of it: its containers, networks and volumes. */
  async reclaimRun(runId: number): Promise<void> {
    await removeLeftovers(this.docker, this.runnerId, { runId, keep: this.kept() });
    // Warm containers carry no run: those of a killed process are recognised as pooled but not ours.
    const pooled = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_RUNNER}=${this.runnerId}`, LABEL_POOL] } });
    await Promise.all(pooled.filter((info) => !this.inUse.has(info.Id)).map((info) => removeContainer(this.docker.getContainer(info.Id)).catch(() => {})));
    const kept = this.kept();
    const poolNetworks = await this.docker.listNetworks({ filters: { label: [`${LABEL_RUNNER}=${this.runnerId}`, LABEL_POOL] } });
    await Promise.all(poolNetworks.filter((info) => !kept.networks.has(info.Name)).map((info) => this.docker.getNetwork(info.Id).remove().catch(() => {})));
    this.removeScratch((name) => name.startsWith(`r${runId}-`));
  }

  /** On runner start: everything an earlier process with this runner id left, on the engine and on disk. */
  async removeLeftovers(): Promise<RemovedLeftovers> {
    const removed = await removeLeftovers(this.docker, this.runnerId, { keep: this.kept() });
    this.removeScratch(() => true);
    if (this.inUse.size === 0) rmSync(this.scratchRoot, { recursive: true, force: true });
    return removed;
  }

  /** Idle containers in the warm pool now. */
  get warmContainers(): number {
    return this.pool.size;
  }

  /** Throws a message naming the engine's address when it does not answer the Engine API. */
  async checkEngine(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (thrown) {
      const where = this.options.socketPath ?? this.options.dockerHost ?? 'unix:///var/run/docker.sock';
      throw new Error(`the docker executor cannot reach a container engine at ${where} (${engineMessage(thrown)}); start Docker or \`podman system service\`, or set DOCKER_HOST`);
    }
  }

  /** Removes the warm pool's containers: when the runner stops. */
  async close(): Promise<void> {
    await Promise.all(this.pool.drain().map((slot) => this.removeSlot(slot)));
  }

  /**
   * A second Ctrl-C: removes every container this process uses, running jobs' and the pool's, without waiting (the
   * CLI exits next; the engine finishes the removals). Services and networks of running jobs carry labels that
   * `reclaimRun` and `removeLeftovers` find.
   */
  killAll(): void {
    this.pool.drain();
    for (const slot of this.inUse.values()) void this.removeSlot(slot);
  }

  /** What this process still uses, spared by the removal of leftovers. */
  private kept(): { containers: Set<string>; networks: Set<string> } {
    const slots = [...this.inUse.values()];
    const own = slots.flatMap((slot) => (slot.ownNetwork !== undefined ? [slot.ownNetwork] : []));
    return { containers: new Set(this.inUse.keys()), networks: new Set([...this.networks.names(), ...own]) };
  }

  private track(job: JobRequest, state: JobState): JobWorkspace {
    const workspace: JobWorkspace = { job, dir: job.workspaceDir };
    this.jobs.set(workspace, state);
    return workspace;
  }

  private async createSlot(job: JobRequest, image: string, network: string, hosts: readonly string[], name: string, poolKey: string | undefined): Promise<ContainerSlot> {
    mkdirSync(this.scratchRoot, { recursive: true, mode: 0o700 });
    const scratchDir = mkdtempSync(join(this.scratchRoot, `r${job.runId}-`));
    chmodSync(scratchDir, 0o777);
    const labels = poolKey !== undefined
      ? { ...labelsFor({ runnerId: this.runnerId }, 'job'), [LABEL_POOL]: 'true' }
      : labelsFor({ runnerId: this.runnerId, runId: job.runId, jobKey: job.jobKey }, 'job');
    let ownNetwork: string | undefined;
    try {
      if (poolKey !== undefined && job.network !== 'none') {
        // A warm container outlives its run, so it cannot sit on the run's network: it gets one of its own.
        ownNetwork = `${name}-net`;
        await this.docker.createNetwork({ Name: ownNetwork, Driver: 'bridge', Labels: { ...labelsFor({ runnerId: this.runnerId }, 'network'), [LABEL_POOL]: 'true' } });
        network = ownNetwork;
      }
      const options = jobContainerOptions({
        image,
        name,
        labels,
        workspaceDir: job.workspaceDir,
        scratchDir,
        ...(job.hostDirs?.length ? { hostDirs: job.hostDirs } : {}),
        network,
        extraHosts: hosts,
        ...(this.options.user !== undefined ? { user: this.options.user } : {}),
        capAdd: this.options.capAdd ?? [],
        readOnlyRootfs: this.options.readOnlyRootfs ?? false,
        limits: this.limits,
      });
      const container = await this.createContainer(options, image);
      const slot: ContainerSlot = { container, scratchDir, imagePath: DEFAULT_PATH, ...(poolKey !== undefined ? { poolKey } : {}), ...(ownNetwork ? { ownNetwork } : {}), stepCount: 0 };
      this.inUse.set(container.id, slot);
      try {
        await container.start();
        const info = await container.inspect();
        const path = (info.Config.Env ?? []).find((entry) => entry.startsWith('PATH='));
        if (path !== undefined) slot.imagePath = path.slice('PATH='.length);
        return slot;
      } catch (thrown) {
        await this.removeSlot(slot);
        throw new Error(`could not start the job's container: ${engineMessage(thrown)}`);
      }
    } catch (thrown) {
      rmSync(scratchDir, { recursive: true, force: true });
      if (ownNetwork !== undefined) await this.docker.getNetwork(ownNetwork).remove().catch(() => {});
      throw thrown;
    }
  }

  /** Creates the container, pulling its image first when the engine does not have it. */
  private async createContainer(options: Docker.ContainerCreateOptions, image: string): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer(options);
    } catch (thrown) {
      if ((thrown as { statusCode?: number }).statusCode !== 404) throw new Error(`could not create the job's container: ${engineMessage(thrown)}`);
    }
    try {
      const progress = await this.docker.pull(image);
      await new Promise<void>((done, fail) =>
        this.docker.modem.followProgress(progress, (error: Error | null, events: { error?: string }[] = []) => {
          // A failed pull is an `error` event in the progress stream, not a failed request.
          const reported = events.find((event) => event.error !== undefined)?.error;
          if (error || reported !== undefined) fail(error ?? new Error(reported));
          else done();
        }),
      );
      return await this.docker.createContainer(options);
    } catch (thrown) {
      throw new Error(`image "${image}" is not on the engine and could not be pulled: ${engineMessage(thrown)}`);
    }
  }

  /**
   * Makes a used container fit for the next job of the same key: no process left but PID 1, an empty /tmp and
   * scratch directory. The image's other files keep what the job changed (packages it installed, say) — the reason
   * reuse is opt-in and keyed by image and workspace, which belong to one project. False when it failed.
   */
  private async reset(slot: ContainerSlot, workspaceDir: string): Promise<boolean> {
    const keep = tmpEntryHolding(workspaceDir);
    if (keep === undefined) return false;
    try {
      const result = await execOnce(this.docker, slot.container, ['/bin/sh', '-c', RESET_SCRIPT, 'deploylite-reset', keep], 5000);
      if (result.exitCode !== 0) return false;
      for (const name of readdirSync(slot.scratchDir)) rmSync(join(slot.scratchDir, name), { recursive: true, force: true });
      slot.stepCount = 0;
      return true;
    } catch {
      return false;
    }
  }

  private async removeSlot(slot: ContainerSlot): Promise<void> {
    await removeContainer(slot.container).catch(() => {});
    this.inUse.delete(slot.container.id);
    if (slot.ownNetwork !== undefined) await this.docker.getNetwork(slot.ownNetwork).remove().catch(() => {});
    rmSync(slot.scratchDir, { recursive: true, force: true });
  }

  /** `kill -1` from inside: every process of the container that is not PID 1. */
  private async signalAll(container: Docker.Container, signal: 'TERM' | 'KILL'): Promise<void> {
    await execOnce(this.docker, container, ['/bin/sh', '-c', `kill -s ${signal} -1 2>/dev/null; exit 0`], 5000).catch(() => {});
  }

  private removeScratch(match: (name: string) => boolean): void {
    let names: string[];
    try {
      names = readdirSync(this.scratchRoot);
    } catch {
      return;
    }
    const inUse = new Set([...this.inUse.values()].map((slot) => slot.scratchDir));
    for (const name of names) if (match(name) && !inUse.has(join(this.scratchRoot, name))) rmSync(join(this.scratchRoot, name), { recursive: true, force: true });
  }
}

export function createDockerExecutor(options?: DockerExecutorOptions): DockerExecutor {
  return new DockerExecutor(options);
}

/**
 * The executor, once its engine answered (and, with `removeLeftovers`, once what an earlier process with the same
 * runner id left is gone): a runner that cannot reach its engine says so when it starts, not at its first job.
 */
export async function openDockerExecutor(options: DockerExecutorOptions & { readonly removeLeftovers?: boolean } = {}): Promise<DockerExecutor> {
  const executor = new DockerExecutor(options);
  await executor.checkEngine();
  if (options.removeLeftovers) await executor.removeLeftovers();
  return executor;
}

function notRun(extra: Partial<StepOutcome>): StepOutcome {
  return { exitCode: null, timedOut: false, cancelled: false, outputs: {}, env: {}, path: [], ...extra };
}

/**
 * The entry of /tmp that holds `workspaceDir` (`-` when the workspace is not under /tmp: nothing to spare), or
 * undefined when /tmp itself is the workspace or inside it and must not be emptied at all.
 */
function tmpEntryHolding(workspaceDir: string): string | undefined {
  const rel = relative('/tmp', workspaceDir);
  if (rel === '') return undefined;
  if (rel.startsWith('..') || isAbsolute(rel)) return relative(workspaceDir, '/tmp').startsWith('..') ? '-' : undefined;
  return `/tmp/${rel.split('/')[0]}`;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}


/** Container names allow `[a-zA-Z0-9][a-zA-Z0-9_.-]`. */
function nameSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40);
}

function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}
