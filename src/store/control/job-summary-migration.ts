import type { Kysely } from 'kysely';
import { notNull } from './schema-builders.js';

/**
 * Migration 0008: GitHub workflow jobs' step summaries (what their steps wrote to $GITHUB_STEP_SUMMARY, at most
 * 1 MiB each). A table of their own rather than a column of `jobs`: the engine rewrites a job's row at every state
 * change and lists a run's jobs on every page load, and neither should carry a megabyte it does not use.
 */
export async function createJobSummaries(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job_summaries')
    .addColumn('run_id', 'bigint', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('job_key', 'text', notNull)
    .addColumn('summary', 'text', notNull)
    .addColumn('created_at', 'bigint', notNull)
    .addPrimaryKeyConstraint('job_summaries_pk', ['run_id', 'job_key'])
    .execute();
}
