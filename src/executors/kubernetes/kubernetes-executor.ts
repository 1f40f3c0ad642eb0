import type { BatchV1Api, CoreV1Api, Log, V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { Executor, ExecutorSupport, JobRequest, JobWorkspace, StepCommand, StepIO, StepOutcome } from '../../engine/index.js';
import { LineSplitter } from '../local/line-splitter.js';
import { resolveShell } from '../local/resolve-shell.js';
import { readCommandFiles } from '../local/step-files.js';
import { apiMessage, isNotFound } from './api-message.js';
import type { LoadedKubeConfig } from './kube-config.js';
import { LABEL_RUNNER, labelsFor, nameSegment, selectorFor } from './labels.js';
import { BUNDLE_KEY, POD_WORKSPACE, STEP_CONTAINER, StepLogReader, stepJob } from './step-job.js';
import { packWorkspace } from './workspace-bundle.js';

export interface KubernetesExecutorOptions {
  readonly kubeConfig: LoadedKubeConfig;
  /** Default: the kubeconfig context's namespace. */
  readonly namespace?: string;
  /** Label `deploylite.runner` on everything made; leftover removal removes everything carrying it. Default `local`. */
  readonly runnerId?: string;
  /** The image of a job that names none. Without it such a job is refused. */
  readonly defaultImage?: string;
  /** Grace the kubelet gives a stopped step between SIGTERM and SIGKILL. Default 5000 ms. */
  readonly killGraceMs?: number;
  /** How often pod status is polled while a step waits to start or to finish. Default 500 ms. */
  readonly pollMs?: number;
  /** The cluster deletes a finished step's Job this long after it ended, if the runner did not. Default 600 s. */
  readonly ttlSecondsAfterFinished?: number;
  /** Per step pod. Default 2 CPUs, 4 GiB. */
  readonly limits?: { readonly cpu: string; readonly memory: string };
  /** Where the per-job scratch directories (the command files read back from the pod) go. Default os.tmpdir(). */
  readonly tempRoot?: string;
}

interface JobState {
  readonly image: string;
  readonly bundle: string;
  readonly scratchDir: string;
  readonly namePrefix: string;
  /** Names of the step Jobs made for this job, deleted by `cleanupJob`. */
  readonly stepJobs: string[];
}

/** What a pod said when it stopped waiting. */
type PodStart = { kind: 'started'; pod: string } | { kind: 'failed'; message: string };

/** An apiserver-side request to delete a Job and, through the propagation policy, its pods. */
export interface JobDeletion {
  readonly name: string;
  readonly propagationPolicy: 'Foreground' | 'Background';
}

const DEFAULT_LIMITS = { cpu: '2', memory: '4Gi' };
/** Waiting reasons after which the kubelet will not start the pod's containers by itself. */
const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

/**
 * Runs each step of a job as a `batch/v1` Job on a Kubernetes cluster. A pod cannot take commands from outside
 * without the exec (websocket) API, and the engine hands over one step at a time (a step's script depends on the
 * outputs of the one before), so every step is its own Job: an init container unpacks the runner's checkout (shipped
 * in a ConfigMap made once per job) into the pod's workspace, the step container runs the step's script and then
 * prints its command files, whose lines come back through the pod's log, which is followed while it runs. The exit
 * code is read from the pod's status. Files a step writes stay in its pod: the next step starts again from the
 * checkout (docs/executors.md says so).
 *
 * A timeout or cancellation deletes the step's Job with `propagationPolicy: Foreground`, so the cluster stops its pod
 * (SIGTERM, SIGKILL after the grace period). Jobs and ConfigMaps carry labels (labels.ts) by which `reclaimRun` and
 * `removeLeftovers` find what a killed runner left.
 */
export class KubernetesExecutor implements Executor {
  readonly name = 'kubernetes';
  readonly supports: ExecutorSupport = { images: true };
  readonly namespace: string;
  readonly runnerId: string;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly logs: Log;
  private readonly pollMs: number;
  private readonly killGraceMs: number;
  private readonly scratchRoot: string;
  private readonly jobs = new WeakMap<JobWorkspace, JobState>();
  /** Step Jobs running now, stopped all at once by `killAll`. */
  private readonly running = new Set<string>();

  constructor(private readonly options: KubernetesExecutorOptions) {
    this.namespace = options.namespace ?? options.kubeConfig.namespace;
    this.runnerId = options.runnerId ?? 'local';
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,61}[a-zA-Z0-9])?$/.test(this.runnerId)) throw new Error(`kubernetes executor: runner id "${this.runnerId}" must be a label value (letters, digits, ".", "_", "-", at most 63)`);
    const { client, config } = options.kubeConfig;
    this.batch = config.makeApiClient(client.BatchV1Api);
    this.core = config.makeApiClient(client.CoreV1Api);
    this.logs = new client.Log(config);
    this.pollMs = options.pollMs ?? 500;
    this.killGraceMs = options.killGraceMs ?? 5000;
    this.scratchRoot = join(options.tempRoot ?? tmpdir(), `deploylite-kubernetes-${this.runnerId}`);
  }

  async prepareJob(job: JobRequest): Promise<JobWorkspace> {
    const image = job.image ?? this.options.defaultImage;
    if (image === undefined) throw new Error(`job "${job.jobKey}" names no image, and the kubernetes executor has no default image`);
    if ((job.services ?? []).length > 0) throw new Error(`job "${job.jobKey}" has services; the kubernetes executor does not run services (use the docker executor)`);
    const bundle = await packWorkspace(job.workspaceDir, job.jobKey);
    const namePrefix = `deploylite-r${job.runId}-${nameSegment(job.jobKey, 24)}-${randomBytes(3).toString('hex')}`;
    const labels = labelsFor({ runnerId: this.runnerId, runId: job.runId, jobKey: job.jobKey });
    try {
      await this.core.createNamespacedConfigMap({
        namespace: this.namespace,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: namePrefix, labels, annotations: { 'deploylite.job-key': job.jobKey } }, binaryData: { [BUNDLE_KEY]: bundle.toString('base64') } },
      });
    } catch (thrown) {
      throw new Error(`job "${job.jobKey}": could not create the workspace ConfigMap in namespace ${this.namespace} at ${this.options.kubeConfig.server}: ${apiMessage(thrown)}`);
    }
    mkdirSync(this.scratchRoot, { recursive: true, mode: 0o700 });
    const scratchDir = mkdtempSync(join(this.scratchRoot, `r${job.runId}-`));
    const workspace: JobWorkspace = { job, dir: job.workspaceDir };
    this.jobs.set(workspace, { image, bundle: namePrefix, scratchDir, namePrefix, stepJobs: [] });
    return workspace;
  }

  async runStep(workspace: JobWorkspace, step: StepCommand, io: StepIO, signal: AbortSignal): Promise<StepOutcome> {
    const state = this.jobs.get(workspace);
    if (state === undefined) throw new Error(`kubernetes executor: job "${workspace.job.jobKey}" was not prepared by this executor`);
    if (signal.aborted) return notRun({ cancelled: true });
    const shell = await resolveShell(step.shell, { bash: async () => 'bash', python: async () => 'python3' });
    if (typeof shell === 'string') return notRun({ error: shell });

    const index = state.stepJobs.length + 1;
    const name = `${state.namePrefix}-s${index}`;
    const marker = `::deploylite-${randomBytes(8).toString('hex')}::`;
    const labels = labelsFor({ runnerId: this.runnerId, runId: workspace.job.runId, jobKey: workspace.job.jobKey });
    const manifest = stepJob({
      name,
      namespace: this.namespace,
      image: state.image,
      labels,
      annotations: { 'deploylite.job-key': workspace.job.jobKey, 'deploylite.step': String(index) },
      bundleConfigMap: state.bundle,
      step,
      shell,
      cwd: podDirectory(workspace.dir, step.workingDirectory),
      marker,
      ttlSecondsAfterFinished: this.options.ttlSecondsAfterFinished ?? 600,
      limits: this.options.limits ?? DEFAULT_LIMITS,
    });
    try {
      await this.batch.createNamespacedJob({ namespace: this.namespace, body: manifest });
    } catch (thrown) {
      return notRun({ error: `the step's Job could not be created: ${apiMessage(thrown)}` });
    }
    state.stepJobs.push(name);
    this.running.add(name);

    let stoppedFor: 'timeout' | 'cancel' | undefined;
    let wakeStopped: () => void = () => {};
    const stoppedSignal = new Promise<void>((wake) => (wakeStopped = wake));
    const stop = (reason: 'timeout' | 'cancel') => {
      if (stoppedFor !== undefined) return;
      stoppedFor = reason;
      wakeStopped();
    };
    const onAbort = () => stop('cancel');
    signal.addEventListener('abort', onAbort, { once: true });
    const timeoutTimer = step.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), step.timeoutMs) : undefined;
    const reader = new StepLogReader(marker, (line) => io.onLine('stdout', line));
    try {
      const started = await Promise.race([this.waitForStart(name, () => stoppedFor !== undefined), stoppedSignal.then(() => undefined)]);
      if (started?.kind === 'failed') return notRun({ error: started.message });
      if (started !== undefined) await this.followLog(started.pod, reader, stoppedSignal);
      if (stoppedFor !== undefined) {
        await this.deleteJob({ name, propagationPolicy: 'Foreground' });
        return notRun({ timedOut: stoppedFor === 'timeout', cancelled: stoppedFor === 'cancel' });
      }
      const exit = await Promise.race([this.waitForExit(name, started?.pod ?? ''), stoppedSignal.then(() => undefined)]);
      if (exit === undefined) {
        await this.deleteJob({ name, propagationPolicy: 'Foreground' });
        return notRun({ timedOut: stoppedFor === 'timeout', cancelled: stoppedFor === 'cancel' });
      }
      return this.outcome(state, index, reader, exit);
    } finally {
      this.running.delete(name);
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timeoutTimer);
    }
  }

  async cleanupJob(workspace: JobWorkspace): Promise<void> {
    const state = this.jobs.get(workspace);
    if (state === undefined) return;
    this.jobs.delete(workspace);
    await Promise.all([
      ...state.stepJobs.map((name) => this.deleteJob({ name, propagationPolicy: 'Background' })),
      this.deleteConfigMap(state.bundle),
    ]);
    rmSync(state.scratchDir, { recursive: true, force: true });
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

  /** A second Ctrl-C: asks the cluster to delete every running step's Job, without waiting. */
  killAll(): void {
    for (const name of this.running) void this.deleteJob({ name, propagationPolicy: 'Background' });
  }

  private async removeLabelled(labelSelector: string): Promise<{ jobs: string[]; configMaps: string[] }> {
    const inUse = new Set(this.running);
    const jobs = (await this.batch.listNamespacedJob({ namespace: this.namespace, labelSelector })).items
      .map((job) => job.metadata?.name ?? '')
      .filter((name) => name !== '' && !inUse.has(name));
    const configMaps = (await this.core.listNamespacedConfigMap({ namespace: this.namespace, labelSelector })).items.map((map) => map.metadata?.name ?? '').filter((name) => name !== '');
    await Promise.all([...jobs.map((name) => this.deleteJob({ name, propagationPolicy: 'Foreground' })), ...configMaps.map((name) => this.deleteConfigMap(name))]);
    return { jobs, configMaps };
  }

  /** Polls the Job's pod until its step container runs (or already ended), or the pod failed before it could. */
  private async waitForStart(jobName: string, stopped: () => boolean): Promise<PodStart> {
    while (!stopped()) {
      const pod = await this.podOf(jobName);
      if (pod !== undefined) {
        const failedInit = (pod.status?.initContainerStatuses ?? []).find((status) => (status.state?.terminated?.exitCode ?? 0) !== 0);
        if (failedInit !== undefined) {
          const terminated = failedInit.state?.terminated;
          return { kind: 'failed', message: `the pod's workspace could not be prepared: init container exited with ${terminated?.exitCode ?? '?'}${terminated?.message ? ` (${terminated.message.trim()})` : ''}` };
        }
        const phase = pod.status?.phase;
        if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') return { kind: 'started', pod: pod.metadata?.name ?? '' };
        // The init container runs the same image, so a failed pull shows there first.
        const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
        const waiting = statuses.map((status) => status.state?.waiting).find((state) => state?.reason !== undefined && PULL_FAILURES.has(state.reason));
        if (waiting !== undefined) {
          return { kind: 'failed', message: `the step's image could not be pulled: ${waiting.reason ?? ''}${waiting.message ? ` (${waiting.message})` : ''}` };
        }
      }
      await sleep(this.pollMs);
    }
    return { kind: 'failed', message: 'stopped before the pod started' };
  }

  /** Follows the step container's log (`follow=true`) to its end, when the container exits, or until `stopped`. */
  private async followLog(pod: string, reader: StepLogReader, stopped: Promise<void>): Promise<void> {
    const splitter = new LineSplitter((line) => reader.line(line));
    let controller: AbortController | undefined;
    let stop = false;
    await new Promise<void>((done, fail) => {
      void stopped.then(() => {
        stop = true;
        controller?.abort();
        done();
      });
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          splitter.push(chunk);
          callback();
        },
        final(callback) {
          splitter.end();
          callback();
          done();
        },
      });
      this.logs.log(this.namespace, pod, STEP_CONTAINER, sink, { follow: true }).then(
        (abort) => {
          controller = abort;
          if (stop) abort.abort();
        },
        (thrown: unknown) => fail(new Error(`the step's log could not be read: ${apiMessage(thrown)}`)),
      );
    }).finally(() => controller?.abort());
  }

  /** Polls until the pod ended; its step container's exit code, or null with the reason when there is none. */
  private async waitForExit(jobName: string, podName: string): Promise<{ exitCode: number | null; reason?: string }> {
    for (;;) {
      const pod = (await this.podOf(jobName)) ?? (await this.readPod(podName));
      if (pod === undefined) return { exitCode: null, reason: "the step's pod was deleted from outside" };
      const terminated = (pod.status?.containerStatuses ?? []).find((status) => status.name === STEP_CONTAINER)?.state?.terminated;
      if (terminated !== undefined && (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed')) {
        return { exitCode: terminated.exitCode, ...(terminated.reason === 'OOMKilled' ? { reason: 'the step was killed for using too much memory (OOMKilled)' } : {}) };
      }
      await sleep(this.pollMs);
    }
  }

  private outcome(state: JobState, index: number, reader: StepLogReader, exit: { exitCode: number | null; reason?: string }): StepOutcome {
    const report = reader.report();
    const base = join(state.scratchDir, `step-${index}`);
    const files = { script: `${base}.sh`, output: `${base}.output`, env: `${base}.env`, path: `${base}.path` };
    writeFileSync(files.output, report.files.output);
    writeFileSync(files.env, report.files.env);
    writeFileSync(files.path, report.files.path);
    const commands = readCommandFiles(files);
    const warnings = [...commands.warnings, ...(report.complete ? [] : ["the step's log ended before its command files were reported; outputs may be missing"])];
    return {
      exitCode: exit.exitCode,
      timedOut: false,
      cancelled: false,
      ...(exit.reason !== undefined ? { error: exit.reason } : {}),
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


