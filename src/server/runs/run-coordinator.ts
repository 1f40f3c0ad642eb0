import type { Clock, Logger } from '../../core/index.js';
import { coerceError, ConflictError, formatDiagnostic, NotFoundError } from '../../core/index.js';
import type { EngineEvent, JobRecord } from '../../engine/index.js';
import { runPipeline } from '../../engine/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import { buildGraph, compilePipeline, interpolate } from '../../pipeline/index.js';
import type { ControlStore, ProjectRecord, ServerRunRecord, TriggerInfo } from '../../store/index.js';
import type { GitMirrors } from '../git/git-mirror.js';
import type { LogHub } from '../logs/log-hub.js';
import type { ServerMetrics } from '../metrics.js';
import { createRemoteDispatcher } from '../scheduler/remote-dispatcher.js';
import type { Scheduler } from '../scheduler/scheduler.js';

export interface RunCoordinatorOptions {
  readonly store: ControlStore;
  readonly scheduler: Scheduler;
  readonly mirrors: GitMirrors;
  readonly logs: LogHub;
  readonly metrics: ServerMetrics;
  readonly clock: Clock;
  readonly logger: Logger;
  /** An empty directory: job-level `hashFiles()` on the server sees no files. */
  readonly workspaceDir: string;
}

export interface TriggerRequest {
  /** Branch, tag, full ref or commit; the project's default branch when absent. */
  readonly ref?: string;
  /** The commit, when the trigger knows it (webhooks); otherwise `ref` is resolved. */
  readonly sha?: string;
  readonly variables?: Readonly<Record<string, string>>;
  readonly trigger: TriggerInfo;
  /** Extra `trigger` context for expressions (event name, branch, pull request…). */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Webhooks: whether the pipeline's `on:` filters want this event; no run when false. */
  readonly accept?: (pipeline: Pipeline) => boolean;
}

const MAX_ERROR_DIAGNOSTICS = 10;

/**
 * The life of server runs: a trigger resolves its commit, reads and compiles the pipeline
 * at that commit and stores the run; driving it runs the engine with a remote dispatcher,
 * so every job goes through the scheduler to a runner. Runs in one `concurrency` group run
 * one at a time (GitHub Actions' semantics). After a restart, `recover` drives every run
 * that was running again, attaching to the jobs it had queued.
 */
export class RunCoordinator {
  private readonly active = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private stopping = false;

  constructor(private readonly options: RunCoordinatorOptions) {}

  /** Starts a run; null when `request.accept` declined the event (nothing is stored then). */
  async trigger(project: ProjectRecord, request: TriggerRequest): Promise<ServerRunRecord | null> {
    const { store, mirrors, clock } = this.options;
    const ref = request.ref ?? project.defaultBranch;
    const sha = await mirrors.resolve(project.id, project.repository, request.sha ?? ref);
    const vars = { ...(request.variables ?? {}) };
    const base = {
      projectId: project.id,
      file: project.pipelinePath,
      options: { workspaceDir: this.options.workspaceDir, parallel: 0, jobFilter: [], vars, secretNames: [] },
      ref,
      sha,
      trigger: request.trigger,
      createdAt: clock.now(),
    };
    const source = await mirrors.readFile(project.id, sha, project.pipelinePath);
    if (source === undefined) {
      const error = `the pipeline file ${project.pipelinePath} does not exist at ${sha.slice(0, 12)} (${ref})`;
      return this.storeFailed({ ...base, name: project.name, source: '', error });
    }
    const compiled = compilePipeline(source, project.pipelinePath);
    if (!compiled.pipeline) {
      const errors = compiled.diagnostics.filter((d) => d.severity === 'error').slice(0, MAX_ERROR_DIAGNOSTICS);
      const error = `the pipeline is invalid:\n${errors.map(formatDiagnostic).join('\n')}`;
      return this.storeFailed({ ...base, name: project.name, source, error });
    }
    const pipeline = compiled.pipeline;
    if (request.accept && !request.accept(pipeline)) return null;
    const group = this.concurrencyGroup(pipeline, ref, sha, vars, request);
    const busy = group ? await this.runsInGroup(project.id, group.name) : [];
    const run = await store.createServerRun({
      ...base,
      name: pipeline.name,
      source,
      concurrencyGroup: group?.name ?? null,
      cancelInProgress: group?.cancelInProgress ?? false,
      status: busy.length > 0 ? 'pending' : 'running',
      error: null,
    });
    if (group && busy.length > 0) await this.makeRoom(busy, group.cancelInProgress, run.id);
    if (run.status === 'running') this.drive(run, pipeline);
    return run;
  }

  async cancel(runId: number): Promise<ServerRunRecord> {
    const run = await this.getRun(runId);
    const active = this.active.get(runId);
    if (active) {
      active.controller.abort();
    } else if (run.status === 'pending' || run.status === 'running') {
      await this.options.store.updateRun(runId, { status: 'cancelled', finishedAt: this.options.clock.now() });
    } else {
      throw new ConflictError(`run ${runId} already finished (${run.status})`, 'run.finished');
    }
    return this.getRun(runId);
  }

  /** Re-runs the failed/cancelled jobs (or `jobKey`) and every job that needs them, in the same run. */
  async retry(runId: number, jobKey?: string): Promise<ServerRunRecord> {
    const { store } = this.options;
    const run = await this.getRun(runId);
    if (this.active.has(runId) || run.status === 'running' || run.status === 'pending') {
      throw new ConflictError(`run ${runId} is still ${run.status}; cancel it or wait for it to finish`, 'run.active');
    }
    const compiled = compilePipeline(run.source, run.file);
    if (!compiled.pipeline) throw new ConflictError(`run ${runId} has no valid pipeline to run again`, 'run.invalid');
    const jobs = await store.listJobs(runId);
    const roots = jobKey === undefined ? jobs.filter((j) => j.status === 'failed' || j.status === 'cancelled') : jobs.filter((j) => j.key === jobKey);
    if (jobKey !== undefined && roots.length === 0) throw new NotFoundError(`run ${runId} has no job "${jobKey}"`);
    if (roots.length === 0) throw new ConflictError(`run ${runId} has no failed or cancelled jobs to run again`, 'run.nothing-to-retry');
    const reset = this.withDependents(compiled.pipeline, jobs, roots);
    await store.archiveQueueItems(runId, reset);
    await store.deleteJobs(runId, reset);
    await store.updateRun(runId, { status: 'running', attempt: run.attempt + 1, finishedAt: null });
    const again = await this.getRun(runId);
    this.drive(again, compiled.pipeline);
    return again;
  }

  /** Drives every run that was running when the server stopped, and starts what waits. */
  async recover(): Promise<void> {
    await this.options.scheduler.restoreLeases();
    const runs = await this.options.store.listServerRuns({ statuses: ['running'], limit: 10_000 });
    for (const run of runs.reverse()) {
      const compiled = compilePipeline(run.source, run.file);
      if (compiled.pipeline) this.drive(run, compiled.pipeline);
      else await this.options.store.updateRun(run.id, { status: 'failed', finishedAt: this.options.clock.now() });
    }
  }

  /** Stops driving runs without cancelling them: they continue when the server starts again. */
  async detach(): Promise<void> {
    this.stopping = true;
  }

  /** Resolves when the run's driver has finished (tests and shutdown). */
  async settled(runId: number): Promise<void> {
    await this.active.get(runId)?.done;
  }

  private drive(run: ServerRunRecord, pipeline: Pipeline): void {
    const { store, scheduler, logs, logger } = this.options;
    const controller = new AbortController();
    const observer = (event: EngineEvent) => {
      if (event.type === 'job:started' || event.type === 'job:finished') logs.jobChanged(run.id, event.job.key);
    };
    const project = store.getProject(run.projectId);
    const done = (async () => {
      const repository = (await project)?.repository ?? '';
      const result = await runPipeline({
        pipeline,
        source: run.source,
        store,
        jobs: {
          dispatch: createRemoteDispatcher(store, scheduler, {
            run,
            repository,
            priority: 0,
            mask: [],
          }),
        },
        workspaceDir: this.options.workspaceDir,
        // The scheduler and the runners' capacity bound what runs at once, not the driver.
        parallel: 100_000,
        vars: run.options.vars,
        signal: controller.signal,
        observer,
        attach: run,
      });
      this.finished(run, result.run.status, result.jobs);
    })()
      .catch((thrown: unknown) => {
        if (!this.stopping) logger.error('driving a run failed', { run_id: run.id, error: coerceError(thrown).message });
      })
      .finally(() => {
        this.active.delete(run.id);
        if (!this.stopping && run.concurrencyGroup) void this.startNextInGroup(run.projectId, run.concurrencyGroup);
      });
    this.active.set(run.id, { controller, done });
  }

  private finished(run: ServerRunRecord, status: string, jobs: readonly JobRecord[]): void {
    const { metrics, clock, logger } = this.options;
    const project = String(run.projectId);
    const started = run.startedAt ?? run.createdAt;
    metrics.pipelineDuration.observe({ project, status }, Math.max(0, clock.now() - started) / 1000);
    if (status === 'failed') metrics.pipelineFailures.inc({ project });
    logger.info('run finished', { run_id: run.id, pipeline: run.name, status, jobs: jobs.length, duration_ms: clock.now() - started });
  }

  private concurrencyGroup(
    pipeline: Pipeline,
    ref: string,
    sha: string,
    vars: Record<string, string>,
    request: TriggerRequest,
  ): { name: string; cancelInProgress: boolean } | undefined {
    const concurrency = pipeline.concurrency;
    if (!concurrency) return undefined;
    const trigger = { ref, sha, kind: request.trigger.kind, event: request.trigger.event ?? request.trigger.kind, ...request.context };
    const name = interpolate(concurrency.group, { trigger, vars, env: pipeline.env }, { hashFiles: () => '' });
    return name ? { name, cancelInProgress: concurrency.cancelInProgress } : undefined;
  }

  private async runsInGroup(projectId: number, group: string): Promise<ServerRunRecord[]> {
    const runs = await this.options.store.listServerRuns({ projectId, statuses: ['pending', 'running'], limit: 1000 });
    return runs.filter((run) => run.concurrencyGroup === group);
  }

  /** GitHub: one running and one pending per group; a newer pending run replaces the older. */
  private async makeRoom(busy: readonly ServerRunRecord[], cancelInProgress: boolean, newRunId: number): Promise<void> {
    for (const other of busy) {
      if (other.id === newRunId) continue;
      if (other.status === 'pending' || cancelInProgress) {
        await this.options.store.setRunError(other.id, `cancelled: run ${newRunId} of the same concurrency group replaced it`);
        await this.cancel(other.id).catch(() => undefined);
      }
    }
  }

  private async startNextInGroup(projectId: number, group: string): Promise<void> {
    const runs = await this.runsInGroup(projectId, group);
    if (runs.some((run) => run.status === 'running')) return;
    const next = runs.filter((run) => run.status === 'pending').sort((a, b) => a.id - b.id)[0];
    if (!next) return;
    const compiled = compilePipeline(next.source, next.file);
    if (!compiled.pipeline) return;
    await this.options.store.updateRun(next.id, { status: 'running' });
    this.drive({ ...next, status: 'running' }, compiled.pipeline);
  }

  private async storeFailed(
    run: Omit<Parameters<ControlStore['createServerRun']>[0], 'status' | 'concurrencyGroup' | 'cancelInProgress'>,
  ): Promise<ServerRunRecord> {
    const stored = await this.options.store.createServerRun({ ...run, status: 'failed', concurrencyGroup: null, cancelInProgress: false });
    await this.options.store.updateRun(stored.id, { finishedAt: this.options.clock.now() });
    return { ...stored, finishedAt: this.options.clock.now() };
  }

  /** The roots themselves (not their matrix siblings that succeeded) and every instance of a job that needs them. */
  private withDependents(pipeline: Pipeline, jobs: readonly JobRecord[], roots: readonly JobRecord[]): string[] {
    const graph = buildGraph(pipeline.jobs).graph;
    const reached = new Set(roots.map((job) => job.jobId));
    const dependents = new Set<string>();
    for (const id of graph?.order ?? []) {
      if (graph?.needs.get(id)?.some((need) => reached.has(need))) {
        reached.add(id);
        dependents.add(id);
      }
    }
    const keys = new Set(roots.map((job) => job.key));
    return jobs.filter((job) => keys.has(job.key) || dependents.has(job.jobId)).map((job) => job.key);
  }

  private async getRun(runId: number): Promise<ServerRunRecord> {
    const run = await this.options.store.getServerRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} does not exist`);
    return run;
  }
}
