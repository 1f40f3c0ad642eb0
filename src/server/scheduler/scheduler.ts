import { randomUUID } from 'node:crypto';
import type { Clock, Logger } from '../../core/index.js';
import { ConflictError } from '../../core/index.js';
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
}

/** The assignment as queued: everything but the lease, which exists only once leased. */
export type QueuedAssignment = Omit<JobAssignment, 'leaseId'>;

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
    await this.ownLease(runner, leaseId);
    const appended = await this.options.store.appendLeaseLog(leaseId, batch.offset, batch.lines);
    if (!appended) throw leaseGone(leaseId);
    const item = await this.options.store.getQueueItemByLease(leaseId);
    if (item && appended.stored.length > 0) this.options.logs.publish(item.runId, item.jobKey, appended.stored);
    return { accepted: appended.accepted };
  }

  async acceptResult(runner: RunnerRecord, leaseId: string, result: JobResult): Promise<void> {
    const item = await this.ownLease(runner, leaseId);
    if (!(await this.options.store.completeLease(leaseId, result, this.options.clock.now()))) throw leaseGone(leaseId);
    this.options.wakeups.signal(topics.item(item.id));
  }

  /** Waits until the item changes (leased, done) or `timeoutMs` passes; the caller re-reads it. */
  waitForChange(itemId: number, timeoutMs: number): Promise<void> {
    return this.options.wakeups.wait([topics.item(itemId)], timeoutMs);
  }

  /** Stops an item: a queued one is done at once, a leased one is told to its runner. */
  async cancel(item: QueueItem, result: JobResult): Promise<void> {
    const { store, clock, wakeups } = this.options;
    if (item.status === 'queued' && (await store.finishQueued(item.id, result, clock.now()))) {
      wakeups.signal(topics.item(item.id));
      return;
    }
    await store.requestCancel(item.id);
    const current = await store.getQueueItem(item.id);
    if (current?.status === 'queued' && (await store.finishQueued(item.id, result, clock.now()))) {
      wakeups.signal(topics.item(item.id));
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
          wakeups.signal(topics.item(item.id));
        }
      }
    }
  }

  /** After a restart, leases get a full term again: runners could not poll while it was down. */
  async restoreLeases(): Promise<void> {
    await this.options.store.extendAllLeases(this.options.clock.now() + this.options.leaseTtlMs);
  }

  /**
   * Picks the oldest queued items this runner may take (labels, free slots, project limits)
   * and claims them in one statement: one commit per poll rather than one per job. Another
   * round only when a concurrent poll claimed some of them first.
   */
  private async assign(runner: RunnerRecord, free: number): Promise<JobAssignment[]> {
    const jobs: JobAssignment[] = [];
    for (let round = 0; round < CLAIM_ROUNDS && jobs.length < free; round++) {
      const picked = await this.pick(runner, free - jobs.length);
      if (picked.length === 0) break;
      const won = await this.claim(runner, picked);
      jobs.push(...won);
      if (won.length === picked.length) break;
    }
    return jobs;
  }

  /**
   * At most `wanted` queued items in queue order that the runner may take. The store leaves out
   * items needing labels the runner lacks and projects already at their limit; a project that
   * reaches its limit within this pick is left out of the next page. Pages on until enough are
   * picked or the queue is exhausted, so no number of older items the runner cannot take
   * hides one it can.
   */
  private async pick(runner: RunnerRecord, wanted: number): Promise<QueueItem[]> {
    const { store } = this.options;
    const slotsLeft = await store.projectSlotsLeft();
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
    const { store, clock, metrics, leaseTtlMs } = this.options;
    const now = clock.now();
    const won = await store.claimMany(
      picked.map((item) => item.id),
      { leasePrefix: randomUUID(), runnerId: runner.id, expiresAt: now + leaseTtlMs, now },
    );
    const claims = new Map(won.map((claim) => [claim.id, claim]));
    const jobs: JobAssignment[] = [];
    for (const item of picked) {
      const claim = claims.get(item.id);
      if (claim === undefined) continue;
      metrics.schedulerLatency.observe(Math.max(0, now - item.createdAt) / 1000);
      this.options.wakeups.signal(topics.item(item.id));
      jobs.push({ ...(claim.payload as QueuedAssignment), leaseId: claim.leaseId });
    }
    return jobs;
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

  private async ownLease(runner: RunnerRecord, leaseId: string): Promise<QueueItem> {
    const item = await this.options.store.getQueueItemByLease(leaseId);
    if (!item || item.runnerId !== runner.id || item.status !== 'leased') throw leaseGone(leaseId);
    return item;
  }
}

function leaseGone(leaseId: string): ConflictError {
  return new ConflictError(`lease ${leaseId} is no longer held by this runner`, 'lease.gone');
}
