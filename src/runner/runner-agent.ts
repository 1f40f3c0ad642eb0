import { join } from 'node:path';
import type { Clock } from '../core/index.js';
import { CancelledError, coerceError, systemClock, UnauthorizedError, UsageError } from '../core/index.js';
import type { Executor } from '../engine/index.js';
import { combineJobFiles } from '../engine/index.js';
import { JobAssignment, RegisterRunnerRequest } from '../protocol/index.js';
import { backoffDelay } from './backoff.js';
import { LeasedJob } from './leased-job.js';
import { linkSignals } from './link-signals.js';
import type { RunnerCredentials, RunnerRegistration } from './obtain-runner-token.js';
import { obtainRunnerToken } from './obtain-runner-token.js';
import { runnerArtifactFiles } from './artifact-files.js';
import { runnerCacheFiles } from './cache-files.js';
import { ProjectWorkspaces } from './project-workspaces.js';
import type { RunnerLogger } from './runner-logger.js';
import type { PollEnvelope } from './server-client.js';
import { POLL_GRACE_MS, ServerClient } from './server-client.js';

export interface RunnerAgentOptions {
  readonly serverUrl: string;
  readonly registration: RunnerRegistration;
  readonly name: string;
  readonly labels: readonly string[];
  /** Jobs run at the same time. */
  readonly capacity: number;
  /** The runner's version, shown by the server. */
  readonly version: string;
  readonly executor: Executor;
  /**
   * Each job works in a fresh directory under it (`r<run>-<job>-<random>`), removed afterwards; a job that allows
   * `reuse-container` in `projects/p<project>/r<ref hash>/w<n>`, emptied afterwards (see project-workspaces.ts).
   */
  readonly workRoot: string;
  readonly logger: RunnerLogger;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** How long the server may hold a poll; shortened to a third of the lease lifetime. Default 10000. */
  readonly pollWaitMs?: number;
  /** A log line waits at most this long before it is sent (live logs within 100 ms). Default 50. */
  readonly logFlushMs?: number;
  /** Lines per log batch at most. Default 1000. */
  readonly maxBatchLines?: number;
  /** Log lines a job keeps while the server cannot be reached; the rest are counted and dropped. Default 50000. */
  readonly maxBufferedLines?: number;
  /** How long `stop('cancel')` waits for the cancelled jobs to report. Default 10000. */
  readonly cancelWaitMs?: number;
}

export interface RunnerAgent {
  /**
   * Obtains the runner's token (registering once when there is no state file yet), then
   * polls for jobs and runs them until `stop()` has finished. Rejects when the runner
   * cannot run: a damaged state file, a registration or runner token the server rejects.
   */
  start(): Promise<void>;
  /**
   * 'drain': take no new jobs, let the running ones finish and report, then return.
   * 'cancel': stop the running jobs and report them cancelled, waiting `cancelWaitMs` at
   * most. A 'cancel' during a 'drain' cuts it short.
   */
  stop(mode: 'drain' | 'cancel'): Promise<void>;
  /** Known once the runner registered or read its state file; undefined with a bare token. */
  readonly runnerId: number | undefined;
}

export function createRunnerAgent(options: RunnerAgentOptions): RunnerAgent {
  return new PollingRunnerAgent(options);
}

/** Between two polls that brought nothing new, so a server that answers at once is not hammered. */
const IDLE_GAP_MS = 1000;

/**
 * The runner's main loop. Exactly one poll is outstanding at any time; it asks for as many
 * jobs as there are free slots and lists the leases held, which is what keeps them alive —
 * so polls come at least every third of the lease lifetime, even from a runner with nothing
 * to do. A poll asking for jobs is never aborted: the server may have leased jobs to it
 * already, and those would be stranded until their leases expired. A poll with `free: 0`
 * may be, when a slot frees up and the runner wants to ask for work at once.
 */
class PollingRunnerAgent implements RunnerAgent {
  private readonly clock: Clock;
  private readonly client: ServerClient;
  private readonly registerRequest: RegisterRunnerRequest;
  private readonly jobs = new Map<string, LeasedJob>();
  /** `reuse-container` jobs work in a directory per project under the work root, so warm containers find them. */
  private readonly projectWorkspaces: ProjectWorkspaces;
  /** Aborts everything still being retried: registration, results, logs. */
  private readonly shutdown = new AbortController();
  private credentials: RunnerCredentials | undefined;
  private running: Promise<void> | undefined;
  private stopMode: 'drain' | 'cancel' | undefined;
  private fatal: Error | undefined;
  private leaseTtlMs: number | undefined;
  private poll: { readonly controller: AbortController; readonly free: number } | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: RunnerAgentOptions) {
    const request = RegisterRunnerRequest.safeParse({ name: options.name, labels: options.labels, capacity: options.capacity, version: options.version });
    if (!request.success) {
      const issue = request.error.issues[0];
      throw new UsageError(`invalid runner ${issue?.path.join('.') || 'settings'}: ${issue?.message ?? 'invalid'}`);
    }
    this.registerRequest = request.data;
    this.clock = options.clock ?? systemClock;
    this.client = new ServerClient({ serverUrl: options.serverUrl, fetch: options.fetch ?? fetch, clock: this.clock, logger: options.logger });
    this.projectWorkspaces = new ProjectWorkspaces(join(options.workRoot, 'projects'));
  }

  get runnerId(): number | undefined {
    return this.credentials?.runnerId;
  }

  start(): Promise<void> {
    if (this.running) return Promise.reject(new UsageError('the runner agent was started already'));
    this.running = this.run();
    return this.running;
  }

  async stop(mode: 'drain' | 'cancel'): Promise<void> {
    if (!this.running) return;
    const previous = this.stopMode;
    this.stopMode = mode === 'cancel' || previous === 'cancel' ? 'cancel' : 'drain';
    // Still registering: there is nothing to drain.
    if (!this.credentials) this.shutdown.abort(new CancelledError('the runner stopped'));
    let deadline: NodeJS.Timeout | undefined;
    if (this.stopMode === 'cancel' && previous !== 'cancel') {
      this.options.logger.info('runner stopping: cancelling its jobs', { jobs: this.jobs.size });
      for (const job of this.jobs.values()) job.cancel('the runner is stopping');
      // Shutting down quickly wins over the jobs a poll in flight might bring: their leases expire and they are re-queued.
      this.poll?.controller.abort();
      deadline = setTimeout(() => this.shutdown.abort(new CancelledError('the runner stopped')), this.options.cancelWaitMs ?? 10_000);
    } else if (previous === undefined) {
      this.options.logger.info('runner draining: taking no new jobs', { jobs: this.jobs.size });
      // A poll asking for jobs gets its answer (the server may have leased jobs to it), but
      // not forever: while the server is unreachable the poll would be retried endlessly.
      const asking = this.poll;
      if (asking && asking.free > 0) deadline = setTimeout(() => asking.controller.abort(), this.waitMs() + POLL_GRACE_MS);
    }
    this.nudge();
    try {
      await this.running;
    } catch {
      // start()'s caller hears about failures.
    } finally {
      clearTimeout(deadline);
    }
  }

  private async run(): Promise<void> {
    try {
      this.credentials = await obtainRunnerToken({
        registration: this.options.registration,
        serverUrl: this.options.serverUrl,
        request: this.registerRequest,
        client: this.client,
        logger: this.options.logger,
        signal: this.shutdown.signal,
      });
    } catch (thrown) {
      if (this.shutdown.signal.aborted) return;
      const error = coerceError(thrown);
      this.options.logger.error(`runner cannot start: ${error.message}`);
      throw error;
    }
    const { name, labels, capacity } = this.registerRequest;
    this.options.logger.info('runner started', { runner_id: this.credentials.runnerId, name, labels, capacity });
    await this.pollLoop(this.credentials.token);
    // Whatever is still retrying (a result the server never took) ends with the runner.
    this.shutdown.abort(new CancelledError('the runner stopped'));
    if (this.fatal) throw this.fatal;
    this.options.logger.info('runner stopped');
  }

  private async pollLoop(token: string): Promise<void> {
    let rejections = 0;
    while (!this.finished()) {
      const free = this.stopMode ? 0 : Math.max(0, this.registerRequest.capacity - this.jobs.size);
      const waitMs = this.waitMs();
      const controller = new AbortController();
      this.poll = { controller, free };
      const startedAt = this.clock.now();
      const linked = linkSignals([controller.signal, this.shutdown.signal]);
      let answer: PollEnvelope;
      try {
        const running = [...this.jobs.values()].filter((job) => job.holdsLease).map((job) => job.leaseId);
        answer = await this.client.poll(token, { free, running, waitMs }, linked.signal);
        rejections = 0;
      } catch (thrown) {
        if (this.shutdown.signal.aborted) break;
        if (controller.signal.aborted) continue;
        if (thrown instanceof UnauthorizedError) {
          this.failFatally(thrown);
          break;
        }
        // The server refused the poll itself (a bug, a proxy in between): all a runner can do is try again later.
        this.options.logger.error('poll refused by the server', { error: coerceError(thrown).message });
        await this.idle(backoffDelay(++rejections) * 2);
        continue;
      } finally {
        linked.release();
        this.poll = undefined;
      }
      const news = this.handle(answer, token);
      if (!news) await this.idle(startedAt + Math.min(IDLE_GAP_MS, waitMs) - this.clock.now());
    }
  }

  private finished(): boolean {
    return this.fatal !== undefined || this.shutdown.signal.aborted || (this.stopMode !== undefined && this.jobs.size === 0);
  }

  /** The server holds the poll this long at most; a third of the lease lifetime leaves room for two misses. */
  private waitMs(): number {
    const wanted = this.options.pollWaitMs ?? 10_000;
    const ttlBound = this.leaseTtlMs !== undefined ? Math.floor(this.leaseTtlMs / 3) : wanted;
    return Math.max(0, Math.min(wanted, ttlBound, 60_000));
  }

  /** Applies a poll's answer; true when it brought anything new. */
  private handle(answer: PollEnvelope, token: string): boolean {
    this.leaseTtlMs = answer.leaseTtlMs;
    let news = false;
    for (const leaseId of answer.lost) {
      const job = this.jobs.get(leaseId);
      if (job?.holdsLease) {
        job.drop('the server no longer holds its lease (it expired)');
        news = true;
      }
    }
    for (const leaseId of answer.cancel) {
      const job = this.jobs.get(leaseId);
      if (job?.holdsLease && !job.cancelRequested) {
        this.options.logger.info('job cancelled by the server', { lease_id: leaseId });
        job.cancel();
        news = true;
      }
    }
    for (const raw of answer.jobs) {
      this.accept(raw, token);
      news = true;
    }
    return news;
  }

  private accept(raw: unknown, token: string): void {
    const parsed = JobAssignment.safeParse(raw);
    if (!parsed.success) return this.refuse(raw, parsed.error.issues, token);
    const assignment = parsed.data;
    if (this.jobs.has(assignment.leaseId)) return;
    const job = new LeasedJob(assignment, {
      runtime: {
        executor: this.options.executor,
        clock: this.clock,
        workRoot: this.options.workRoot,
        projectWorkspaces: this.projectWorkspaces,
        logger: this.options.logger,
        runnerName: this.options.name,
        files: (job) =>
          combineJobFiles(
            runnerCacheFiles({ serverUrl: this.options.serverUrl, token, leaseId: job.leaseId, fetch: this.options.fetch ?? fetch, executorName: this.options.executor.name }),
            runnerArtifactFiles({ client: this.client, token, leaseId: job.leaseId, tempDir: join(this.options.workRoot, 'artifact-uploads'), clock: this.clock }),
          ),
      },
      client: this.client,
      token,
      clock: this.clock,
      logger: this.options.logger,
      logFlushMs: this.options.logFlushMs ?? 50,
      maxBatchLines: this.options.maxBatchLines ?? 1000,
      maxBufferedLines: this.options.maxBufferedLines ?? 50_000,
      shutdown: this.shutdown.signal,
      onTokenRejected: (error) => this.failFatally(error),
    });
    // A job that arrives while cancelling (the poll was on its way) is the runner's all the same: report it cancelled.
    if (this.stopMode === 'cancel') job.cancel('the runner is stopping');
    this.jobs.set(assignment.leaseId, job);
    void job.done.then(() => {
      this.jobs.delete(assignment.leaseId);
      this.nudge();
    });
  }

  /** An assignment that does not follow the protocol fails at once, rather than when its lease expires. */
  private refuse(raw: unknown, issues: readonly { path: readonly PropertyKey[]; message: string }[], token: string): void {
    const problem = issues.map((issue) => `${issue.path.map(String).join('.') || 'assignment'}: ${issue.message}`).join('; ');
    const leaseId = (raw as { leaseId?: unknown } | null)?.leaseId;
    this.options.logger.error('the server sent an invalid job assignment', { lease_id: leaseId, problem });
    if (typeof leaseId !== 'string') return;
    const error = `the runner could not read the job assignment: ${problem}`;
    const result = { status: 'failed', attempts: 0, exitCode: null, error, outputs: {}, rollbackStatus: null, logLines: 0 } as const;
    this.client.sendResult(token, leaseId, result, this.shutdown.signal).catch((thrown: unknown) => {
      this.options.logger.warn('could not report the invalid assignment', { lease_id: leaseId, error: coerceError(thrown).message });
    });
  }

  private failFatally(error: UnauthorizedError): void {
    if (this.fatal) return;
    const stateFile = this.options.registration.stateFile;
    const how = stateFile !== undefined ? ` (remove ${stateFile} and start with a registration token)` : '';
    this.fatal = new UnauthorizedError(`runner token rejected by the server; register again${how}`);
    this.options.logger.error(this.fatal.message, { detail: error.message });
    for (const job of this.jobs.values()) job.drop('the server rejected the runner token');
    this.shutdown.abort(this.fatal);
    this.nudge();
  }

  /** Something changed (a slot freed, a stop): end an idle pause, and a poll that cannot bring jobs. */
  private nudge(): void {
    this.wake?.();
    if (this.poll?.free === 0) this.poll.controller.abort();
  }

  private async idle(ms: number): Promise<void> {
    if (ms <= 0 || this.finished()) return;
    const woken = new AbortController();
    const linked = linkSignals([woken.signal, this.shutdown.signal]);
    this.wake = () => woken.abort();
    try {
      await this.clock.sleep(ms, linked.signal);
    } catch {
      // Woken early: that is the point.
    } finally {
      linked.release();
      this.wake = undefined;
    }
  }
}
