import { sql } from 'kysely';
import { createArtifactSchema } from './artifact-migration.js';
import { addArtifactUse } from './artifact-use-migration.js';
import { createCacheSchema } from './cache-migration.js';
import { createIdentitySchema } from './identity-migration.js';
import { createJobSummaries } from './job-summary-migration.js';
import { createQueueUniqueness } from './queue-uniqueness-migration.js';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { ControlDialect } from './schema-builders.js';
import { notNull, withId } from './schema-builders.js';

export type { ControlDialect } from './schema-builders.js';

/**
 * The control plane's schema, one migration per change, applied in name order by Kysely's
 * Migrator (which records them in `kysely_migration` and, on PostgreSQL, takes an advisory
 * lock so that two servers starting at once do not both migrate). Never edit a released
 * migration: add the next one. The dialects differ only where they must: how an id is
 * generated, and 64-bit integers for epoch milliseconds (SQLite's INTEGER already is).
 */
export function controlMigrations(dialect: ControlDialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_initial': { up: (db) => createInitialSchema(db, dialect) },
    '0002_one_active_queue_item_per_job': { up: createQueueUniqueness },
    '0004_identity': { up: (db) => createIdentitySchema(db, dialect) },
    '0005_artifacts': { up: (db) => createArtifactSchema(db, dialect) },
    '0006_caches': { up: (db) => createCacheSchema(db, dialect) },
    '0007_artifact_use': { up: addArtifactUse },
    '0008_job_summary': { up: createJobSummaries },
  };
  return { getMigrations: async () => migrations };
}

async function createInitialSchema(db: Kysely<unknown>, dialect: ControlDialect): Promise<void> {
  await withId(db.schema.createTable('projects'), dialect)
    .addColumn('name', 'text', (col) => col.notNull().unique())
    .addColumn('repository', 'text', notNull)
    .addColumn('pipeline_path', 'text', notNull)
    .addColumn('default_branch', 'text', notNull)
    .addColumn('webhook_secret', 'text', notNull)
    .addColumn('max_concurrent_jobs', 'integer')
    .addColumn('created_at', 'bigint', notNull)
    .execute();

  await withId(db.schema.createTable('runs'), dialect)
    .addColumn('project_id', 'bigint', (col) => col.references('projects.id'))
    .addColumn('name', 'text', notNull)
    .addColumn('file', 'text', notNull)
    .addColumn('source', 'text', notNull)
    .addColumn('status', 'text', notNull)
    .addColumn('options', 'text', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('attempt', 'integer', notNull)
    .addColumn('ref', 'text', notNull)
    .addColumn('sha', 'text', notNull)
    .addColumn('trigger', 'text', notNull)
    .addColumn('concurrency_group', 'text')
    .addColumn('cancel_in_progress', 'integer', notNull)
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('runs_by_project').on('runs').columns(['project_id', 'id desc']).execute();

  // `seq` orders a run's jobs as they were first saved; (run_id, key) identifies a job.
  await withId(db.schema.createTable('jobs'), dialect, 'seq')
    .addColumn('run_id', 'bigint', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('key', 'text', notNull)
    .addColumn('job_id', 'text', notNull)
    .addColumn('matrix_index', 'integer')
    .addColumn('matrix', 'text')
    .addColumn('name', 'text', notNull)
    .addColumn('status', 'text', notNull)
    .addColumn('attempts', 'integer', notNull)
    .addColumn('exit_code', 'integer')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('outputs', 'text', notNull)
    .addColumn('rollback_status', 'text')
    .addColumn('error', 'text')
    .addColumn('continue_on_error', 'integer', notNull)
    .addColumn('pid', 'integer')
    .addUniqueConstraint('jobs_run_key', ['run_id', 'key'])
    .execute();

  await db.schema
    .createTable('log_lines')
    .addColumn('run_id', 'bigint', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('job_key', 'text', notNull)
    .addColumn('line_no', 'integer', notNull)
    .addColumn('stream', 'text', notNull)
    .addColumn('time', 'bigint', notNull)
    .addColumn('text', 'text', notNull)
    .addPrimaryKeyConstraint('log_lines_pk', ['run_id', 'job_key', 'line_no'])
    .execute();

  await withId(db.schema.createTable('runners'), dialect)
    .addColumn('name', 'text', notNull)
    .addColumn('labels', 'text', notNull)
    .addColumn('capacity', 'integer', notNull)
    .addColumn('version', 'text', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('last_seen_at', 'bigint')
    .execute();

  // project_id is a copy of the run's, for per-project limits; the run's key holds integrity.
  await withId(db.schema.createTable('job_queue'), dialect)
    .addColumn('run_id', 'bigint', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('job_key', 'text', notNull)
    .addColumn('project_id', 'bigint', notNull)
    .addColumn('labels', 'text', notNull)
    .addColumn('priority', 'integer', notNull)
    .addColumn('status', 'text', notNull)
    .addColumn('payload', 'text', notNull)
    .addColumn('lease_id', 'text', (col) => col.unique())
    .addColumn('runner_id', 'bigint')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('lease_attempt', 'integer', notNull)
    .addColumn('log_cursor', 'integer', notNull)
    .addColumn('cancel_requested', 'integer', notNull)
    .addColumn('result', 'text')
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('assigned_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  // The scheduler's hot query (listQueued) reads this partial index in order and stops at its limit.
  await db.schema
    .createIndex('job_queue_queued')
    .on('job_queue')
    .columns(['priority desc', 'id'])
    .where(sql.ref('status'), '=', 'queued')
    .execute();
  // The reaper (expiredLeases) and the per-project/per-runner counts only look at leased items.
  await db.schema
    .createIndex('job_queue_leased')
    .on('job_queue')
    .columns(['lease_expires_at'])
    .where(sql.ref('status'), '=', 'leased')
    .execute();
  await db.schema.createIndex('job_queue_by_job').on('job_queue').columns(['run_id', 'job_key', 'id']).execute();

  await withId(db.schema.createTable('tokens'), dialect)
    .addColumn('name', 'text', notNull)
    .addColumn('kind', 'text', notNull)
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('runner_id', 'bigint', (col) => col.references('runners.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', notNull)
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('project_id', 'bigint', (col) => col.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('provider', 'text', notNull)
    .addColumn('delivery_id', 'text', notNull)
    .addColumn('received_at', 'bigint', notNull)
    .addPrimaryKeyConstraint('webhook_deliveries_pk', ['project_id', 'provider', 'delivery_id'])
    .execute();

  await db.schema
    .createTable('schedules')
    .addColumn('project_id', 'bigint', (col) => col.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('cron', 'text', notNull)
    .addColumn('next_at', 'bigint', notNull)
    .addPrimaryKeyConstraint('schedules_pk', ['project_id', 'cron'])
    .execute();
  await db.schema.createIndex('schedules_by_next_at').on('schedules').columns(['next_at']).execute();
}
