import type { Clock } from '../core/index.js';
import { coerceError, SecretMasker, systemClock } from '../core/index.js';
import type { Contexts, JobSpec, Pipeline, PipelineGraph } from '../pipeline/index.js';
import { buildGraph, evaluateCondition, interpolate } from '../pipeline/index.js';
import type { EngineObserver } from './events.js';
import type { Executor } from './executor.js';
import type { JobFiles } from './job-files.js';
import { hashFiles } from './hash-files.js';
import { LogSink } from './log-sink.js';
import { expandJobInstances, strategyContext } from './expand-job.js';
import type { JobInstance, JobOutcome, RunJobInput } from './run-job.js';
import { runJob } from './run-job.js';
import type { JobRecord, JobStatus, LogStream, RunRecord, RunStatus, RunStore } from './run-store.js';
import { FINAL_JOB_STATUSES } from './run-store.js';
import { selectJobs } from './select-jobs.js';

export interface RunPipelineInput {
  readonly pipeline: Pipeline;
  /** The pipeline's text, stored with the run so that `resume` compiles the same thing. */
  readonly source: string;
  readonly store: RunStore;
  /**
   * Where job instances run. Either an executor (jobs run in this process, as `deploylite
   * run` does) or a dispatcher that hands each instance to someone else and resolves with
   * its outcome (the server hands them to runners).
   */
  readonly jobs: { readonly executor: Executor; readonly files?: JobFiles } | { readonly dispatch: JobDispatcher };
  readonly workspaceDir: string;
  /** Job instances running at once. */
  readonly parallel: number;
  /** Run only these jobs (and the jobs they need). Empty: all. */
  readonly jobFilter?: readonly string[];
  readonly vars?: Readonly<Record<string, string>>;
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * The `secrets` context of one job, instead of `secrets` (a server gives each job only the
   * secrets it reads, with its environment's values). Every value returned is masked too.
   */
  readonly secretsForJob?: (spec: JobSpec) => Readonly<Record<string, string>>;
  /** Aborting it cancels the run: running steps are stopped, pending jobs are cancelled. */
  readonly signal?: AbortSignal;
  readonly observer?: EngineObserver;
  readonly clock?: Clock;
  /** Continue this stored run instead of starting a new one: its finished jobs are kept. */
  readonly resume?: RunRecord;
  /**
   * Drive a run that was stored by someone else (the server stores a run when it is
   * triggered, and drives it again after a restart): as with `resume`, finished jobs are
   * kept, but it is not a new attempt and nothing is reclaimed.
   */
  readonly attach?: RunRecord;
  /**
   * Contexts and variables every job gets besides the engine's own, computed once the run
   * has its id: a GitHub workflow's `github`, `runner` and `inputs` contexts and its
   * GITHUB_* variables. Pipeline and job `env` override the variables.
   */
  readonly runContext?: (runId: number) => RunContext;
}

export interface RunContext {
  readonly contexts?: Contexts;
  readonly env?: Readonly<Record<string, string>>;
  /** Directories made for the run that every job's steps must see, such as the folder `env` points into (see `JobRequest.hostDirs`). */
  readonly hostDirs?: readonly string[];
}

/**
 * Runs one job instance somewhere else and resolves with its outcome; `input.signal` aborts
 * it. Never rejects for a failing job, only when the dispatcher itself is broken.
 */
export type JobDispatcher = (input: DispatchedJob) => Promise<JobOutcome>;

export interface DispatchedJob extends Omit<RunJobInput, 'executor'> {
  /** Call once when the job leaves the queue and starts somewhere; until then it is pending. */
  readonly onRunning: () => void;
}

export interface RunResult {
  readonly run: RunRecord;
  readonly jobs: readonly JobRecord[];
}

/** `needs.<job>` as GitHub exposes it. */
type NeedResult = 'success' | 'failure' | 'cancelled' | 'skipped';

interface JobState {
  readonly spec: JobSpec;
  /** Every ancestor through `needs`, for the job-level status functions. */
  readonly ancestors: readonly string[];
  instances: JobInstance[];
  unfinished: number;
  result: NeedResult;
  /** Dependents' `success()` is false: the job did not succeed (continue-on-error failures do). */
  blocking: boolean;
  /** Dependents' `failure()` is true: the job failed and was not allowed to. */
  failedHard: boolean;
  outputs: Record<string, string>;
}

/**
 * Runs a pipeline's DAG: a job is decided when every job it needs has finished (its `if:`
 * evaluated with job-level status functions over all its ancestors, its matrix expanded),
 * and its instances start as soon as a slot under `parallel` (and the job's
 * `max-parallel`) is free. Every state change is stored before it is announced.
 */
export async function runPipeline(input: RunPipelineInput): Promise<RunResult> {
  return new PipelineRun(input).execute();
}

class PipelineRun {
  private readonly clock: Clock;
  private readonly masker = new SecretMasker();
  private readonly maskedValues = new Set<string>();
  private readonly sink: LogSink;
  private readonly states = new Map<string, JobState>();
  private readonly records = new Map<string, JobRecord>();
  private readonly stored = new Map<string, JobRecord>();
  private readonly saving = new Map<string, Promise<void>>();
  private readonly queue: JobInstance[] = [];
  private readonly running = new Map<string, AbortController>();
  private readonly runningPerJob = new Map<string, number>();
  private readonly cancelled: AbortController = new AbortController();
  private order: readonly string[] = [];
  private dependents: ReadonlyMap<string, readonly string[]> = new Map();
  private readonly unfinishedNeeds = new Map<string, number>();
  /** Jobs whose needs are all done, in the order they became so; `pump` decides them. */
  private readonly decidable: string[] = [];
  private completedJobs = 0;
  private run!: RunRecord;
  private extra: RunContext = {};
  private done!: () => void;

  constructor(private readonly input: RunPipelineInput) {
    this.clock = input.clock ?? systemClock;
    for (const secret of Object.values(input.secrets ?? {})) this.masker.add(secret);
    Object.values(input.secrets ?? {}).forEach((secret) => this.maskedValues.add(secret));
    this.sink = new LogSink(input.store, this.masker, () => this.clock.now());
  }

  async execute(): Promise<RunResult> {
    const { store, pipeline } = this.input;
    this.run = await this.startRun();
    this.extra = this.input.runContext?.(this.run.id) ?? {};
    const selected = selectJobs(pipeline.jobs, this.input.jobFilter ?? []);
    const graph = buildGraph(selected);
    if (!graph.graph) throw new Error(`dependency cycle: ${graph.cycles[0]?.join(' -> ')}`);
    this.order = graph.graph.order;
    this.dependents = graph.graph.dependents;
    for (const id of this.order) {
      const needs = graph.graph.needs.get(id)?.length ?? 0;
      this.unfinishedNeeds.set(id, needs);
      if (needs === 0) this.decidable.push(id);
    }
    const byId = new Map(selected.map((job) => [job.id, job]));
    for (const id of this.order) {
      this.states.set(id, {
        spec: byId.get(id) as JobSpec,
        ancestors: ancestorsOf(id, graph.graph),
        instances: [],
        unfinished: 0,
        result: 'success',
        blocking: false,
        failedHard: false,
        outputs: {},
      });
    }
    this.input.observer?.({ type: 'run:started', run: this.run });

    const onAbort = () => this.cancelled.abort();
    this.input.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.input.signal?.aborted) this.cancelled.abort();
    try {
      await new Promise<void>((resolve) => {
        this.done = resolve;
        this.pump();
      });
    } finally {
      this.input.signal?.removeEventListener('abort', onAbort);
      await this.sink.flush();
      // Jobs that never started are saved without waiting (finishUnstarted): the run is
      // final only once every job record is, or a reader could see a final run without them.
      await Promise.allSettled(this.saving.values());
    }

    const status = this.finalStatus();
    const finishedAt = this.clock.now();
    await store.updateRun(this.run.id, { status, finishedAt });
    this.run = { ...this.run, status, finishedAt };
    this.input.observer?.({ type: 'run:finished', run: this.run });
    return { run: this.run, jobs: await store.listJobs(this.run.id) };
  }

  private async startRun(): Promise<RunRecord> {
    const { store, resume, attach } = this.input;
    const startedAt = this.clock.now();
    if (attach) {
      for (const job of await store.listJobs(attach.id)) this.stored.set(job.key, job);
      const started = attach.startedAt ?? startedAt;
      await store.updateRun(attach.id, { status: 'running', startedAt: started });
      return { ...attach, status: 'running', startedAt: started };
    }
    if (resume) {
      for (const job of await store.listJobs(resume.id)) this.stored.set(job.key, job);
      const leftovers = [...this.stored.values()].filter((j) => j.status === 'running' && j.pid !== null);
      if ('executor' in this.input.jobs) {
        await this.input.jobs.executor.reclaimRun?.(resume.id, leftovers.map((j) => j.pid as number));
      }
      const attempt = resume.attempt + 1;
      await store.updateRun(resume.id, { status: 'running', attempt, finishedAt: null });
      return { ...resume, status: 'running', attempt, finishedAt: null };
    }
    const run = await store.createRun({
      name: this.input.pipeline.name,
      file: this.input.pipeline.file,
      source: this.input.source,
      options: {
        workspaceDir: this.input.workspaceDir,
        parallel: this.input.parallel,
        jobFilter: [...(this.input.jobFilter ?? [])],
        vars: { ...(this.input.vars ?? {}) },
        secretNames: Object.keys(this.input.secrets ?? {}),
      },
    });
    await store.updateRun(run.id, { status: 'running', startedAt });
    return { ...run, status: 'running', startedAt };
  }

  /**
   * Decides every job whose needs are done, then fills free slots. Resolves when all is done.
   * Counting unfinished needs per job keeps each call proportional to what changed, not to
   * the size of the pipeline (a 500-job run calls it 500 times).
   */
  private pump(): void {
    for (let id = this.decidable.shift(); id !== undefined; id = this.decidable.shift()) {
      this.decide(this.states.get(id) as JobState);
    }
    this.startQueued();
    if (this.running.size === 0 && this.queue.length === 0 && this.completedJobs === this.states.size) {
      this.done();
    }
  }

  private decide(state: JobState): void {
    const { spec } = state;
    const contexts = this.jobContexts(spec, {});
    let instances: JobInstance[];
    try {
      const ancestorStates = state.ancestors.map((id) => this.states.get(id) as JobState);
      const blocked = ancestorStates.some((s) => s.blocking);
      const failed = ancestorStates.some((s) => s.failedHard);
      const runCancelled = this.cancelled.signal.aborted;
      const status = { success: () => !blocked && !runCancelled, failure: () => failed, cancelled: () => runCancelled };
      if (runCancelled) return this.finishUnstarted(state, 'cancelled', 'cancelled before it started');
      if (!evaluateCondition(spec.if, contexts, { status, hashFiles: this.hashFiles })) {
        return this.finishUnstarted(state, 'skipped', null);
      }
      instances = expandJobInstances(spec, contexts, { hashFiles: this.hashFiles });
    } catch (thrown) {
      return this.finishUnstarted(state, 'failed', `${spec.id}: ${coerceError(thrown).message}`);
    }
    state.instances = instances;
    state.unfinished = instances.length;
    for (const instance of instances) {
      const previous = this.stored.get(instance.key);
      if (previous && previous.status !== 'cancelled' && FINAL_JOB_STATUSES.has(previous.status)) {
        // Resume: a job that finished before the CLI was killed keeps its result.
        this.records.set(instance.key, previous);
        this.instanceFinished(state, previous);
      } else {
        // Not stored until it starts: a pending row per instance would cost a commit per job
        // and tell a resumed run nothing it does not recompute.
        this.queue.push(instance);
      }
    }
    if (instances.length === 0) this.completeJob(state);
  }

  /** A job that never starts still gets one record, so reports and `needs` see it. */
  private finishUnstarted(state: JobState, status: JobStatus, error: string | null): void {
    const instance: JobInstance = { spec: state.spec, key: state.spec.id, matrixIndex: null, matrix: null, name: state.spec.name };
    state.instances = [instance];
    state.unfinished = 1;
    const now = this.clock.now();
    const record = { ...this.newRecord(instance, status), error, finishedAt: now, startedAt: status === 'failed' ? now : null };
    if (error) this.sink.write(this.run.id, instance.key, 'system', `✖ ${error}`);
    void this.save(record).then(() => this.input.observer?.({ type: 'job:finished', job: record }));
    this.instanceFinished(state, record);
  }

  private startQueued(): void {
    for (let i = 0; i < this.queue.length && this.running.size < this.input.parallel; ) {
      const instance = this.queue[i] as JobInstance;
      const limit = instance.spec.maxParallel ?? Infinity;
      if ((this.runningPerJob.get(instance.spec.id) ?? 0) >= limit) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.startInstance(instance);
    }
  }

  private startInstance(instance: JobInstance): void {
    const controller = new AbortController();
    this.running.set(instance.key, controller);
    this.runningPerJob.set(instance.spec.id, (this.runningPerJob.get(instance.spec.id) ?? 0) + 1);
    void this.executeInstance(instance, controller)
      .catch((thrown: unknown): JobRecord => {
        // Only a broken store (disk full, database locked for too long) gets here. The
        // instance fails with the reason rather than leaving the run waiting forever.
        const error = `internal error: ${coerceError(thrown).message}`;
        return { ...this.newRecord(instance, 'failed'), error, finishedAt: this.clock.now() };
      })
      .then((record) => {
        this.running.delete(instance.key);
        this.runningPerJob.set(instance.spec.id, (this.runningPerJob.get(instance.spec.id) ?? 1) - 1);
        const state = this.states.get(instance.spec.id) as JobState;
        if (record.status === 'failed' && instance.matrix && instance.spec.failFast && !instance.spec.continueOnError) {
          this.failFast(state, instance);
        }
        this.instanceFinished(state, record);
        this.pump();
      });
  }

  private async executeInstance(instance: JobInstance, controller: AbortController): Promise<JobRecord> {
    const { spec } = instance;
    const signal = AbortSignal.any([this.cancelled.signal, controller.signal]);
    const { jobs } = this.input;
    // A dispatched job is pending until a runner takes it; a local one starts right away.
    const dispatched = 'dispatch' in jobs;
    let record: JobRecord = dispatched ? this.newRecord(instance, 'pending') : { ...this.newRecord(instance, 'running'), startedAt: this.clock.now() };
    await this.save(record);
    const markRunning = () => {
      record = { ...record, status: 'running', startedAt: this.clock.now() };
      void this.save(record).then(() => this.input.observer?.({ type: 'job:started', job: record }));
    };
    if (!dispatched) this.input.observer?.({ type: 'job:started', job: record });
    const contexts = { ...this.jobContexts(spec, instance.matrix ?? {}), strategy: this.strategyOf(instance) };
    const request: DispatchedJob = {
      instance,
      runId: this.run.id,
      clock: this.clock,
      workspaceDir: this.input.workspaceDir,
      ...(this.extra.hostDirs?.length ? { hostDirs: this.extra.hostDirs } : {}),
      contexts,
      env: this.jobEnv(spec, contexts, instance),
      retry: spec.retry ?? this.input.pipeline.defaults.retry,
      timeoutMs: spec.timeoutMs ?? this.input.pipeline.defaults.timeoutMs,
      hashFiles: this.hashFiles,
      signal,
      log: (stream, text) => this.log(record, stream, text),
      onAttempt: (attempt) => {
        record = { ...record, attempts: attempt };
        if (attempt > 1) void this.save(record);
      },
      onStepStart: (pid) => {
        record = { ...record, pid };
        void this.save(record);
      },
      onRunning: () => {
        if (record.status === 'pending') markRunning();
      },
    };
    const outcome: JobOutcome = 'dispatch' in jobs ? await jobs.dispatch(request) : await runJob({ ...request, executor: jobs.executor, ...(jobs.files ? { files: jobs.files } : {}) });
    await this.sink.flush();
    record = {
      ...record,
      status: outcome.status,
      attempts: outcome.attempts,
      exitCode: outcome.exitCode,
      error: outcome.error ? this.masker.mask(outcome.error) : null,
      outputs: this.maskOutputs(outcome.outputs),
      rollbackStatus: outcome.rollbackStatus,
      finishedAt: this.clock.now(),
      pid: null,
    };
    await this.save(record);
    this.input.observer?.({ type: 'job:finished', job: record });
    return record;
  }

  /** GitHub's `fail-fast`: one failed combination cancels the others, queued or running. */
  private failFast(state: JobState, failed: JobInstance): void {
    for (const sibling of state.instances) {
      if (sibling.key === failed.key) continue;
      this.running.get(sibling.key)?.abort();
      const queued = this.queue.indexOf(sibling);
      if (queued >= 0) {
        this.queue.splice(queued, 1);
        const record = {
          ...this.newRecord(sibling, 'cancelled'),
          error: `cancelled: ${failed.name} failed (fail-fast)`,
          finishedAt: this.clock.now(),
        };
        void this.save(record).then(() => this.input.observer?.({ type: 'job:finished', job: record }));
        this.instanceFinished(state, record);
      }
    }
  }

  private instanceFinished(state: JobState, record: JobRecord): void {
    this.records.set(record.key, record);
    state.unfinished--;
    if (state.unfinished === 0) this.completeJob(state);
  }

  /** A job's result for `needs`: failure beats cancelled beats success; all skipped is skipped. */
  private completeJob(state: JobState): void {
    const records = state.instances.map((i) => this.records.get(i.key) as JobRecord);
    const statuses = new Set(records.map((r) => r.status));
    const failed = statuses.has('failed');
    state.result = failed ? 'failure' : statuses.has('cancelled') ? 'cancelled' : statuses.size === 1 && statuses.has('skipped') ? 'skipped' : 'success';
    const tolerated = failed && state.spec.continueOnError && !statuses.has('cancelled');
    state.blocking = state.result !== 'success' && !tolerated;
    state.failedHard = failed && !tolerated;
    state.outputs = Object.assign({}, ...records.map((r) => r.outputs)) as Record<string, string>;
    this.completedJobs++;
    for (const dependent of this.dependents.get(state.spec.id) ?? []) {
      const left = (this.unfinishedNeeds.get(dependent) ?? 1) - 1;
      this.unfinishedNeeds.set(dependent, left);
      if (left === 0) this.decidable.push(dependent);
    }
  }

  private finalStatus(): RunStatus {
    if (this.cancelled.signal.aborted) return 'cancelled';
    const failed = [...this.states.values()].some((s) => s.result === 'failure' && !s.spec.continueOnError);
    const cancelled = [...this.states.values()].some((s) => s.result === 'cancelled');
    return failed ? 'failed' : cancelled ? 'cancelled' : 'success';
  }

  private jobContexts(spec: JobSpec, matrix: Readonly<Record<string, unknown>>): Contexts {
    const needs: Record<string, { result: NeedResult; outputs: Record<string, string> }> = {};
    for (const need of spec.needs) {
      const state = this.states.get(need);
      if (state) needs[need] = { result: state.result, outputs: state.outputs };
    }
    return {
      ...this.extra.contexts,
      env: this.input.pipeline.env,
      matrix,
      needs,
      secrets: this.secretsOf(spec),
      vars: this.input.vars ?? {},
      run: { id: String(this.run.id), attempt: '1' },
      job: { status: 'success' },
    };
  }

  /** The `strategy` context of one instance, among the instances its job was expanded into. */
  private strategyOf(instance: JobInstance): Record<string, unknown> {
    const total = this.states.get(instance.spec.id)?.instances.length ?? 1;
    return strategyContext(instance.spec, instance.matrixIndex ?? 0, total);
  }

  private secretsOf(spec: JobSpec): Readonly<Record<string, string>> {
    if (!this.input.secretsForJob) return this.input.secrets ?? {};
    const secrets = this.input.secretsForJob(spec);
    for (const value of Object.values(secrets)) {
      if (this.maskedValues.has(value)) continue;
      this.maskedValues.add(value);
      this.masker.add(value);
    }
    return secrets;
  }

  /** Pipeline env, then job env (each may use expressions), then DeployLite's own variables. */
  private jobEnv(spec: JobSpec, contexts: Contexts, instance: JobInstance): Record<string, string> {
    const env: Record<string, string> = { CI: 'true', DEPLOYLITE: 'true', ...this.extra.env };
    const host = { hashFiles: this.hashFiles };
    for (const [name, value] of Object.entries(this.input.pipeline.env)) env[name] = interpolate(value, { ...contexts, env }, host);
    for (const [name, value] of Object.entries(spec.env)) env[name] = interpolate(value, { ...contexts, env }, host);
    return {
      ...env,
      DEPLOYLITE_RUN_ID: String(this.run.id),
      DEPLOYLITE_JOB: spec.id,
      DEPLOYLITE_JOB_KEY: instance.key,
      DEPLOYLITE_WORKSPACE: this.input.workspaceDir,
    };
  }

  private readonly hashFiles = (patterns: string[]): string => hashFiles(this.input.workspaceDir, patterns);

  private log(record: JobRecord, stream: LogStream, text: string): void {
    const masked = this.sink.write(this.run.id, record.key, stream, text);
    this.input.observer?.({ type: 'log:line', job: record, stream, text: masked });
  }

  private maskOutputs(outputs: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, this.masker.mask(v)]));
  }

  private newRecord(instance: JobInstance, status: JobStatus): JobRecord {
    return {
      runId: this.run.id,
      key: instance.key,
      jobId: instance.spec.id,
      matrixIndex: instance.matrixIndex,
      matrix: instance.matrix,
      name: this.masker.mask(instance.name),
      status,
      attempts: 0,
      exitCode: null,
      startedAt: null,
      finishedAt: null,
      outputs: {},
      rollbackStatus: null,
      error: null,
      continueOnError: instance.spec.continueOnError,
      pid: null,
    };
  }

  /**
   * Saves of one job are chained: a store with a connection pool could otherwise finish an
   * earlier save (`running`) after a later one (`success`) and leave the wrong state stored.
   */
  private save(record: JobRecord): Promise<void> {
    this.records.set(record.key, record);
    const previous = this.saving.get(record.key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.input.store.saveJob(record));
    this.saving.set(record.key, next);
    return next;
  }
}

function ancestorsOf(id: string, graph: PipelineGraph): string[] {
  const seen = new Set<string>();
  const stack = [...(graph.needs.get(id) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(graph.needs.get(next) ?? []));
  }
  return [...seen];
}
