import { randomUUID } from 'node:crypto';
import type { Clock, Logger } from '../../core/index.js';
import { coerceError, ConflictError } from '../../core/index.js';
import type { JobAssignment, JobResult, LogBatch, LogBatchResponse, PollRequest, PollResponse } from '../../protocol/index.js';
import type { ControlStore, NewQueueItem, QueueItem, RunnerRecord } from '../../store/index.js';
import type { LogHub } from '../logs/log-hub.js';
import type { ServerMetrics } from '../metrics.js';
import type { Wakeups } from './wakeups.js';
import { topics } from './wakeups.js';

export interface SchedulerOptions {
  readonly store: ControlStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly logs: LogHub;
  readonly wakeups: Wakeups;
  /** A lease not listed by a poll for this long is lost. */
  readonly leaseTtlMs: number;
  /** What happens to the job of a lost lease: run again by another runner, or fail. */
  readonly onLeaseLost: 'requeue' | 'fail';
  /** Re-queues per job before a lost lease fails it anyway. */
  readonly maxRequeues: number;
  /**
   * How often the items that dispatchers wait for are read back from the store, all in one
   * statement, for the changes another server process made to them (this process's own
   * changes reach the dispatchers at once). Default 5000.
   */
  readonly watchSweepMs?: number;
}

/** The assignment as queued: everything but the lease, which exists only once leased. */
export type QueuedAssignment = Omit<JobAssignment, 'leaseId'>;

/** What a dispatcher waiting for an item learns of it (see `waitForChange`). */
export type ItemState = Pick<QueueItem, 'status' | 'result' | 'assignedAt'>;

const DEFAULT_WATCH_SWEEP_MS = 5_000;

/** Queued items read per page: a few times the free slots leaves room for items project limits skip. */
const pageSize = (free: number): number => Math.min(200, free * 5 + 20);

/**
 * Claim rounds per poll. A round wins fewer items than it picked only when concurrent polls
 * claimed them first (they all read the same oldest items), so every lost round is another
 * runner's gain; the bound only caps one poll's work when many runners poll at once.
 */
const CLAIM_ROUNDS = 8;

/**
 * The durable job queue and the runner side of the protocol: runners long-poll for work
 * that matches their labels and free slots (FIFO within a priority, per-project limits),
 * hold it under a lease that each poll extends, stream logs and report a result. A lease
 * that expires is re-queued as a new attempt (or failed). All state is in the store; the
 * in-process wake-ups only make waiting short.
 */
export class Scheduler {
  /** Items dispatchers wait for, with how many wait for each. */
  private readonly watched = new Map<number, number>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: SchedulerOptions) {}

  async enqueue(item: NewQueueItem): Promise<QueueItem> {
    const queued = await this.options.store.enqueue(item);
    this.options.wakeups.signal(topics.newWork);
    return queued;
  }

  async poll(runner: RunnerRecord, request: PollRequest, signal: AbortSignal): Promise<PollResponse> {
    const { store, clock, leaseTtlMs } = this.options;
    const deadline = clock.now() + Math.min(request.waitMs ?? 0, leaseTtlMs / 2);
    for (;;) {
      const now = clock.now();
      await store.touchRunner(runner.id, now);
      const valid = await store.extendLeases(runner.id, request.running, now + leaseTtlMs);
      const validSet = new Set(valid);
      const lost = request.running.filter((lease) => !validSet.has(lease));
      const cancel = await store.cancelRequestedFor(runner.id, valid);
      const jobs = request.free > 0 && !signal.aborted ? await this.assign(runner, request.free) : [];
      if (jobs.length > 0 && signal.aborted) {
        await this.unclaim(runner, jobs);
        return { jobs: [], cancel, lost, leaseTtlMs };
      }
      const remaining = deadline - clock.now();
      if (jobs.length > 0 || cancel.length > 0 || lost.length > 0 || remaining <= 0 || signal.aborted) {
        return { jobs, cancel, lost, leaseTtlMs };
      }
      await this.options.wakeups.wait([topics.newWork, topics.runner(runner.id)], Math.min(remaining, 1000), signal);
    }
  }

  async acceptLogs(runner: RunnerRecord, leaseId: string, batch: LogBatch): Promise<LogBatchResponse> {
    const appended = await this.options.store.appendLeaseLog(leaseId, batch.offset, batch.lines, runner.id);
    if (!appended) throw leaseGone(leaseId);
    const [first] = appended.stored;
    if (first) this.options.logs.publish(first.runId, first.jobKey, appended.stored);
    return { accepted: appended.accepted };
  }

  /** Finishes the lease's item with the result; a step summary is kept with the job, not in the queue. */
  async acceptResult(runner: RunnerRecord, leaseId: string, result: JobResult): Promise<void> {
    const { store, clock } = this.options;
    const { summary, ...rest } = result;
    const done = await store.completeHeldLease(runner.id, leaseId, rest, clock.now());
    if (!done) throw leaseGone(leaseId);
    try {
      // Before the change is announced, so that a run seen finished has its summaries.
      const item = summary !== undefined ? await store.getQueueItemByLease(leaseId) : undefined;
      if (item && summary !== undefined) await store.saveJobSummary(item.runId, item.jobKey, summary, clock.now());
    } finally {
      this.changed(done.id, { status: 'done', result: rest, assignedAt: done.assignedAt });
    }
  }

  /**
   * Resolves with the item's state when it may have changed: at once when this process leased
   * or finished it, else at the next periodic read of the watched items (another server
   * process may have). The state may be the one the caller knows already. Undefined when that
   * read failed: the caller reads the item itself, and learns why if it fails again.
   */
  async waitForChange(itemId: number): Promise<ItemState | undefined> {
    this.watched.set(itemId, (this.watched.get(itemId) ?? 0) + 1);
    // Not unref'd, like the timers it replaces: a dispatcher left waiting when the store
    // closes learns so at the next sweep (see sweepWatched) instead of waiting forever.
    this.sweeper ??= setInterval(() => void this.sweepWatched(), this.options.watchSweepMs ?? DEFAULT_WATCH_SWEEP_MS);
    try {
      return (await this.options.wakeups.wait([topics.item(itemId)])) as ItemState | undefined;
    } finally {
      const left = (this.watched.get(itemId) ?? 1) - 1;
      if (left > 0) this.watched.set(itemId, left);
      else this.watched.delete(itemId);
      if (this.watched.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }
  }

  /** Stops an item: a queued one is done at once, a leased one is told to its runner. */
  async cancel(item: QueueItem, result: JobResult): Promise<void> {
    const { store, clock, wakeups } = this.options;
    if (item.status === 'queued' && (await store.finishQueued(item.id, result, clock.now()))) {
      this.changed(item.id, { status: 'done', result, assignedAt: null });
      return;
    }
    await store.requestCancel(item.id);
    const current = await store.getQueueItem(item.id);
    if (current?.status === 'queued' && (await store.finishQueued(item.id, result, clock.now()))) {
      this.changed(item.id, { status: 'done', result, assignedAt: null });
    } else if (current?.runnerId !== null && current?.runnerId !== undefined) {
      wakeups.signal(topics.runner(current.runnerId));
    }
  }

  /** Leases whose runner stopped polling: re-queue their jobs (a new attempt) or fail them. */
  async reapExpiredLeases(): Promise<void> {
    const { store, clock, logger, metrics, logs, wakeups } = this.options;
    for (const item of await store.expiredLeases(clock.now())) {
      const leaseId = item.leaseId as string;
      const runner = item.runnerId !== null ? await store.getRunner(item.runnerId) : undefined;
      const who = runner ? `runner "${runner.name}"` : 'its runner';
      const requeue = this.options.onLeaseLost === 'requeue' && !item.cancelRequested && item.leaseAttempt <= this.options.maxRequeues;
      const now = clock.now();
      // Both writes check the lease is still expired: the runner may have polled since the read.
      if (requeue && (await store.requeue(item.id, leaseId, now))) {
        const text = `${who} stopped responding; the job is queued again (attempt ${item.leaseAttempt + 1})`;
        logs.publish(item.runId, item.jobKey, await store.appendJobLog(item.runId, item.jobKey, [{ stream: 'system', time: now, text }]));
        metrics.leasesExpired.inc({ outcome: 'requeued' });
        logger.warn('lease expired; job re-queued', { run_id: item.runId, job: item.jobKey, runner_id: item.runnerId });
        wakeups.signal(topics.newWork);
      } else if (!requeue) {
        const error = item.cancelRequested ? `cancelled (${who} stopped responding)` : `${who} stopped responding`;
        const result: JobResult = {
          status: item.cancelRequested ? 'cancelled' : 'failed',
          attempts: 0,
          exitCode: null,
          error,
          outputs: {},
          rollbackStatus: null,
          logLines: item.logCursor,
        };
        if (await store.finishExpiredLease(leaseId, result, now)) {
          metrics.leasesExpired.inc({ outcome: item.cancelRequested ? 'cancelled' : 'failed' });
          this.changed(item.id, { status: 'done', result, assignedAt: item.assignedAt });
        }
      }
    }
  }

  /** After a restart, leases get a full term again: runners could not poll while it was down. */
  async restoreLeases(): Promise<void> {
    await this.options.store.extendAllLeases(this.options.clock.now() + this.options.leaseTtlMs);
  }

  /**
   * Claims the oldest queued items this runner may take (labels, free slots, project limits):
   * one commit per poll rather than one per job. While no project with a limit has a slot
   * left to count down, the store picks and claims in one statement, which concurrent polls
   * cannot interleave with. Otherwise the items are picked here, project by project, and
   * claimed; another round only when a concurrent poll claimed some of them first.
   */
  private async assign(runner: RunnerRecord, free: number): Promise<JobAssignment[]> {
    const jobs: JobAssignment[] = [];
    for (let round = 0; round < CLAIM_ROUNDS && jobs.length < free; round++) {
      const slotsLeft = await this.options.store.projectSlotsLeft();
      if (![...slotsLeft.values()].some((left) => left > 0)) {
        const full = [...slotsLeft.keys()];
        jobs.push(...(await this.claimNext(runner, free - jobs.length, full)));
        break;
      }
      const picked = await this.pick(runner, free - jobs.length, slotsLeft);
      if (picked.length === 0) break;
      const won = await this.claim(runner, picked);
      jobs.push(...won);
      if (won.length === picked.length) break;
    }
    return jobs;
  }

  /** Up to `wanted` of the oldest items the runner may take, outside the `full` projects, picked and claimed at once. */
  private async claimNext(runner: RunnerRecord, wanted: number, full: readonly number[]): Promise<JobAssignment[]> {
    const { store, clock, leaseTtlMs } = this.options;
    const now = clock.now();
    const won = await store.claimNext(
      wanted,
      { labels: runner.labels, excludeProjects: full },
      { leasePrefix: randomUUID(), runnerId: runner.id, expiresAt: now + leaseTtlMs, now },
    );
    return won.map((claim) => this.assigned(claim, now));
  }

  /**
   * At most `wanted` queued items in queue order that the runner may take. The store leaves out
   * items needing labels the runner lacks and projects already at their limit; a project that
   * reaches its limit within this pick is left out of the next page. Pages on until enough are
   * picked or the queue is exhausted, so no number of older items the runner cannot take
   * hides one it can.
   */
  private async pick(runner: RunnerRecord, wanted: number, slotsLeft: Map<number, number>): Promise<QueueItem[]> {
    const { store } = this.options;
    const full = new Set([...slotsLeft].filter(([, left]) => left <= 0).map(([projectId]) => projectId));
    const limit = pageSize(wanted);
    const picked: QueueItem[] = [];
    let after: { priority: number; id: number } | undefined;
    while (picked.length < wanted) {
      const page = await store.listQueued(limit, { labels: runner.labels, excludeProjects: [...full], after });
      for (const item of page) {
        if (picked.length >= wanted) break;
        const left = slotsLeft.get(item.projectId);
        if (left !== undefined && left <= 0) continue;
        if (left !== undefined) slotsLeft.set(item.projectId, left - 1);
        if (left === 1) full.add(item.projectId);
        picked.push(item);
      }
      const last = page.at(-1);
      if (page.length < limit || last === undefined) break;
      after = { priority: last.priority, id: last.id };
    }
    return picked;
  }

  /** Claims `picked` for the runner in one statement; returns the assignments of those it won. */
  private async claim(runner: RunnerRecord, picked: readonly QueueItem[]): Promise<JobAssignment[]> {
    const { store, clock, leaseTtlMs } = this.options;
    const now = clock.now();
    const won = await store.claimMany(
      picked.map((item) => item.id),
      { leasePrefix: randomUUID(), runnerId: runner.id, expiresAt: now + leaseTtlMs, now },
    );
    const claims = new Map(won.map((claim) => [claim.id, claim]));
    const jobs: JobAssignment[] = [];
    for (const item of picked) {
      const claim = claims.get(item.id);
      if (claim !== undefined) jobs.push(this.assigned({ ...claim, createdAt: item.createdAt }, now));
    }
    return jobs;
  }

  /** A claim won at `now`: measured, told to the item's dispatcher, and made the runner's assignment. */
  private assigned(claim: { id: number; leaseId: string; payload: unknown; createdAt: number }, now: number): JobAssignment {
    this.options.metrics.schedulerLatency.observe(Math.max(0, now - claim.createdAt) / 1000);
    this.changed(claim.id, { status: 'leased', result: null, assignedAt: now });
    return { ...(claim.payload as QueuedAssignment), leaseId: claim.leaseId };
  }

  /** Wakes the item's dispatcher (in this process) with its new state. */
  private changed(itemId: number, state: ItemState): void {
    this.options.wakeups.signal(topics.item(itemId), state);
  }

  /** One read of every watched item; an item no longer stored is reported archived. */
  private async sweepWatched(): Promise<void> {
    const ids = [...this.watched.keys()];
    let states: Map<number, ItemState> | undefined;
    try {
      states = await this.options.store.queueItemStates(ids);
    } catch (thrown) {
      this.options.logger.warn('could not read the state of waiting jobs', { error: coerceError(thrown).message });
    }
    for (const id of ids) this.options.wakeups.signal(topics.item(id), states && (states.get(id) ?? { status: 'archived', result: null, assignedAt: null }));
  }

  /**
   * The runner hung up while its poll was claiming: it will never hear of these jobs, so they
   * go back to the queue for the next poll instead of waiting, leased, for the lease to expire.
   */
  private async unclaim(runner: RunnerRecord, jobs: readonly JobAssignment[]): Promise<void> {
    const returned = await this.options.store.unclaim(jobs.map((job) => job.leaseId));
    this.options.logger.info('poll aborted; its jobs are queued again', { runner_id: runner.id, jobs: returned });
    this.options.wakeups.signal(topics.newWork);
  }
}

function leaseGone(leaseId: string): ConflictError {
  return new ConflictError(`lease ${leaseId} is no longer held by this runner`, 'lease.gone');
}
