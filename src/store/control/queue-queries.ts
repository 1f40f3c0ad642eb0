import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { NewQueueItem, QueueItem } from '../control-store.js';
import { toQueueItem } from './row-mappers.js';
import type { ControlDatabase } from './schema.js';

// Stored JSON for `unknown` values: undefined has no JSON text, so it is kept as null.
const json = (value: unknown): string => JSON.stringify(value ?? null);

/**
 * The durable job queue: queued → leased → done (or archived by a re-run), and leased →
 * queued again when a lease is lost. Every transition is one conditional UPDATE whose
 * affected-row count tells the caller whether it won, so several server processes can share
 * one PostgreSQL without locks held across round trips. The hot queries (listQueued, claim,
 * expiredLeases) each read one index: job_queue_queued, the primary key, job_queue_leased.
 */
export class QueueQueries {
  constructor(private readonly db: Kysely<ControlDatabase>) {}

  async enqueue(item: NewQueueItem): Promise<QueueItem> {
    const row = await this.db
      .insertInto('job_queue')
      .values({
        run_id: item.runId,
        job_key: item.jobKey,
        project_id: item.projectId,
        labels: JSON.stringify(item.labels),
        priority: item.priority,
        status: 'queued',
        payload: json(item.payload),
        lease_id: null,
        runner_id: null,
        lease_expires_at: null,
        lease_attempt: 1,
        log_cursor: 0,
        cancel_requested: 0,
        result: null,
        created_at: item.createdAt,
        assigned_at: null,
        finished_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toQueueItem(row);
  }

  async findQueueItem(runId: number, jobKey: string): Promise<QueueItem | undefined> {
    const row = await this.db
      .selectFrom('job_queue')
      .selectAll()
      .where('run_id', '=', runId)
      .where('job_key', '=', jobKey)
      .where('status', '!=', 'archived')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toQueueItem(row);
  }

  async getQueueItem(id: number): Promise<QueueItem | undefined> {
    const row = await this.db.selectFrom('job_queue').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toQueueItem(row);
  }

  async getQueueItemByLease(leaseId: string): Promise<QueueItem | undefined> {
    const row = await this.db.selectFrom('job_queue').selectAll().where('lease_id', '=', leaseId).executeTakeFirst();
    return row && toQueueItem(row);
  }

  /** Payloads are not read: a poll looks at up to 200 candidates and takes a few. */
  async listQueued(limit: number): Promise<QueueItem[]> {
    if (limit <= 0) return [];
    const rows = await this.db
      .selectFrom('job_queue')
      .select(['id', 'run_id', 'job_key', 'project_id', 'labels', 'priority', 'status', 'lease_id', 'runner_id', 'lease_expires_at', 'lease_attempt', 'log_cursor', 'cancel_requested', 'created_at', 'assigned_at', 'finished_at'])
      .where('status', '=', 'queued')
      .orderBy('priority', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => toQueueItem({ ...row, payload: 'null', result: null }));
  }

  async countLeasedByProject(): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('job_queue')
      .select((eb) => ['project_id as key', eb.fn.countAll<number>().as('count')])
      .where('status', '=', 'leased')
      .groupBy('project_id')
      .execute();
    return new Map(rows.map((row) => [row.key, Number(row.count)]));
  }

  async countLeasedByRunner(): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('job_queue')
      .select((eb) => ['runner_id as key', eb.fn.countAll<number>().as('count')])
      .where('status', '=', 'leased')
      .where('runner_id', 'is not', null)
      .groupBy('runner_id')
      .execute();
    return new Map(rows.map((row) => [row.key as number, Number(row.count)]));
  }

  async queueDepth(): Promise<number> {
    const { count } = await this.db
      .selectFrom('job_queue')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('status', '=', 'queued')
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  async claim(id: number, lease: { leaseId: string; runnerId: number; expiresAt: number; now: number }): Promise<boolean> {
    const result = await this.db
      .updateTable('job_queue')
      .set({ status: 'leased', lease_id: lease.leaseId, runner_id: lease.runnerId, lease_expires_at: lease.expiresAt, assigned_at: lease.now })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Claims every still-queued item of `ids` in one statement (one commit, however many), each
   * with the lease id `<leasePrefix>.<item id>`. Returns the items won.
   */
  async claimMany(
    ids: readonly number[],
    lease: { leasePrefix: string; runnerId: number; expiresAt: number; now: number },
  ): Promise<{ id: number; leaseId: string; payload: unknown }[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable('job_queue')
      .set({
        status: 'leased',
        lease_id: sql<string>`${lease.leasePrefix} || '.' || cast(id as text)`,
        runner_id: lease.runnerId,
        lease_expires_at: lease.expiresAt,
        assigned_at: lease.now,
      })
      .where('id', 'in', [...ids])
      .where('status', '=', 'queued')
      .returning(['id', 'lease_id', 'payload'])
      .execute();
    return rows.map((row) => ({ id: Number(row.id), leaseId: row.lease_id as string, payload: JSON.parse(row.payload) as unknown }));
  }

  async extendLeases(runnerId: number, leaseIds: readonly string[], expiresAt: number): Promise<string[]> {
    if (leaseIds.length === 0) return [];
    const rows = await this.db
      .updateTable('job_queue')
      .set({ lease_expires_at: expiresAt })
      .where('lease_id', 'in', leaseIds)
      .where('runner_id', '=', runnerId)
      .where('status', '=', 'leased')
      .returning('lease_id')
      .execute();
    return rows.map((row) => row.lease_id as string);
  }

  async extendAllLeases(expiresAt: number): Promise<void> {
    await this.db
      .updateTable('job_queue')
      .set({ lease_expires_at: expiresAt })
      .where('status', '=', 'leased')
      .where('lease_expires_at', '<', expiresAt)
      .execute();
  }

  async cancelRequestedFor(runnerId: number, leaseIds: readonly string[]): Promise<string[]> {
    if (leaseIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('job_queue')
      .select('lease_id')
      .where('lease_id', 'in', leaseIds)
      .where('runner_id', '=', runnerId)
      .where('status', '=', 'leased')
      .where('cancel_requested', '=', 1)
      .execute();
    return rows.map((row) => row.lease_id as string);
  }

  async requestCancel(id: number): Promise<void> {
    await this.db
      .updateTable('job_queue')
      .set({ cancel_requested: 1 })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'leased'])
      .execute();
  }

  async finishQueued(id: number, result: unknown, now: number): Promise<boolean> {
    const update = await this.db
      .updateTable('job_queue')
      .set({ status: 'done', result: json(result), finished_at: now })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return update.numUpdatedRows > 0n;
  }

  /** The item keeps its lease id and runner, so a late report of the same lease can be recognised. */
  async completeLease(leaseId: string, result: unknown, now: number): Promise<boolean> {
    const update = await this.db
      .updateTable('job_queue')
      .set({ status: 'done', result: json(result), finished_at: now })
      .where('lease_id', '=', leaseId)
      .where('status', '=', 'leased')
      .executeTakeFirst();
    return update.numUpdatedRows > 0n;
  }

  async expiredLeases(now: number): Promise<QueueItem[]> {
    const rows = await this.db
      .selectFrom('job_queue')
      .selectAll()
      .where('status', '=', 'leased')
      .where('lease_expires_at', '<', now)
      .orderBy('lease_expires_at')
      .execute();
    return rows.map(toQueueItem);
  }

  /**
   * A cancel requested meanwhile is kept (cancel_requested is not reset), so the next runner
   * that claims the item is told to stop at its first poll.
   */
  async requeue(id: number, leaseId: string): Promise<boolean> {
    const update = await this.db
      .updateTable('job_queue')
      .set((eb) => ({
        status: 'queued',
        lease_id: null,
        runner_id: null,
        lease_expires_at: null,
        assigned_at: null,
        lease_attempt: eb('lease_attempt', '+', 1),
        log_cursor: 0,
      }))
      .where('id', '=', id)
      .where('lease_id', '=', leaseId)
      .where('status', '=', 'leased')
      .executeTakeFirst();
    return update.numUpdatedRows > 0n;
  }

  async archiveQueueItems(runId: number, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db
      .updateTable('job_queue')
      .set({ status: 'archived' })
      .where('run_id', '=', runId)
      .where('job_key', 'in', keys)
      .execute();
  }
}
