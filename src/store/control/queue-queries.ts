import type { Expression, Kysely, SqlBool } from 'kysely';
import { sql } from 'kysely';
import { ConflictError } from '../../core/index.js';
import type { ClaimedItem, LeasedJob, NewQueueItem, QueuedFilter, QueueItem, QueueStatus } from '../control-store.js';
import type { ControlDialect } from './control-migrations.js';
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
  constructor(
    private readonly db: Kysely<ControlDatabase>,
    private readonly dialect: ControlDialect,
  ) {}

  /** At most one active item per job of a run (index job_queue_active_job, migration 0002). */
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
      // The predicate names the partial index; written out, not bound, so both planners match it.
      .onConflict((oc) => oc.columns(['run_id', 'job_key']).where(sql<SqlBool>`status in ('queued', 'leased')`).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      throw new ConflictError(`job "${item.jobKey}" of run ${item.runId} is already queued or running`, 'queue.duplicate');
    }
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

  /** Status, result and assignment time of each of `ids` that exists; no payloads. */
  async queueItemStates(ids: readonly number[]): Promise<Map<number, Pick<QueueItem, 'status' | 'result' | 'assignedAt'>>> {
    const states = new Map<number, Pick<QueueItem, 'status' | 'result' | 'assignedAt'>>();
    for (let start = 0; start < ids.length; start += 500) {
      const rows = await this.db
        .selectFrom('job_queue')
        .select(['id', 'status', 'result', 'assigned_at'])
        .where('id', 'in', ids.slice(start, start + 500))
        .execute();
      for (const row of rows) {
        states.set(Number(row.id), {
          status: row.status as QueueStatus,
          result: row.result === null ? null : (JSON.parse(row.result) as unknown),
          assignedAt: row.assigned_at === null ? null : Number(row.assigned_at),
        });
      }
    }
    return states;
  }

  async getQueueItemByLease(leaseId: string): Promise<QueueItem | undefined> {
    const row = await this.db.selectFrom('job_queue').selectAll().where('lease_id', '=', leaseId).executeTakeFirst();
    return row && toQueueItem(row);
  }

  /**
   * Payloads are not read: a poll looks at a page of candidates and takes a few. The filter is
   * applied while the index is read in queue order, so items a runner cannot take (labels it
   * lacks, projects at their limit) never fill its page and hide the ones it can.
   */
  async listQueued(limit: number, filter: QueuedFilter = {}): Promise<QueueItem[]> {
    if (limit <= 0) return [];
    const { labels, excludeProjects = [], after } = filter;
    const rows = await this.db
      .selectFrom('job_queue')
      .select(['id', 'run_id', 'job_key', 'project_id', 'labels', 'priority', 'status', 'lease_id', 'runner_id', 'lease_expires_at', 'lease_attempt', 'log_cursor', 'cancel_requested', 'created_at', 'assigned_at', 'finished_at'])
      .where('status', '=', 'queued')
      .$if(labels !== undefined, (q) => q.where(this.labelsAmong(labels ?? [])))
      .$if(excludeProjects.length > 0, (q) => q.where('project_id', 'not in', [...excludeProjects]))
      .$if(after !== undefined, (q) =>
        q.where((eb) => {
          const { priority, id } = after as { priority: number; id: number };
          return eb.or([eb('priority', '<', priority), eb.and([eb('priority', '=', priority), eb('id', '>', id)])]);
        }),
      )
      .orderBy('priority', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => toQueueItem({ ...row, payload: 'null', result: null }));
  }

  /**
   * Every label of the item (a JSON array) is one of `labels`. One bound parameter however
   * many labels, so the statement's text (and SQLite's prepared statement) is always the same.
   */
  private labelsAmong(labels: readonly string[]): Expression<SqlBool> {
    const offered = JSON.stringify(labels);
    return this.dialect === 'postgres'
      ? sql<SqlBool>`cast(job_queue.labels as jsonb) <@ cast(${offered} as jsonb)`
      : sql<SqlBool>`not exists (
          select 1 from json_each(job_queue.labels) as wanted
          where wanted.value not in (select value from json_each(${offered}))
        )`;
  }

  /** Projects without a limit are not listed; the leased count reads only leased rows (job_queue_leased). */
  async projectSlotsLeft(): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('projects')
      .select((eb) => [
        'id',
        'max_concurrent_jobs',
        eb
          .selectFrom('job_queue')
          .select(eb.fn.countAll<number>().as('leased'))
          .where('job_queue.status', '=', 'leased')
          .whereRef('job_queue.project_id', '=', 'projects.id')
          .as('leased'),
      ])
      .where('max_concurrent_jobs', 'is not', null)
      .execute();
    return new Map(rows.map((row) => [Number(row.id), Number(row.max_concurrent_jobs) - Number(row.leased ?? 0)]));
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

  async listLeasedJobs(): Promise<LeasedJob[]> {
    const rows = await this.db
      .selectFrom('job_queue')
      .select(['runner_id', 'run_id', 'job_key', 'project_id'])
      .where('status', '=', 'leased')
      .where('runner_id', 'is not', null)
      .orderBy('runner_id')
      .orderBy('assigned_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => ({ runnerId: Number(row.runner_id), runId: Number(row.run_id), jobKey: row.job_key, projectId: Number(row.project_id) }));
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

  /**
   * Picks and claims up to `limit` of the oldest queued items the filter lets through, in one
   * statement, so that concurrent polls never pick the same items and lose them to each
   * other: SQLite runs one write at a time, and on PostgreSQL `FOR UPDATE SKIP LOCKED` lets a
   * concurrent claim pass over the rows this one is taking instead of waiting for them and
   * then finding them gone. Returns the items won in queue order.
   *
   * The pick is a materialized CTE, not an `IN (subquery)`: PostgreSQL may rescan such a
   * subquery for each row it updates, and with SKIP LOCKED every rescan picks the next rows,
   * so `limit` would not hold.
   */
  async claimNext(limit: number, filter: QueuedFilter, lease: { leasePrefix: string; runnerId: number; expiresAt: number; now: number }): Promise<ClaimedItem[]> {
    if (limit <= 0) return [];
    const { labels, excludeProjects = [] } = filter;
    const rows = await this.db
      .with(
        (cte) => cte('picked').materialized(),
        (db) =>
          db
            .selectFrom('job_queue')
            .select('id')
            .where('status', '=', 'queued')
            .$if(labels !== undefined, (q) => q.where(this.labelsAmong(labels ?? [])))
            .$if(excludeProjects.length > 0, (q) => q.where('project_id', 'not in', [...excludeProjects]))
            .orderBy('priority', 'desc')
            .orderBy('id')
            .limit(limit)
            .$if(this.dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
      )
      .updateTable('job_queue')
      .set({
        status: 'leased',
        lease_id: sql<string>`${lease.leasePrefix} || '.' || cast(id as text)`,
        runner_id: lease.runnerId,
        lease_expires_at: lease.expiresAt,
        assigned_at: lease.now,
      })
      .where('id', 'in', (eb) => eb.selectFrom('picked').select('picked.id'))
      .where('status', '=', 'queued')
      .returning(['id', 'lease_id', 'payload', 'priority', 'created_at'])
      .execute();
    return rows
      .map((row) => ({ id: Number(row.id), leaseId: row.lease_id as string, payload: JSON.parse(row.payload) as unknown, priority: row.priority, createdAt: Number(row.created_at) }))
      .sort((a, b) => b.priority - a.priority || a.id - b.id);
  }

  /** The attempt and log cursor stay: no runner ever saw these claims. */
  async unclaim(leaseIds: readonly string[]): Promise<number> {
    if (leaseIds.length === 0) return 0;
    const update = await this.db
      .updateTable('job_queue')
      .set({ status: 'queued', lease_id: null, runner_id: null, lease_expires_at: null, assigned_at: null })
      .where('lease_id', 'in', [...leaseIds])
      .where('status', '=', 'leased')
      .executeTakeFirst();
    return Number(update.numUpdatedRows);
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

  /**
   * completeLease that also checks who holds the lease, in the same statement: done only if
   * `runnerId` still holds `leaseId`. Returns the item's id and when it was assigned, or
   * undefined when the lease is not this runner's (any more).
   */
  async completeHeldLease(runnerId: number, leaseId: string, result: unknown, now: number): Promise<{ id: number; assignedAt: number | null } | undefined> {
    const row = await this.db
      .updateTable('job_queue')
      .set({ status: 'done', result: json(result), finished_at: now })
      .where('lease_id', '=', leaseId)
      .where('runner_id', '=', runnerId)
      .where('status', '=', 'leased')
      .returning(['id', 'assigned_at'])
      .executeTakeFirst();
    return row && { id: Number(row.id), assignedAt: row.assigned_at === null ? null : Number(row.assigned_at) };
  }

  /** Re-checks the expiry: the runner may have polled (extending it) since the reaper read it. */
  async finishExpiredLease(leaseId: string, result: unknown, now: number): Promise<boolean> {
    const update = await this.db
      .updateTable('job_queue')
      .set({ status: 'done', result: json(result), finished_at: now })
      .where('lease_id', '=', leaseId)
      .where('status', '=', 'leased')
      .where('lease_expires_at', '<', now)
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
   * that claims the item is told to stop at its first poll. The expiry is checked again: the
   * runner may have polled (extending the lease) since the reaper read it, and is running it.
   */
  async requeue(id: number, leaseId: string, now: number): Promise<boolean> {
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
      .where('lease_expires_at', '<', now)
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
