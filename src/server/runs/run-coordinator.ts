import type { Clock, Diagnostic, Logger } from '../../core/index.js';
import { coerceError, ConflictError, formatDiagnostic, InvalidRequestError, NotFoundError } from '../../core/index.js';
import type { EngineEvent, JobRecord, RunStatus } from '../../engine/index.js';
import { FINAL_JOB_STATUSES, runPipeline } from '../../engine/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import { buildGraph, interpolate, jobSecrets } from '../../pipeline/index.js';
import type { JobResult } from '../../protocol/index.js';
import type { ControlStore, ProjectRecord, ServerRunRecord, TriggerInfo } from '../../store/index.js';
import type { WorkflowEvent } from '../../workflows/index.js';
import { isWorkflowEvent, repositoryOf, resolveInputs, serverGithubContext, serverRunContext, storedPayload } from '../../workflows/index.js';
import type { GitMirrors } from '../git/git-mirror.js';
import type { LogHub } from '../logs/log-hub.js';
import type { ServerMetrics } from '../metrics.js';
import { createRemoteDispatcher } from '../scheduler/remote-dispatcher.js';
import { ActiveSecrets } from './active-secrets.js';
import type { AssignmentSealer } from '../scheduler/sealed-assignment.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { TriggerEvent } from '../triggers/index.js';
import type { CompiledProjectPipeline, ProjectPipelineFile } from './project-pipelines.js';
import { compileProjectPipeline, readProjectPipelines } from './project-pipelines.js';
import { updateSchedules } from './project-schedules.js';

/** Where runs read their commit and pipeline files, and webhooks their changed files: the server's Git mirrors. */
export type PipelineSource = Pick<GitMirrors, 'resolve' | 'readFile' | 'listFolder' | 'changedFiles'>;

export interface RunCoordinatorOptions {
  readonly store: ControlStore;
  readonly scheduler: Scheduler;
  readonly mirrors: PipelineSource;
  readonly logs: LogHub;
  readonly metrics: ServerMetrics;
  readonly clock: Clock;
  readonly logger: Logger;
  /** An empty directory: job-level `hashFiles()` on the server sees no files. */
  readonly workspaceDir: string;
  readonly secrets: SecretSource;
  /** Told when this process changed a run or one of its jobs (the live run stream). */
  readonly onRunChanged?: (runId: number) => void;
}

/**
 * Where jobs get their secrets (the SecretVault): names of a project's secrets, values by
 * name, and sealing of what a queued job carries.
 */
export interface SecretSource extends AssignmentSealer {
  list(projectId: number): Promise<readonly { readonly name: string }[]>;
  resolve(projectId: number, environment: string | null, names: readonly string[]): Promise<Record<string, string>>;
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
  /** Webhooks and schedules: whether the pipeline's `on:` filters want this event; no run when false. */
  readonly accept?: (pipeline: Pipeline) => boolean | Promise<boolean>;
  /**
   * For GitHub workflows: `github.event_name` and `github.event` (a webhook's payload). Without
   * it a manual run is a `workflow_dispatch` and a scheduled one a `schedule`.
   */
  readonly workflowEvent?: { readonly name: string; readonly payload: Readonly<Record<string, unknown>> };
  /** Manual runs of a project with a folder of workflows: the one to run, by file name or path. */
  readonly workflow?: string;
  /** Manual runs of a GitHub workflow: `workflow_dispatch` inputs as given, checked against its `inputs:`. */
  readonly inputs?: Readonly<Record<string, string>>;
}

const MAX_ERROR_DIAGNOSTICS = 10;
const FINISHED: ReadonlySet<RunStatus> = new Set(['success', 'failed', 'cancelled']);

/**
 * The life of server runs: a trigger resolves its commit, reads and compiles the pipeline
 * at that commit and stores the run; driving it runs the engine with a remote dispatcher,
 * so every job goes through the scheduler to a runner. Runs in one `concurrency` group run
 * one at a time (GitHub Actions' semantics): whether a run of a group starts or waits is
 * decided by the store in one transaction with the check, so simultaneous triggers, retries
 * and finishing runs never start two. After a restart, `recover` drives every run that was
 * running again, attaching to the jobs it had queued, and starts what waits in free groups.
 *
 * A run is driven by one process: the one that triggered, retried, promoted or recovered it.
 * Its driver is in-process state (`active`); cancelling a run driven by another server
 * process is best effort (see `cancel`).
 */
export class RunCoordinator {
  private readonly active = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private stopping = false;
  /** Secret values of the runs driven here: what runners send back is masked with them too. */
  readonly activeSecrets = new ActiveSecrets();

  constructor(private readonly options: RunCoordinatorOptions) {}

  /** Starts a run; null when `request.accept` declined the event (nothing is stored then). */
  async trigger(project: ProjectRecord, request: TriggerRequest): Promise<ServerRunRecord | null> {
    return (await this.triggerAll(project, request))[0] ?? null;
  }

  /**
   * Starts one run per pipeline of the project that wants the event: one when its
   * `pipeline_path` is a file, one per matching workflow when it is a folder of GitHub
   * workflows (GitHub starts every workflow whose `on:` matches). A pipeline that does not
   * compile gets a failed run saying why, as a single file does. Manual runs start one
   * pipeline: `request.workflow`, or the only one that accepts manual runs.
   */
  async triggerAll(project: ProjectRecord, request: TriggerRequest): Promise<ServerRunRecord[]> {
    const { mirrors, clock } = this.options;
    const ref = request.ref ?? project.defaultBranch;
    const sha = await mirrors.resolve(project.id, project.repository, ref, request.sha);
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
    const found = await readProjectPipelines(mirrors, project.id, sha, project.pipelinePath);
    if (found.kind === 'missing') return [await this.storeFailed({ ...base, name: project.name, source: '', error: `${found.reason} (${ref})` })];
    if (ref === project.defaultBranch || ref === `refs/heads/${project.defaultBranch}`) {
      await this.readSchedules(project, found.files.flatMap((entry) => (entry.compiled.pipeline ? [entry.compiled.pipeline] : [])));
    }
    const runs: ServerRunRecord[] = [];
    for (const entry of this.chooseFiles(found.files, request)) {
      // A cron fires for the workflows that list it; a broken sibling lists none (its failed run came with its push).
      if (!entry.compiled.pipeline && request.trigger.kind === 'schedule' && found.files.length > 1) continue;
      const run = await this.startFile(project, request, { ...base, file: entry.file }, entry);
      if (run) runs.push(run);
    }
    return runs;
  }

  /** The files a trigger considers: all for events; for a manual run, the one asked for or the only candidate. */
  private chooseFiles(files: readonly ProjectPipelineFile[], request: TriggerRequest): readonly ProjectPipelineFile[] {
    if (request.workflow !== undefined) {
      const wanted = request.workflow.replace(/^\.\//, '');
      const chosen = files.filter((entry) => entry.file === wanted || entry.file.endsWith(`/${wanted}`));
      if (chosen.length !== 1) {
        throw new InvalidRequestError(`no pipeline "${request.workflow}" (the project has: ${files.map((entry) => entry.file).join(', ')})`, 'workflow', 'run.unknown-workflow');
      }
      return chosen;
    }
    if (request.trigger.kind !== 'manual' || files.length === 1) return files;
    const manual = files.filter((entry) => entry.compiled.pipeline?.triggers.manual === true);
    if (manual.length === 1) return manual;
    const names = (manual.length > 0 ? manual : files).map((entry) => entry.file).join(', ');
    throw new InvalidRequestError(`the project has several pipelines; name the one to run with "workflow" (deployctl run --workflow FILE): ${names}`, 'workflow', 'run.workflow-required');
  }

  /** Stores and starts the run of one pipeline file, unless the event does not concern it. */
  private async startFile(
    project: ProjectRecord,
    request: TriggerRequest,
    base: Omit<Parameters<ControlStore['createServerRun']>[0], 'status' | 'concurrencyGroup' | 'cancelInProgress' | 'name' | 'source' | 'error'>,
    entry: ProjectPipelineFile,
  ): Promise<ServerRunRecord | null> {
    const { store } = this.options;
    const { pipeline } = entry.compiled;
    if (!pipeline) return this.storeFailed({ ...base, name: project.name, source: entry.source, error: invalidPipeline(entry.compiled.diagnostics) });
    if (request.accept && !(await request.accept(pipeline))) return null;
    const event = this.workflowEventOf(project, request, entry.compiled, base.ref);
    const options = event ? { ...base.options, event: event as unknown as Record<string, unknown> } : base.options;
    const github = event && serverGithubContext({ event, runId: 0, attempt: 1, workflowName: pipeline.name, workflowPath: entry.file, sha: base.sha, ref: base.ref });
    const group = this.concurrencyGroup(pipeline, base.ref, base.sha, base.options.vars, request, github);
    const fields = { ...base, options, name: pipeline.name, source: entry.source, cancelInProgress: group?.cancelInProgress ?? false, error: null };
    const run = group
      ? await store.createGroupedRun({ ...fields, concurrencyGroup: group.name })
      : await store.createServerRun({ ...fields, concurrencyGroup: null, status: 'running' });
    if (run.concurrencyGroup !== null) await this.makeRoom(run, 'older');
    if (run.status === 'running') this.drive(run, pipeline);
    return run;
  }

  /**
   * A GitHub workflow's event, stored with its run: the webhook's payload, or one shaped like
   * GitHub's for a dispatch or a schedule. A manual run needs `on: workflow_dispatch` and
   * valid inputs (GitHub's rules: required, boolean/choice/number, defaults), else it is a 400;
   * inputs given to a native pipeline are refused rather than ignored.
   */
  private workflowEventOf(project: ProjectRecord, request: TriggerRequest, compiled: CompiledProjectPipeline, ref: string): WorkflowEvent | undefined {
    const given = request.inputs ?? {};
    const workflow = compiled.workflow;
    if (!workflow) {
      if (Object.keys(given).length > 0) throw new InvalidRequestError('inputs are for GitHub workflows with "on: workflow_dispatch"; a DeployLite pipeline takes variables', 'inputs', 'run.invalid-inputs');
      return undefined;
    }
    const file = compiled.pipeline?.file ?? project.pipelinePath;
    const actor = request.trigger.actor ?? 'unknown';
    const hostPayload = request.workflowEvent?.payload;
    const repository = fullNameOf(hostPayload) ?? repositoryOf(project.repository) ?? `deploylite/${project.name}`;
    const owner = repository.split('/')[0] ?? '';
    const common = { repository: { full_name: repository, name: repository.split('/')[1] ?? '', owner: { login: owner } }, sender: { login: actor } };
    if (request.trigger.kind === 'manual' && !request.workflowEvent) {
      if (!workflow.events.includes('workflow_dispatch')) {
        throw new InvalidRequestError(`${file} has no "on: workflow_dispatch": GitHub starts it only on ${workflow.events.join(', ') || 'no event'}`, 'workflow', 'run.not-dispatchable');
      }
      const resolved = resolveInputs(workflow.dispatchInputs, given);
      if (resolved.problems.length > 0) throw new InvalidRequestError(`${file}: ${resolved.problems.join('; ')}`, 'inputs', 'run.invalid-inputs');
      const fullRef = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
      return { name: 'workflow_dispatch', payload: { ref: fullRef, inputs: resolved.inputs, workflow: file, ...common }, actor, repository, inputs: resolved.inputs };
    }
    if (Object.keys(given).length > 0) throw new InvalidRequestError('inputs are given only to manual runs (workflow_dispatch)', 'inputs', 'run.invalid-inputs');
    const name = request.workflowEvent?.name ?? request.trigger.event ?? request.trigger.kind;
    const payload = hostPayload ? storedPayload(hostPayload) : request.trigger.kind === 'schedule' ? { schedule: request.trigger.event ?? '', ...common } : common;
    return { name: request.trigger.kind === 'schedule' ? 'schedule' : name, payload, actor, repository, inputs: {} };
  }

  /**
   * The files a webhook's push or pull request changed, for `paths` filters: a diff in the
   * mirror (the push's `before..after`, or the pull request's `base...head` as GitHub's
   * three-dot diff), else the files the push payload lists, else unknown (undefined).
   */
  async changedFiles(projectId: number, event: TriggerEvent): Promise<readonly string[] | undefined> {
    const { mirrors } = this.options;
    if (event.name === 'push') return (event.before ? await mirrors.changedFiles(projectId, event.before, event.sha) : undefined) ?? event.pushedFiles;
    return event.baseSha ? mirrors.changedFiles(projectId, event.baseSha, event.sha, true) : undefined;
  }

  /**
   * A run driven here is aborted: its driver cancels its jobs and stores the outcome. A
   * pending run is cancelled at once. A running run that no driver in this process holds
   * (another server process drives it, or none does) has its jobs stopped through the store
   * and is marked cancelled; a driver elsewhere only learns of it from its jobs' results.
   */
  async cancel(runId: number): Promise<ServerRunRecord> {
    const { store, clock } = this.options;
    const run = await this.getRun(runId);
    if (FINISHED.has(run.status)) throw new ConflictError(`run ${runId} already finished (${run.status})`, 'run.finished');
    if (this.abortDriver(runId)) return this.getRun(runId);
    if (await store.updateRunIf(runId, ['pending'], { status: 'cancelled', finishedAt: clock.now() })) {
      this.runChanged(runId);
      return this.getRun(runId);
    }
    // It was running, or was started between the read and the update: by this process or another.
    if (!this.abortDriver(runId) && (await store.updateRunIf(runId, ['running'], { status: 'cancelled', finishedAt: clock.now() }))) {
      await this.abandonJobs(runId, 'cancelled');
      this.runChanged(runId);
      if (run.concurrencyGroup !== null) void this.startNextSafely(run.projectId, run.concurrencyGroup);
    }
    return this.getRun(runId);
  }

  /**
   * Re-runs the failed/cancelled jobs (or `jobKey`) and every job that needs them, in the same
   * run. Only a finished run can be retried, and the change is conditional on that: of two
   * retries at once one wins, the other is a ConflictError. A run of a concurrency group
   * waits as 'pending' while another run of its group runs (or cancels it, with
   * cancel-in-progress), like a newly triggered one.
   */
  async retry(runId: number, jobKey?: string): Promise<ServerRunRecord> {
    const { store } = this.options;
    const run = await this.getRun(runId);
    if (this.active.has(runId) || !FINISHED.has(run.status)) {
      throw new ConflictError(`run ${runId} is still ${run.status}; cancel it or wait for it to finish`, 'run.active');
    }
    const compiled = await this.compileRun(run);
    if (!compiled.pipeline) throw new ConflictError(`run ${runId} has no valid pipeline to run again`, 'run.invalid');
    const jobs = await store.listJobs(runId);
    const roots = jobKey === undefined ? jobs.filter((j) => j.status === 'failed' || j.status === 'cancelled') : jobs.filter((j) => j.key === jobKey);
    if (jobKey !== undefined && roots.length === 0) throw new NotFoundError(`run ${runId} has no job "${jobKey}"`);
    if (roots.length === 0) throw new ConflictError(`run ${runId} has no failed or cancelled jobs to run again`, 'run.nothing-to-retry');
    const reset = this.withDependents(compiled.pipeline, jobs, roots);
    const again = await store.reopenRun(runId, run.attempt, reset);
    if (!again) throw new ConflictError(`run ${runId} was started again by another request meanwhile`, 'run.active');
    this.runChanged(runId);
    if (again.concurrencyGroup !== null) await this.makeRoom(again, 'all');
    if (again.status === 'running') this.drive(again, compiled.pipeline);
    return again;
  }

  /**
   * Drives every run that was running when the server stopped, and starts what waits: a group
   * whose running run finished just before the server stopped (or was killed) would otherwise
   * keep its pending run forever. Another server process sharing the database would drive
   * its runs a second time: see docs/server.md, "Several server processes".
   */
  async recover(): Promise<void> {
    const { store, scheduler, clock } = this.options;
    await scheduler.restoreLeases();
    const runs = await store.listServerRuns({ statuses: ['running'], limit: 10_000 });
    for (const run of runs.reverse()) {
      const compiled = await this.compileRun(run);
      if (compiled.pipeline) this.drive(run, compiled.pipeline);
      else await store.updateRunIf(run.id, ['running'], { status: 'failed', finishedAt: clock.now(), error: invalidPipeline(compiled.diagnostics) });
    }
    const pending = await store.listServerRuns({ statuses: ['pending'], limit: 10_000 });
    const groups = new Map<string, { projectId: number; group: string }>();
    for (const run of pending) {
      if (run.concurrencyGroup !== null) groups.set(JSON.stringify([run.projectId, run.concurrencyGroup]), { projectId: run.projectId, group: run.concurrencyGroup });
    }
    for (const { projectId, group } of groups.values()) await this.startNextSafely(projectId, group);
  }

  /** A stored run's pipeline compiled again, its workflow's `uses: ./PATH` actions read at the run's commit. */
  compileRun(run: ServerRunRecord): Promise<CompiledProjectPipeline> {
    return compileProjectPipeline(run.source, run.file, { mirrors: this.options.mirrors, projectId: run.projectId, sha: run.sha });
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
      if (event.type !== 'log:line') this.runChanged(run.id);
    };
    const done = (async () => {
      const repository = (await store.getProject(run.projectId))?.repository ?? '';
      const secrets = await this.jobSecrets(run, pipeline);
      const values = [...secrets.values()].flatMap((record) => Object.values(record));
      this.activeSecrets.add(values);
      const result = await runPipeline({
        pipeline,
        source: run.source,
        store,
        jobs: {
          dispatch: createRemoteDispatcher(store, scheduler, {
            run,
            repository,
            priority: 0,
            sealer: this.options.secrets,
          }),
        },
        workspaceDir: this.options.workspaceDir,
        // The scheduler and the runners' capacity bound what runs at once, not the driver.
        parallel: 100_000,
        vars: run.options.vars,
        secretsForJob: (spec) => secrets.get(spec.id) ?? {},
        signal: controller.signal,
        observer,
        attach: run,
        ...this.workflowRunContext(run, pipeline),
      }).finally(() => this.activeSecrets.remove(values));
      this.finished(run, result.run.status, result.jobs.length);
    })()
      .catch((thrown: unknown) => this.driverFailed(run, thrown))
      .catch((thrown: unknown) => logger.error('a broken run cannot be marked failed', { run_id: run.id, error: coerceError(thrown).message }))
      .finally(() => {
        this.active.delete(run.id);
        if (!this.stopping && run.concurrencyGroup) void this.startNextSafely(run.projectId, run.concurrencyGroup);
      });
    this.active.set(run.id, { controller, done });
  }

  /** A GitHub workflow run's `github` and `inputs` contexts and GITHUB_* variables, from the event stored with it. */
  private workflowRunContext(run: ServerRunRecord, pipeline: Pipeline): Pick<Parameters<typeof runPipeline>[0], 'runContext'> {
    const event = run.options.event;
    if (!isWorkflowEvent(event)) return {};
    return {
      runContext: (runId) => serverRunContext({ event, runId, attempt: run.attempt, workflowName: pipeline.name, workflowPath: run.file, sha: run.sha, ref: run.ref }),
    };
  }

  /**
   * Each job's secrets: only those its expressions read (all of the project's when one reads
   * the context by a computed name), with its environment's values over the project's.
   * Read when the run is driven, so a retry sees secrets changed since.
   */
  private async jobSecrets(run: ServerRunRecord, pipeline: Pipeline): Promise<Map<string, Record<string, string>>> {
    const { secrets } = this.options;
    const byJob = new Map<string, Record<string, string>>();
    let everyName: string[] | undefined;
    for (const spec of pipeline.jobs) {
      const read = jobSecrets(spec);
      if (read !== 'all' && read.size === 0) continue;
      const names = read === 'all' ? (everyName ??= [...new Set((await secrets.list(run.projectId)).map((s) => s.name))]) : [...read];
      byJob.set(spec.id, await secrets.resolve(run.projectId, spec.environment ?? null, names));
    }
    return byJob;
  }

  /**
   * The engine or the store broke while driving the run (the engine itself never rejects for
   * failing jobs). Nothing would ever finish the run, so it fails with the reason and its
   * jobs are stopped. A detached coordinator leaves it running: the next server drives it.
   */
  private async driverFailed(run: ServerRunRecord, thrown: unknown): Promise<void> {
    if (this.stopping) return;
    const { store, clock, logger } = this.options;
    const error = coerceError(thrown);
    logger.error('driving a run failed', { run_id: run.id, pipeline: run.name, error: error.message, stack: error.stack });
    if (await store.updateRunIf(run.id, ['running'], { status: 'failed', finishedAt: clock.now(), error: `internal error: ${error.message}` })) {
      this.finished(run, 'failed', 0);
      await this.abandonJobs(run.id, 'failed');
      this.runChanged(run.id);
    }
  }

  /**
   * Stops the unfinished jobs of a run nobody drives any more: queued items end at once,
   * leased ones are told to their runners, and the job records say why.
   */
  private async abandonJobs(runId: number, runStatus: 'cancelled' | 'failed'): Promise<void> {
    const { store, scheduler, clock } = this.options;
    const error = runStatus === 'cancelled' ? 'cancelled: the run was cancelled' : 'cancelled: the run failed (internal error)';
    const result: JobResult = { status: 'cancelled', attempts: 0, exitCode: null, error, outputs: {}, rollbackStatus: null, logLines: 0 };
    for (const job of await store.listJobs(runId)) {
      if (FINAL_JOB_STATUSES.has(job.status)) continue;
      const item = await store.findQueueItem(runId, job.key);
      if (item && item.status !== 'done') await scheduler.cancel(item, result);
      await store.saveJob({ ...job, status: 'cancelled', error, finishedAt: clock.now(), pid: null });
    }
  }

  private abortDriver(runId: number): boolean {
    const active = this.active.get(runId);
    active?.controller.abort();
    return active !== undefined;
  }

  private finished(run: ServerRunRecord, status: string, jobs: number): void {
    const { metrics, clock, logger } = this.options;
    const project = String(run.projectId);
    const started = run.startedAt ?? run.createdAt;
    metrics.pipelineDuration.observe({ project, status }, Math.max(0, clock.now() - started) / 1000);
    if (status === 'failed') metrics.pipelineFailures.inc({ project });
    logger.info('run finished', { run_id: run.id, pipeline: run.name, status, jobs, duration_ms: clock.now() - started });
  }

  private concurrencyGroup(
    pipeline: Pipeline,
    ref: string,
    sha: string,
    vars: Readonly<Record<string, string>>,
    request: TriggerRequest,
    github: Record<string, unknown> | undefined,
  ): { name: string; cancelInProgress: boolean } | undefined {
    const concurrency = pipeline.concurrency;
    if (!concurrency) return undefined;
    const trigger = { ref, sha, kind: request.trigger.kind, event: request.trigger.event ?? request.trigger.kind, ...request.context };
    // A workflow's group is usually `${{ github.workflow }}-${{ github.ref }}`.
    const name = interpolate(concurrency.group, { trigger, vars, env: pipeline.env, ...(github ? { github } : {}) }, { hashFiles: () => '' });
    return name ? { name, cancelInProgress: concurrency.cancelInProgress } : undefined;
  }

  private async runsInGroup(projectId: number, group: string): Promise<ServerRunRecord[]> {
    const runs = await this.options.store.listServerRuns({ projectId, statuses: ['pending', 'running'], limit: 1000 });
    return runs.filter((run) => run.concurrencyGroup === group);
  }

  /**
   * GitHub: one running and one pending run per group; a newer pending run replaces the
   * older, and with cancel-in-progress the running one is cancelled too. `replaces` says which
   * pending runs `run` counts as newer than: those with a smaller id for a triggered run (two
   * triggers at once must not cancel each other), all of them for a retried one. Pending runs
   * go first, so that the running one's end starts `run` and not one it replaces.
   */
  private async makeRoom(run: ServerRunRecord, replaces: 'older' | 'all'): Promise<void> {
    const others = (await this.runsInGroup(run.projectId, run.concurrencyGroup as string)).filter((other) => other.id !== run.id);
    const pending = others.filter((other) => other.status === 'pending' && (replaces === 'all' || other.id < run.id));
    const running = run.cancelInProgress ? others.filter((other) => other.status === 'running') : [];
    for (const other of [...pending, ...running]) {
      await this.options.store.setRunError(other.id, `cancelled: run ${run.id} of the same concurrency group replaced it`);
      await this.cancel(other.id).catch((thrown: unknown) => {
        // A run that finished meanwhile needs no room made; anything else is worth a line.
        if (!(thrown instanceof ConflictError)) this.options.logger.warn('cancelling a replaced run failed', { run_id: other.id, error: coerceError(thrown).message });
      });
    }
  }

  /**
   * Starts the group's oldest pending run when none of the group runs (the store decides,
   * atomically). A pending run whose pipeline no longer compiles (stored by an older version)
   * fails with the diagnostics, and the next one is tried, so the group never sticks.
   */
  private async startNextInGroup(projectId: number, group: string): Promise<void> {
    const { store, clock } = this.options;
    for (;;) {
      const next = await store.startNextPending(projectId, group);
      if (!next) return;
      this.runChanged(next.id);
      const compiled = await this.compileRun(next);
      if (compiled.pipeline) return this.drive(next, compiled.pipeline);
      await store.updateRunIf(next.id, ['running'], { status: 'failed', finishedAt: clock.now(), error: invalidPipeline(compiled.diagnostics) });
      this.runChanged(next.id);
    }
  }

  /** startNextInGroup that logs its failure instead of rejecting (the next finishing run or start tries again). */
  private startNextSafely(projectId: number, group: string): Promise<void> {
    return this.startNextInGroup(projectId, group).catch((thrown: unknown) =>
      this.options.logger.error('starting the next run of a concurrency group failed', { project_id: projectId, group, error: coerceError(thrown).message }),
    );
  }

  /**
   * The default branch's pipeline is the source of the project's cron schedules: every run of
   * it (a push, a manual or scheduled run) makes them follow the file. Failing to store them
   * does not stop the run.
   */
  private async readSchedules(project: ProjectRecord, pipelines: readonly Pipeline[]): Promise<void> {
    await updateSchedules(this.options.store, project.id, pipelines, this.options.clock.now()).catch((thrown: unknown) =>
      this.options.logger.warn('storing schedules failed', { project: project.name, error: coerceError(thrown).message }),
    );
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

  private runChanged(runId: number): void {
    this.options.onRunChanged?.(runId);
  }

  private async getRun(runId: number): Promise<ServerRunRecord> {
    const run = await this.options.store.getServerRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} does not exist`);
    return run;
  }
}

/** A run's error for a pipeline that does not compile: its first error diagnostics. */
function invalidPipeline(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').slice(0, MAX_ERROR_DIAGNOSTICS);
  return `the pipeline is invalid:\n${errors.map(formatDiagnostic).join('\n')}`;
}

/** `repository.full_name` of a host's payload (GitHub, Gitea), or GitLab's `project.path_with_namespace`. */
function fullNameOf(payload: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const pick = (holder: unknown, key: string) => {
    const value = typeof holder === 'object' && holder !== null ? (holder as Record<string, unknown>)[key] : undefined;
    return typeof value === 'string' && value.includes('/') ? value : undefined;
  };
  return pick(payload?.repository, 'full_name') ?? pick(payload?.project, 'path_with_namespace');
}
