import type { BatchV1Api, CoreV1Api, Exec, V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { coerceError } from '../../core/index.js';
import type { Executor, ExecutorSupport, JobRequest, JobWorkspace, StepCommand, StepIO, StepOutcome } from '../../engine/index.js';
import { resolveShell } from '../local/resolve-shell.js';
import { readCommandFiles } from '../local/step-files.js';
import { apiMessage, isNotFound } from './api-message.js';
import { BUNDLE_KEY, JOB_CONTAINER, POD_WORKSPACE, jobManifest } from './job-manifest.js';
import type { LoadedKubeConfig } from './kube-config.js';
import { LABEL_RUNNER, labelsFor, nameSegment, selectorFor } from './labels.js';
import type { PodExecResult } from './run-pod-exec.js';
import { runPodExec } from './run-pod-exec.js';
import { StepReportReader, stepExec } from './step-exec.js';
import { unpackPodWorkspace } from './unpack-pod-workspace.js';
import { packWorkspace } from './workspace-bundle.js';

export interface KubernetesExecutorOptions {
  readonly kubeConfig: LoadedKubeConfig;
  /** Default: the kubeconfig context's namespace. */
  readonly namespace?: string;
  /** Label `deploylite.runner` on everything made; leftover removal removes everything carrying it. Default `local`. */
  readonly runnerId?: string;
  /** The image of a job that names none. Without it such a job is refused. */
  readonly defaultImage?: string;
  /** Between SIGTERM and SIGKILL, for a stopped step's process group and for the pod when its Job is deleted. Default 5000 ms. */
  readonly killGraceMs?: number;
  /** How often pod status is polled while the job's pod starts. Default 500 ms. */
  readonly pollMs?: number;
  /** The cluster deletes a finished Job this long after it ended, if the runner did not. Default 600 s. */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * `activeDeadlineSeconds` of every Job: the cluster stops a job's pod after this long even if the runner that should
   * delete it is gone. Default 6 h, GitHub's limit for a job.
   */
  readonly maxJobSeconds?: number;
  /** Per job pod. Default 2 CPUs, 4 GiB. */
  readonly limits?: { readonly cpu: string; readonly memory: string };
  /** Where the per-job scratch directories (the command files read back from the pod) go. Default os.tmpdir(). */
  readonly tempRoot?: string;
  /**
   * Most bytes the workspace round trip moves each way: the packed workspace sent into the pod after files were
   * restored (`pushWorkspace`), the pod's workspace as tar taken back (`pullWorkspace`). Default 2 GiB.
   */
  readonly maxWorkspaceBytes?: number;
  /** How long taking the workspace back from the pod may go without receiving a byte before it fails. Default 5 min. */
  readonly pullIdleMs?: number;
}

interface JobState {
  readonly jobName: string;
  readonly configMap: string;
  readonly scratchDir: string;
  /** The pod, once it runs; asked for by the first step, so the pod starts while the engine gets ready. */
  pod?: Promise<PodStart>;
  /** What `pod` resolved to, once it did. */
  started?: PodStart;
  /** The workspace `pushWorkspace` packed, unpacked in the pod before the next step. */
  pendingPush?: Buffer;
  steps: number;
}

/** What the job's pod said when it stopped waiting. */
type PodStart = { kind: 'started'; pod: string } | { kind: 'failed'; message: string };

/** An apiserver-side request to delete a Job and, through the propagation policy, its pods. */
export interface JobDeletion {
  readonly name: string;
  readonly propagationPolicy: 'Foreground' | 'Background';
}

const DEFAULT_LIMITS = { cpu: '2', memory: '4Gi' };
const DEFAULT_MAX_WORKSPACE_BYTES = 2 * 1024 * 1024 * 1024;
const DEFAULT_PULL_IDLE_MS = 5 * 60 * 1000;
/** Waiting reasons after which the kubelet will not start the pod's containers by itself. */
const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

/**
 * Runs each pipeline job as one `batch/v1` Job on a Kubernetes cluster, as GitLab Runner's Kubernetes executor does:
 * `prepareJob` ships the runner's checkout in a ConfigMap and creates the Job, whose init container unpacks it into
 * the pod's workspace volume and whose job container idles; each step is then exec'd in that container through the
 * pods/exec subresource (a WebSocket, run-pod-exec.ts), its stdout and stderr streamed as they come, its exit code
 * from the exec's status channel, its command files read back by a second exec. Files steps write stay in the pod
 * for the following steps, as on any runner. The pod works on a copy of the checkout, so files the engine restores
 * after `prepareJob` go in by `pushWorkspace` and what the steps wrote comes back by `pullWorkspace` (one exec each).
 *
 * A timeout or cancellation signals the step's process group in the pod (SIGTERM, SIGKILL after the grace period)
 * with one more exec; the pod lives on for the job's remaining steps (`if: always()`, cleanup). `cleanupJob` deletes
 * the Job with a propagation policy, so the cluster removes its pod. Jobs and ConfigMaps carry labels (labels.ts) by
 * which `reclaimRun` and `removeLeftovers` find what a killed runner left.
 */
export class KubernetesExecutor implements Executor {
  readonly name = 'kubernetes';
  readonly supports: ExecutorSupport = { images: true };
  readonly namespace: string;
  readonly runnerId: string;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly exec: Exec;
  private readonly pollMs: number;
  private readonly killGraceMs: number;
  private readonly scratchRoot: string;
  private readonly maxWorkspaceBytes: number;
  private readonly pullIdleMs: number;
  private readonly jobs = new WeakMap<JobWorkspace, JobState>();
  /** Jobs of workspaces not cleaned up yet: never removed as leftovers, deleted all at once by `killAll`. */
  private readonly active = new Set<string>();

  constructor(private readonly options: KubernetesExecutorOptions) {
    this.namespace = options.namespace ?? options.kubeConfig.namespace;
    this.runnerId = options.runnerId ?? 'local';
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,61}[a-zA-Z0-9])?$/.test(this.runnerId)) throw new Error(`kubernetes executor: runner id "${this.runnerId}" must be a label value (letters, digits, ".", "_", "-", at most 63)`);
    const { client, config } = options.kubeConfig;
    this.batch = config.makeApiClient(client.BatchV1Api);
    this.core = config.makeApiClient(client.CoreV1Api);
    this.exec = new client.Exec(config);
    this.pollMs = options.pollMs ?? 500;
    this.killGraceMs = options.killGraceMs ?? 5000;
    this.scratchRoot = join(options.tempRoot ?? tmpdir(), `deploylite-kubernetes-${this.runnerId}`);
    this.maxWorkspaceBytes = options.maxWorkspaceBytes ?? DEFAULT_MAX_WORKSPACE_BYTES;
    this.pullIdleMs = options.pullIdleMs ?? DEFAULT_PULL_IDLE_MS;
  }

  async prepareJob(job: JobRequest): Promise<JobWorkspace> {
    const image = job.image ?? this.options.defaultImage;
    if (image === undefined) throw new Error(`job "${job.jobKey}" names no image, and the kubernetes executor has no default image`);
    if ((job.services ?? []).length > 0) throw new Error(`job "${job.jobKey}" has services; the kubernetes executor does not run services (use the docker executor)`);
    const bundle = await packWorkspace(job.workspaceDir, job.jobKey);
    const name = `deploylite-r${job.runId}-${nameSegment(job.jobKey, 32)}-${randomBytes(3).toString('hex')}`;
    const labels = labelsFor({ runnerId: this.runnerId, runId: job.runId, jobKey: job.jobKey });
    const annotations = { 'deploylite.job-key': job.jobKey };
    try {
      await this.core.createNamespacedConfigMap({
        namespace: this.namespace,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels, annotations }, binaryData: { [BUNDLE_KEY]: bundle.toString('base64') } },
      });
    } catch (thrown) {
      throw new Error(`job "${job.jobKey}": could not create the workspace ConfigMap in namespace ${this.namespace} at ${this.options.kubeConfig.server}: ${apiMessage(thrown)}`);
    }
    const manifest = jobManifest({
      name,
      namespace: this.namespace,
      image,
      labels,
      annotations,
      bundleConfigMap: name,
      ttlSecondsAfterFinished: this.options.ttlSecondsAfterFinished ?? 600,
      activeDeadlineSeconds: this.options.maxJobSeconds ?? 6 * 3600,
      terminationGracePeriodSeconds: Math.ceil(this.killGraceMs / 1000),
      limits: this.options.limits ?? DEFAULT_LIMITS,
    });
    this.active.add(name);
    try {
      await this.batch.createNamespacedJob({ namespace: this.namespace, body: manifest });
    } catch (thrown) {
      this.active.delete(name);
      await this.deleteConfigMap(name).catch(() => {});
      throw new Error(`job "${job.jobKey}": could not create its Job in namespace ${this.namespace}: ${apiMessage(thrown)}`);
    }
    mkdirSync(this.scratchRoot, { recursive: true, mode: 0o700 });
    const scratchDir = mkdtempSync(join(this.scratchRoot, `r${job.runId}-`));
    const workspace: JobWorkspace = { job, dir: job.workspaceDir };
    this.jobs.set(workspace, { jobName: name, configMap: name, scratchDir, steps: 0 });
    return workspace;
  }

  async runStep(workspace: JobWorkspace, step: StepCommand, io: StepIO, signal: AbortSignal): Promise<StepOutcome> {
    const state = this.stateOf(workspace);
    if (signal.aborted) return notRun({ cancelled: true });
    const shell = await resolveShell(step.shell, { bash: async () => 'bash', python: async () => 'python3' });
    if (typeof shell === 'string') return notRun({ error: shell });
    const index = ++state.steps;
    const commands = stepExec({ index, step, shell, cwd: podDirectory(workspace.dir, step.workingDirectory) });

    let stoppedFor: 'timeout' | 'cancel' | undefined;
    let wakeStopped: () => void = () => {};
    const stopped = new Promise<void>((wake) => (wakeStopped = wake));
    const stop = (reason: 'timeout' | 'cancel') => {
      if (stoppedFor !== undefined) return;
      stoppedFor = reason;
      wakeStopped();
    };
    const onAbort = () => stop('cancel');
    signal.addEventListener('abort', onAbort, { once: true });
    const timeoutTimer = step.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), step.timeoutMs) : undefined;
    try {
      const started = await Promise.race([this.podStart(state), stopped.then(() => undefined)]);
      if (started === undefined) return notRun({ timedOut: stoppedFor === 'timeout', cancelled: stoppedFor === 'cancel' });
      if (started.kind === 'failed') return notRun({ error: started.message });
      const pod = started.pod;
      if (state.pendingPush !== undefined) {
        const abandon = new AbortController();
        void stopped.then(() => abandon.abort());
        const pushed = await Promise.race([this.push(workspace, pod, state.pendingPush, abandon.signal), stopped.then(() => undefined)]);
        if (pushed === undefined) return notRun({ timedOut: stoppedFor === 'timeout', cancelled: stoppedFor === 'cancel' });
        if (pushed !== true) return notRun({ error: pushed });
        state.pendingPush = undefined;
      }
      const exec = (command: string[], extra: { stdin?: Buffer; onLine?: StepIO['onLine'] } = {}) =>
        runPodExec(this.exec, { namespace: this.namespace, pod, container: JOB_CONTAINER, command, ...extra });
      const running = exec(commands.command, { stdin: commands.payload, onLine: (stream, line) => io.onLine(stream, line) });
      const exit = await Promise.race([running, stopped.then(() => undefined)]);
      if (exit === undefined) {
        await this.stopStep(running, exec, commands.kill);
        return notRun({ timedOut: stoppedFor === 'timeout', cancelled: stoppedFor === 'cancel' });
      }
      const reader = new StepReportReader(`::deploylite-${randomBytes(8).toString('hex')}::`);
      const reported = await exec(commands.report(reader.marker), { onLine: (_stream, line) => reader.line(line) });
      return this.outcome(state, index, reader, exit, reported);
    } finally {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timeoutTimer);
    }
  }

  /**
   * Files restored into the runner's workspace after `prepareJob` (artifacts of needed jobs, a cache): the workspace is
   * packed again now, and unpacked over the pod's before the first step runs, under that step's timeout and
   * cancellation (so a pod that never starts is not waited for beyond them).
   */
  async pushWorkspace(workspace: JobWorkspace, signal: AbortSignal): Promise<void> {
    const state = this.stateOf(workspace);
    const bundle = await packWorkspace(workspace.dir, workspace.job.jobKey, this.maxWorkspaceBytes);
    signal.throwIfAborted();
    state.pendingPush = bundle;
  }

  /**
   * The bundle `pushWorkspace` packed, unpacked in the running pod: it travels on the exec's stdin (no ConfigMap
   * limit there) in chunks, and is read with `head -c`, as a step's boot file (the v4 protocol cannot close stdin).
   * True, or why it failed.
   */
  private async push(workspace: JobWorkspace, pod: string, bundle: Buffer, signal: AbortSignal): Promise<true | string> {
    const errors: string[] = [];
    const result = await runPodExec(this.exec, {
      namespace: this.namespace,
      pod,
      container: JOB_CONTAINER,
      // -o: the pod's user may not change owners (capabilities are dropped); the files become its own.
      command: ['/bin/sh', '-c', 'head -c "$1" | tar -xzof - -C "$2"', 'deploylite-push', String(bundle.length), POD_WORKSPACE],
      stdin: bundle,
      signal,
      onLine: (_stream, line) => errors.length < 5 && errors.push(line),
    });
    if (result.exitCode === 0) return true;
    return `job "${workspace.job.jobKey}": the restored files could not be unpacked in the pod: ${errors.join('; ') || result.error || `tar exited with ${result.exitCode}`}`;
  }

  /**
   * Before the job's files are saved: the pod's /workspace as tar, streamed back over an exec's stdout and unpacked
   * into the runner's workspace by `unpackPodWorkspace`, which treats it as hostile (the pod runs the job's code).
   * Files the pod deleted stay in the runner's workspace.
   */
  async pullWorkspace(workspace: JobWorkspace, signal: AbortSignal): Promise<{ warnings: readonly string[] } | void> {
    const state = this.stateOf(workspace);
    // No step ran in the pod: it holds nothing the runner's workspace lacks.
    if (state.started?.kind !== 'started') return;
    const { jobKey } = workspace.job;
    const archive = new PassThrough();
    const stop = new AbortController();
    const errors: string[] = [];
    // A pod whose tar stops sending (or never starts) must not hold the job forever: the pull gives up after a
    // quiet spell, whatever the job's timeout (which covers its steps, not this).
    let stalled = false;
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const heard = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => {
        stalled = true;
        stop.abort();
      }, this.pullIdleMs);
    };
    heard();
    const exec = runPodExec(this.exec, {
      namespace: this.namespace,
      pod: state.started.pod,
      container: JOB_CONTAINER,
      command: ['tar', '-czf', '-', '-C', POD_WORKSPACE, '.'],
      signal: AbortSignal.any([signal, stop.signal]),
      onStdout: (chunk) => {
        heard();
        if (!archive.destroyed) archive.write(chunk);
      },
      onLine: (_stream, line) => errors.length < 5 && errors.push(line),
    }).then((result) => {
      clearTimeout(quiet);
      archive.end();
      return result;
    });
    // GNU tar exits 1 when a file changed while it was read: the archive is complete, that file as it was at some moment.
    const failure = (result: PodExecResult) => {
      if (stalled) return `the pod sent nothing for ${Math.round(this.pullIdleMs / 1000)} s`;
      return result.exitCode === 0 || result.exitCode === 1 ? undefined : errors.join('; ') || result.error || `tar exited with ${result.exitCode}`;
    };
    try {
      const unpacked = await unpackPodWorkspace(archive, workspace.dir, { maxBytes: this.maxWorkspaceBytes, signal });
      const problem = failure(await exec);
      if (problem !== undefined) throw new Error(problem);
      return { warnings: unpacked.warnings };
    } catch (thrown) {
      stop.abort();
      // A tar that failed in the pod explains a truncated archive better than the unpacker can.
      const problem = failure(await exec) ?? coerceError(thrown).message;
      throw new Error(`job "${jobKey}": the files the job's steps wrote could not be taken back from the pod: ${problem}`);
    }
  }

  async cleanupJob(workspace: JobWorkspace): Promise<void> {
    const state = this.jobs.get(workspace);
    if (state === undefined) return;
    this.jobs.delete(workspace);
    try {
      await Promise.all([this.deleteJob({ name: state.jobName, propagationPolicy: 'Background' }), this.deleteConfigMap(state.configMap)]);
    } finally {
      this.active.delete(state.jobName);
      rmSync(state.scratchDir, { recursive: true, force: true });
    }
  }

  /** What a process that ran `runId` and was killed left of it in the cluster: its Jobs (and so pods) and ConfigMaps. */
  async reclaimRun(runId: number): Promise<void> {
    await this.removeLabelled(selectorFor({ runnerId: this.runnerId, runId }));
  }

  /** On runner start: everything an earlier process with this runner id left. Returns the names removed. */
  async removeLeftovers(): Promise<{ jobs: string[]; configMaps: string[] }> {
    return this.removeLabelled(selectorFor({ runnerId: this.runnerId }));
  }

  /** Throws a message naming the API server when it does not answer (or refuses) a list of Jobs in the namespace. */
  async checkCluster(): Promise<void> {
    try {
      await this.batch.listNamespacedJob({ namespace: this.namespace, labelSelector: `${LABEL_RUNNER}=${this.runnerId}`, limit: 1 });
    } catch (thrown) {
      throw new Error(`the kubernetes executor cannot list Jobs in namespace ${this.namespace} at ${this.options.kubeConfig.server} (kubeconfig ${this.options.kubeConfig.file}): ${apiMessage(thrown)}`);
    }
  }

  /** A second Ctrl-C: asks the cluster to delete every job's Job (and so its pod), without waiting. */
  killAll(): void {
    for (const name of this.active) void this.deleteJob({ name, propagationPolicy: 'Background' }).catch(() => {});
  }

  private async removeLabelled(labelSelector: string): Promise<{ jobs: string[]; configMaps: string[] }> {
    const inUse = new Set(this.active);
    const jobs = (await this.batch.listNamespacedJob({ namespace: this.namespace, labelSelector })).items
      .map((job) => job.metadata?.name ?? '')
      .filter((name) => name !== '' && !inUse.has(name));
    const configMaps = (await this.core.listNamespacedConfigMap({ namespace: this.namespace, labelSelector })).items
      .map((map) => map.metadata?.name ?? '')
      .filter((name) => name !== '' && !inUse.has(name));
    await Promise.all([...jobs.map((name) => this.deleteJob({ name, propagationPolicy: 'Foreground' })), ...configMaps.map((name) => this.deleteConfigMap(name))]);
    return { jobs, configMaps };
  }

  private stateOf(workspace: JobWorkspace): JobState {
    const state = this.jobs.get(workspace);
    if (state === undefined) throw new Error(`kubernetes executor: job "${workspace.job.jobKey}" was not prepared by this executor`);
    return state;
  }

  /**
   * The job's pod once its job container runs (or why it never will); the first caller starts the wait. Never rejects:
   * a step stopped while the pod starts leaves this promise to run on unobserved.
   */
  private podStart(state: JobState): Promise<PodStart> {
    state.pod ??= this.waitForPod(state.jobName)
      .catch((thrown: unknown): PodStart => ({ kind: 'failed', message: `the job's pod could not be read: ${apiMessage(thrown)}` }))
      .then((start) => (state.started = start));
    return state.pod;
  }

  /** Polls the Job's pod until its job container runs, or the pod failed before it could; gives up once the job is cleaned up. */
  private async waitForPod(jobName: string): Promise<PodStart> {
    while (this.active.has(jobName)) {
      const pod = await this.podOf(jobName);
      if (pod !== undefined) {
        const failedInit = (pod.status?.initContainerStatuses ?? []).find((status) => (status.state?.terminated?.exitCode ?? 0) !== 0);
        if (failedInit !== undefined) {
          const terminated = failedInit.state?.terminated;
          return { kind: 'failed', message: `the pod's workspace could not be prepared: init container exited with ${terminated?.exitCode ?? '?'}${terminated?.message ? ` (${terminated.message.trim()})` : ''}` };
        }
        const phase = pod.status?.phase;
        const running = (pod.status?.containerStatuses ?? []).find((status) => status.name === JOB_CONTAINER)?.state?.running;
        if (phase === 'Running' && running !== undefined) return { kind: 'started', pod: pod.metadata?.name ?? '' };
        if (phase === 'Succeeded' || phase === 'Failed') return { kind: 'failed', message: `the job's pod ended before the step could run${pod.status?.message ? ` (${pod.status.message})` : ''}` };
        // The init container runs the same image, so a failed pull shows there first.
        const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
        const waiting = statuses.map((status) => status.state?.waiting).find((state) => state?.reason !== undefined && PULL_FAILURES.has(state.reason));
        if (waiting !== undefined) {
          return { kind: 'failed', message: `the job's image could not be pulled: ${waiting.reason ?? ''}${waiting.message ? ` (${waiting.message})` : ''}` };
        }
      }
      await sleep(this.pollMs);
    }
    return { kind: 'failed', message: 'the job was cleaned up before its pod started' };
  }

  /**
   * Stops a step that timed out or was cancelled: SIGTERM to its process group in the pod, SIGKILL after the grace
   * period if its exec has not ended by then. The exec API cannot signal what it started, hence the extra execs.
   */
  private async stopStep(running: Promise<PodExecResult>, exec: (command: string[]) => Promise<PodExecResult>, kill: (signal: 'TERM' | 'KILL') => string[]): Promise<void> {
    await exec(kill('TERM'));
    const ended = await Promise.race([running.then(() => true), sleep(this.killGraceMs).then(() => false)]);
    if (ended) return;
    await exec(kill('KILL'));
    // Its exec ends with the process group; a connection that hangs does not hold the job up.
    await Promise.race([running, sleep(2000)]);
  }

  private outcome(state: JobState, index: number, reader: StepReportReader, exit: PodExecResult, reported: PodExecResult): StepOutcome {
    const report = reader.report();
    const base = join(state.scratchDir, `step-${index}`);
    const files = { script: `${base}.sh`, output: `${base}.output`, env: `${base}.env`, path: `${base}.path` };
    writeFileSync(files.output, report.files.output);
    writeFileSync(files.env, report.files.env);
    writeFileSync(files.path, report.files.path);
    const commands = readCommandFiles(files);
    const unreported = report.complete ? [] : [`the step's command files could not be read back from the pod${reported.error !== undefined ? ` (${reported.error})` : ''}; outputs may be missing`];
    const warnings = [...commands.warnings, ...unreported];
    return {
      exitCode: exit.exitCode,
      timedOut: false,
      cancelled: false,
      ...(exit.error !== undefined ? { error: exit.error } : {}),
      outputs: commands.outputs,
      env: commands.env,
      path: commands.path,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }

  private async podOf(jobName: string): Promise<V1Pod | undefined> {
    const pods = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `job-name=${jobName}` });
    return pods.items[0];
  }

  private async readPod(name: string): Promise<V1Pod | undefined> {
    if (name === '') return undefined;
    try {
      return await this.core.readNamespacedPod({ namespace: this.namespace, name });
    } catch (thrown) {
      if (isNotFound(thrown)) return undefined;
      throw thrown;
    }
  }

  private async deleteJob(deletion: JobDeletion): Promise<void> {
    try {
      await this.batch.deleteNamespacedJob({
        namespace: this.namespace,
        name: deletion.name,
        propagationPolicy: deletion.propagationPolicy,
        gracePeriodSeconds: Math.ceil(this.killGraceMs / 1000),
      });
    } catch (thrown) {
      if (!isNotFound(thrown)) throw new Error(`could not delete Job ${deletion.name}: ${apiMessage(thrown)}`);
    }
  }

  private async deleteConfigMap(name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedConfigMap({ namespace: this.namespace, name });
    } catch (thrown) {
      if (!isNotFound(thrown)) throw new Error(`could not delete ConfigMap ${name}: ${apiMessage(thrown)}`);
    }
  }
}

/**
 * The executor, once the API server answered (and, with `removeLeftovers`, once what an earlier process with the same
 * runner id left is gone): a runner that cannot reach its cluster says so when it starts, not at its first job.
 */
export async function openKubernetesExecutor(options: KubernetesExecutorOptions & { readonly removeLeftovers?: boolean }): Promise<KubernetesExecutor> {
  const executor = new KubernetesExecutor(options);
  await executor.checkCluster();
  if (options.removeLeftovers) await executor.removeLeftovers();
  return executor;
}

/** A step's working directory in the pod: the checkout is at /workspace there. */
export function podDirectory(workspaceDir: string, workingDirectory: string | undefined): string {
  if (workingDirectory === undefined) return POD_WORKSPACE;
  const onHost = resolve(workspaceDir, workingDirectory);
  const rel = relative(workspaceDir, onHost);
  if (rel === '') return POD_WORKSPACE;
  if (!rel.startsWith('..') && !isAbsolute(rel)) return `${POD_WORKSPACE}/${rel}`;
  return onHost;
}

function notRun(extra: Partial<StepOutcome>): StepOutcome {
  return { exitCode: null, timedOut: false, cancelled: false, outputs: {}, env: {}, path: [], ...extra };
}

function sleep(ms: number): Promise<void> {
  return new Promise((wake) => setTimeout(wake, ms));
}


