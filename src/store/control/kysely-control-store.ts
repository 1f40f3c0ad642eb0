import { Migrator, sql } from 'kysely';
import type { Insertable, Kysely } from 'kysely';
import { coerceError, ConflictError, DeployliteError, systemClock } from '../../core/index.js';
import type { Clock } from '../../core/index.js';
import type { JobRecord, LogLine, NewRun, RunRecord } from '../../engine/index.js';
import type {
  ClaimedItem,
  ConditionalRunPatch,
  ControlStore,
  LeasedJob,
  LogLineRecord,
  NewLogLine,
  NewProject,
  NewQueueItem,
  QueuedFilter,
  NewGroupedRun,
  NewServerRun,
  NewToken,
  ProjectRecord,
  QueueItem,
  RunnerRecord,
  RunQuery,
  ScheduleRecord,
  ServerRunRecord,
  TokenRecord,
} from '../control-store.js';
import { controlMigrations } from './control-migrations.js';
import type { ControlDialect } from './control-migrations.js';
import { AuditQueries } from './audit-queries.js';
import { ArtifactQueries } from './artifact-queries.js';
import { ArtifactRetentionQueries } from './artifact-retention-queries.js';
import { CacheQueries } from './cache-queries.js';
import { IdentityQueries } from './identity-queries.js';
import { LogQueries } from './log-queries.js';
import { SecretQueries } from './secret-queries.js';
import { QueueQueries } from './queue-queries.js';
import { flag, toJob, toProject, toRunner, toSchedule, toServerRun, toToken } from './row-mappers.js';
import type { ControlDatabase, RunsTable } from './schema.js';
import { JobRecordWriter } from './job-record-writer.js';
import { inWriteTransaction } from './write-transaction.js';

export interface MigrationStatus {
  /** Applied migrations, oldest first. */
  readonly applied: string[];
  /** Migrations this version knows and the database has not applied yet, in the order they will run. */
  readonly pending: string[];
}

export interface KyselyControlStoreOptions {
  /** Timestamps of runs created through the engine's `createRun`; the system clock by default. */
  readonly clock?: Clock;
}

/**
 * The ControlStore over Kysely, one implementation for SQLite and PostgreSQL (see
 * openControlStore). Writes that must see what they change (log numbering, lease batches)
 * run in write transactions; state changes of queue items, leases and schedules are single
 * conditional UPDATEs whose affected-row count says whether this caller won.
 *
 * The tables must exist: call `migrate()` once at start; any other method before that fails.
 */
export class KyselyControlStore implements ControlStore {
  private readonly clock: Clock;
  private readonly queue: QueueQueries;
  private readonly logs: LogQueries;
  private readonly jobRecords: JobRecordWriter;
  readonly identity: IdentityQueries;
  readonly secrets: SecretQueries;
  readonly audit: AuditQueries;
  readonly artifacts: ArtifactQueries;
  readonly caches: CacheQueries;
  readonly artifactRetention: ArtifactRetentionQueries;
  private closed = false;

  constructor(
    private readonly db: Kysely<ControlDatabase>,
    readonly dialect: ControlDialect,
    options: KyselyControlStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.queue = new QueueQueries(db, dialect);
    this.logs = new LogQueries(db, dialect);
    this.jobRecords = new JobRecordWriter(db);
    this.identity = new IdentityQueries(db);
    this.secrets = new SecretQueries(db);
    this.audit = new AuditQueries(db);
    this.artifacts = new ArtifactQueries(db, dialect);
    this.caches = new CacheQueries(db);
    this.artifactRetention = new ArtifactRetentionQueries(db);
  }

  // ── schema ──────────────────────────────────────────────────────────────────────────────

  /** Applies pending migrations in order; returns their names (empty when up to date). */
  async migrate(): Promise<string[]> {
    const { error, results = [] } = await (await this.migrator()).migrateToLatest();
    if (error !== undefined) {
      const failed = results.find((result) => result.status === 'Error')?.migrationName;
      const cause = coerceError(error).message;
      throw new DeployliteError(
        'store.migration-failed',
        failed ? `database migration ${failed} failed: ${cause}` : `database migrations cannot run: ${explainMigrationError(cause)}`,
      );
    }
    return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
  }

  async migrationStatus(): Promise<MigrationStatus> {
    const migrations = await (await this.migrator()).getMigrations();
    return {
      applied: migrations.filter((m) => m.executedAt !== undefined).map((m) => m.name),
      pending: migrations.filter((m) => m.executedAt === undefined).map((m) => m.name),
    };
  }

  /** Closes the SQLite file or ends the PostgreSQL pool; later calls do nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.jobRecords.drain();
    await this.db.destroy();
  }

  // ── projects ────────────────────────────────────────────────────────────────────────────

  async createProject(project: NewProject, now: number): Promise<ProjectRecord> {
    const owner = project.ownerUserId;
    if (owner === undefined || owner === null) return this.insertProject(this.db, project, now);
    return inWriteTransaction(this.db, this.dialect, async (trx) => {
      const created = await this.insertProject(trx, project, now);
      await trx.insertInto('project_members').values({ project_id: created.id, user_id: owner, role: 'owner', created_at: now }).execute();
      return created;
    });
  }

  private async insertProject(db: Kysely<ControlDatabase>, project: NewProject, now: number): Promise<ProjectRecord> {
    const row = await db
      .insertInto('projects')
      .values({
        name: project.name,
        repository: project.repository,
        pipeline_path: project.pipelinePath,
        default_branch: project.defaultBranch,
        webhook_secret: project.webhookSecret,
        max_concurrent_jobs: project.maxConcurrentJobs,
        created_at: now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ConflictError(`a project named "${project.name}" already exists`, 'project.exists');
    return toProject(row);
  }

  async getProject(id: number): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toProject(row);
  }

  async getProjectByName(name: string): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toProject(row);
  }

  async listProjects(): Promise<ProjectRecord[]> {
    const rows = await this.db.selectFrom('projects').selectAll().orderBy('name').execute();
    return rows.map(toProject);
  }

  // ── runs (engine's RunStore and the server's) ───────────────────────────────────────────

  /** A run without a project (projectId 0), for the engine's own use of a RunStore. */
  async createRun(run: NewRun): Promise<RunRecord> {
    const row = await this.db
      .insertInto('runs')
      .values({
        project_id: null,
        name: run.name,
        file: run.file,
        source: run.source,
        status: 'pending',
        options: JSON.stringify(run.options),
        created_at: this.clock.now(),
        started_at: null,
        finished_at: null,
        attempt: 1,
        ref: '',
        sha: '',
        trigger: JSON.stringify({ kind: 'manual' }),
        concurrency_group: null,
        cancel_in_progress: 0,
        error: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toServerRun(row);
  }

  async createServerRun(run: NewServerRun): Promise<ServerRunRecord> {
    const row = await this.db.insertInto('runs').values(serverRunRow(run)).returningAll().executeTakeFirstOrThrow();
    return toServerRun(row);
  }

  async updateRun(id: number, patch: Partial<Pick<RunRecord, 'status' | 'startedAt' | 'finishedAt' | 'attempt'>>): Promise<void> {
    const changes = {
      ...(patch.status !== undefined && { status: patch.status }),
      ...(patch.startedAt !== undefined && { started_at: patch.startedAt }),
      ...(patch.finishedAt !== undefined && { finished_at: patch.finishedAt }),
      ...(patch.attempt !== undefined && { attempt: patch.attempt }),
    };
    if (Object.keys(changes).length === 0) return;
    await this.db.updateTable('runs').set(changes).where('id', '=', id).execute();
  }

  async setRunError(id: number, error: string): Promise<void> {
    await this.db.updateTable('runs').set({ error }).where('id', '=', id).execute();
  }

  async getRun(id: number): Promise<RunRecord | undefined> {
    return this.getServerRun(id);
  }

  async getServerRun(id: number): Promise<ServerRunRecord | undefined> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toServerRun(row);
  }

  async latestRun(): Promise<RunRecord | undefined> {
    const row = await this.db.selectFrom('runs').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row && toServerRun(row);
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    return this.listServerRuns({ limit });
  }

  async listServerRuns(query: RunQuery): Promise<ServerRunRecord[]> {
    if (query.limit <= 0 || query.statuses?.length === 0 || query.refs?.length === 0 || query.projectIds?.length === 0) return [];
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .$if(query.projectId !== undefined, (q) => q.where('project_id', '=', query.projectId as number))
      .$if(query.projectIds !== undefined, (q) => q.where('project_id', 'in', query.projectIds as number[]))
      .$if(query.statuses !== undefined, (q) => q.where('status', 'in', query.statuses as string[]))
      .$if(query.refs !== undefined, (q) => q.where('ref', 'in', query.refs as string[]))
      .$if(query.beforeId !== undefined, (q) => q.where('id', '<', query.beforeId as number))
      .orderBy('id', 'desc')
      .limit(query.limit)
      .execute();
    return rows.map(toServerRun);
  }

  // ── jobs ────────────────────────────────────────────────────────────────────────────────

  /** Insert or replace by (runId, key); a replaced job keeps its place in `listJobs`. Batched: see JobRecordWriter. */
  saveJob(job: JobRecord): Promise<void> {
    return this.jobRecords.save(job);
  }

  async listJobs(runId: number): Promise<JobRecord[]> {
    const rows = await this.db.selectFrom('jobs').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
    return rows.map(toJob);
  }

  async deleteJobs(runId: number, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.deleteFrom('jobs').where('run_id', '=', runId).where('key', 'in', keys).execute();
    await this.db.deleteFrom('job_summaries').where('run_id', '=', runId).where('job_key', 'in', keys).execute();
  }

  /** Insert or replace: a job retried on another lease brings its own summary. */
  async saveJobSummary(runId: number, jobKey: string, summary: string, now: number): Promise<void> {
    await this.db
      .insertInto('job_summaries')
      .values({ run_id: runId, job_key: jobKey, summary, created_at: now })
      .onConflict((oc) => oc.columns(['run_id', 'job_key']).doUpdateSet({ summary, created_at: now }))
      .execute();
  }

  async getJobSummary(runId: number, jobKey: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('job_summaries').select('summary').where('run_id', '=', runId).where('job_key', '=', jobKey).executeTakeFirst();
    return row?.summary;
  }

  async updateRunIf(id: number, from: readonly RunRecord['status'][], patch: ConditionalRunPatch): Promise<boolean> {
    if (from.length === 0) return false;
    const update = await this.db
      .updateTable('runs')
      .set({
        status: patch.status,
        ...(patch.finishedAt !== undefined && { finished_at: patch.finishedAt }),
        ...(patch.error !== undefined && { error: patch.error }),
      })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return update.numUpdatedRows > 0n;
  }

  // ── concurrency groups ──────────────────────────────────────────────────────────────────

  async createGroupedRun(run: NewGroupedRun): Promise<ServerRunRecord> {
    return this.inConcurrencyGroup(run.projectId, run.concurrencyGroup, async (trx, busy) => {
      const row = await trx
        .insertInto('runs')
        .values(serverRunRow({ ...run, status: busy ? 'pending' : 'running' }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toServerRun(row);
    });
  }

  async startNextPending(projectId: number, group: string): Promise<ServerRunRecord | undefined> {
    return this.inConcurrencyGroup(projectId, group, async (trx, busy) => {
      if (busy) return undefined;
      const row = await trx
        .updateTable('runs')
        .set({ status: 'running' })
        .where('id', '=', (eb) =>
          eb
            .selectFrom('runs')
            .select('id')
            .where('project_id', '=', projectId)
            .where('concurrency_group', '=', group)
            .where('status', '=', 'pending')
            .orderBy('id')
            .limit(1),
        )
        .where('status', '=', 'pending')
        .returningAll()
        .executeTakeFirst();
      return row && toServerRun(row);
    });
  }

  async reopenRun(id: number, attempt: number, resetJobKeys: readonly string[]): Promise<ServerRunRecord | undefined> {
    const run = await this.getServerRun(id);
    if (!run) return undefined;
    const reopen = async (trx: Kysely<ControlDatabase>, busy: boolean) => {
      const row = await trx
        .updateTable('runs')
        .set({ status: busy ? 'pending' : 'running', attempt: attempt + 1, finished_at: null, error: null })
        .where('id', '=', id)
        .where('attempt', '=', attempt)
        .where('status', 'in', ['success', 'failed', 'cancelled'])
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      if (resetJobKeys.length > 0) {
        await trx.deleteFrom('jobs').where('run_id', '=', id).where('key', 'in', resetJobKeys).execute();
        await trx.deleteFrom('job_summaries').where('run_id', '=', id).where('job_key', 'in', resetJobKeys).execute();
        await trx.updateTable('job_queue').set({ status: 'archived' }).where('run_id', '=', id).where('job_key', 'in', resetJobKeys).execute();
      }
      return toServerRun(row);
    };
    return run.concurrencyGroup === null
      ? inWriteTransaction(this.db, this.dialect, (trx) => reopen(trx, false))
      : this.inConcurrencyGroup(run.projectId, run.concurrencyGroup, reopen);
  }

  /**
   * Runs `work` in a write transaction that no other change of the group's runs interleaves
   * with, telling it whether a run of the group is running. SQLite's BEGIN IMMEDIATE already
   * serializes every writer; PostgreSQL takes an advisory lock on the group, because two READ
   * COMMITTED transactions would otherwise both see "nothing running" and both start a run.
   */
  private inConcurrencyGroup<T>(projectId: number, group: string, work: (trx: Kysely<ControlDatabase>, busy: boolean) => Promise<T>): Promise<T> {
    return inWriteTransaction(this.db, this.dialect, async (trx) => {
      if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtextextended(${`run-group/${projectId}/${group}`}, 0))`.execute(trx);
      const running = await trx
        .selectFrom('runs')
        .select('id')
        .where('project_id', '=', projectId)
        .where('concurrency_group', '=', group)
        .where('status', '=', 'running')
        .limit(1)
        .executeTakeFirst();
      return work(trx, running !== undefined);
    });
  }

  // ── queue ───────────────────────────────────────────────────────────────────────────────

  enqueue(item: NewQueueItem): Promise<QueueItem> {
    return this.queue.enqueue(item);
  }

  findQueueItem(runId: number, jobKey: string): Promise<QueueItem | undefined> {
    return this.queue.findQueueItem(runId, jobKey);
  }

  getQueueItem(id: number): Promise<QueueItem | undefined> {
    return this.queue.getQueueItem(id);
  }

  getQueueItemByLease(leaseId: string): Promise<QueueItem | undefined> {
    return this.queue.getQueueItemByLease(leaseId);
  }

  queueItemStates(ids: readonly number[]): Promise<Map<number, Pick<QueueItem, 'status' | 'result' | 'assignedAt'>>> {
    return this.queue.queueItemStates(ids);
  }

  listQueued(limit: number, filter?: QueuedFilter): Promise<QueueItem[]> {
    return this.queue.listQueued(limit, filter);
  }

  projectSlotsLeft(): Promise<Map<number, number>> {
    return this.queue.projectSlotsLeft();
  }

  countLeasedByProject(): Promise<Map<number, number>> {
    return this.queue.countLeasedByProject();
  }

  countLeasedByRunner(): Promise<Map<number, number>> {
    return this.queue.countLeasedByRunner();
  }

  listLeasedJobs(): Promise<LeasedJob[]> {
    return this.queue.listLeasedJobs();
  }

  queueDepth(): Promise<number> {
    return this.queue.queueDepth();
  }

  claim(id: number, lease: { leaseId: string; runnerId: number; expiresAt: number; now: number }): Promise<boolean> {
    return this.queue.claim(id, lease);
  }

  claimMany(ids: readonly number[], lease: { leasePrefix: string; runnerId: number; expiresAt: number; now: number }): Promise<{ id: number; leaseId: string; payload: unknown }[]> {
    return this.queue.claimMany(ids, lease);
  }

  claimNext(limit: number, filter: QueuedFilter, lease: { leasePrefix: string; runnerId: number; expiresAt: number; now: number }): Promise<ClaimedItem[]> {
    return this.queue.claimNext(limit, filter, lease);
  }

  unclaim(leaseIds: readonly string[]): Promise<number> {
    return this.queue.unclaim(leaseIds);
  }

  extendLeases(runnerId: number, leaseIds: readonly string[], expiresAt: number): Promise<string[]> {
    return this.queue.extendLeases(runnerId, leaseIds, expiresAt);
  }

  extendAllLeases(expiresAt: number): Promise<void> {
    return this.queue.extendAllLeases(expiresAt);
  }

  cancelRequestedFor(runnerId: number, leaseIds: readonly string[]): Promise<string[]> {
    return this.queue.cancelRequestedFor(runnerId, leaseIds);
  }

  requestCancel(id: number): Promise<void> {
    return this.queue.requestCancel(id);
  }

  finishQueued(id: number, result: unknown, now: number): Promise<boolean> {
    return this.queue.finishQueued(id, result, now);
  }

  completeLease(leaseId: string, result: unknown, now: number): Promise<boolean> {
    return this.queue.completeLease(leaseId, result, now);
  }

  completeHeldLease(runnerId: number, leaseId: string, result: unknown, now: number): Promise<{ id: number; assignedAt: number | null } | undefined> {
    return this.queue.completeHeldLease(runnerId, leaseId, result, now);
  }

  expiredLeases(now: number): Promise<QueueItem[]> {
    return this.queue.expiredLeases(now);
  }

  requeue(id: number, leaseId: string, now: number): Promise<boolean> {
    return this.queue.requeue(id, leaseId, now);
  }

  finishExpiredLease(leaseId: string, result: unknown, now: number): Promise<boolean> {
    return this.queue.finishExpiredLease(leaseId, result, now);
  }

  archiveQueueItems(runId: number, keys: readonly string[]): Promise<void> {
    return this.queue.archiveQueueItems(runId, keys);
  }

  // ── logs ────────────────────────────────────────────────────────────────────────────────

  appendJobLog(runId: number, jobKey: string, lines: readonly NewLogLine[]): Promise<LogLineRecord[]> {
    return this.logs.appendJobLog(runId, jobKey, lines);
  }

  appendLeaseLog(
    leaseId: string,
    offset: number,
    lines: readonly NewLogLine[],
    runnerId?: number,
  ): Promise<{ accepted: number; stored: LogLineRecord[] } | undefined> {
    return this.logs.appendLeaseLog(leaseId, offset, lines, runnerId);
  }

  readJobLog(runId: number, jobKey: string, afterLine: number, limit: number): Promise<LogLineRecord[]> {
    return this.logs.readJobLog(runId, jobKey, afterLine, limit);
  }

  appendLogs(lines: readonly LogLine[]): Promise<void> {
    return this.logs.appendLogs(lines);
  }

  readLogs(runId: number, jobId?: string): Promise<LogLine[]> {
    return this.logs.readLogs(runId, jobId);
  }

  // ── runners and tokens ──────────────────────────────────────────────────────────────────

  async createRunner(runner: Omit<RunnerRecord, 'id' | 'lastSeenAt'>): Promise<RunnerRecord> {
    const row = await this.db
      .insertInto('runners')
      .values({
        name: runner.name,
        labels: JSON.stringify(runner.labels),
        capacity: runner.capacity,
        version: runner.version,
        created_at: runner.createdAt,
        last_seen_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRunner(row);
  }

  async getRunner(id: number): Promise<RunnerRecord | undefined> {
    const row = await this.db.selectFrom('runners').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRunner(row);
  }

  async listRunners(): Promise<RunnerRecord[]> {
    const rows = await this.db.selectFrom('runners').selectAll().orderBy('id').execute();
    return rows.map(toRunner);
  }

  async touchRunner(id: number, now: number): Promise<void> {
    await this.db.updateTable('runners').set({ last_seen_at: now }).where('id', '=', id).execute();
  }

  async createToken(token: NewToken): Promise<TokenRecord> {
    const row = await this.db
      .insertInto('tokens')
      .values({
        name: token.name,
        kind: token.kind,
        token_hash: token.tokenHash,
        runner_id: token.runnerId,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        revoked_at: null,
        user_id: token.userId ?? null,
        scope: token.scope ? JSON.stringify(token.scope) : null,
      })
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .returningAll()
      .executeTakeFirst();
    // Tokens are random; the same hash twice means the caller stored one token twice.
    if (!row) throw new ConflictError(`token "${token.name}" is already stored`, 'token.exists');
    return toToken(row);
  }

  async findTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const row = await this.db.selectFrom('tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    return row && toToken(row);
  }

  async touchToken(id: number, now: number): Promise<void> {
    await this.db.updateTable('tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().orderBy('id').execute();
    return rows.map(toToken);
  }

  /** Revoking twice keeps the first revocation time. */
  async revokeToken(id: number, now: number): Promise<void> {
    await this.db.updateTable('tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  // ── triggers ────────────────────────────────────────────────────────────────────────────

  async recordDelivery(projectId: number, provider: string, deliveryId: string, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto('webhook_deliveries')
      .values({ project_id: projectId, provider, delivery_id: deliveryId, received_at: now })
      .onConflict((oc) => oc.columns(['project_id', 'provider', 'delivery_id']).doNothing())
      .returning('project_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async forgetDelivery(projectId: number, provider: string, deliveryId: string): Promise<void> {
    await this.db
      .deleteFrom('webhook_deliveries')
      .where('project_id', '=', projectId)
      .where('provider', '=', provider)
      .where('delivery_id', '=', deliveryId)
      .execute();
  }

  /** A cron listed twice is kept once, with its first `nextAt`. */
  async replaceSchedules(projectId: number, schedules: readonly { cron: string; nextAt: number }[]): Promise<void> {
    const byCron = new Map<string, number>();
    for (const schedule of schedules) if (!byCron.has(schedule.cron)) byCron.set(schedule.cron, schedule.nextAt);
    const rows = [...byCron].map(([cron, nextAt]) => ({ project_id: projectId, cron, next_at: nextAt }));
    await inWriteTransaction(this.db, this.dialect, async (trx) => {
      await trx.deleteFrom('schedules').where('project_id', '=', projectId).execute();
      if (rows.length > 0) await trx.insertInto('schedules').values(rows).execute();
    });
  }

  async listSchedules(projectId: number): Promise<ScheduleRecord[]> {
    const rows = await this.db.selectFrom('schedules').selectAll().where('project_id', '=', projectId).orderBy('cron').execute();
    return rows.map(toSchedule);
  }

  async dueSchedules(now: number): Promise<ScheduleRecord[]> {
    const rows = await this.db
      .selectFrom('schedules')
      .selectAll()
      .where('next_at', '<=', now)
      .orderBy('next_at')
      .orderBy('project_id')
      .orderBy('cron')
      .execute();
    return rows.map(toSchedule);
  }

  async advanceSchedule(projectId: number, cron: string, expectedNextAt: number, nextAt: number): Promise<boolean> {
    const update = await this.db
      .updateTable('schedules')
      .set({ next_at: nextAt })
      .where('project_id', '=', projectId)
      .where('cron', '=', cron)
      .where('next_at', '=', expectedNextAt)
      .executeTakeFirst();
    return update.numUpdatedRows > 0n;
  }

  /**
   * On PostgreSQL Kysely looks for its bookkeeping tables in every schema unless told one, so
   * another application's `kysely_migration` elsewhere in the database would be taken for
   * ours. They belong where our tables go: the current schema (first of the search_path).
   */
  private async migrator(): Promise<Migrator> {
    const provider = controlMigrations(this.dialect);
    if (this.dialect === 'sqlite') return new Migrator({ db: this.db, provider });
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(this.db);
    return new Migrator({ db: this.db, provider, migrationTableSchema: rows[0]?.schema ?? undefined });
  }
}

function serverRunRow(run: NewServerRun): Insertable<RunsTable> {
  return {
    project_id: run.projectId,
    name: run.name,
    file: run.file,
    source: run.source,
    status: run.status,
    options: JSON.stringify(run.options),
    created_at: run.createdAt,
    started_at: null,
    finished_at: null,
    attempt: 1,
    ref: run.ref,
    sha: run.sha,
    trigger: JSON.stringify(run.trigger),
    concurrency_group: run.concurrencyGroup,
    cancel_in_progress: flag(run.cancelInProgress),
    error: run.error,
  };
}

/** Kysely's wording for a database migrated by a newer version, in words an operator acts on. */
function explainMigrationError(message: string): string {
  return message.includes('is missing')
    ? `${message} (the database was migrated by a newer DeployLite; upgrade DeployLite)`
    : message;
}
