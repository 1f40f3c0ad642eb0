import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/** The statuses of a queue item that is still to run or running. */
export const ACTIVE_QUEUE_STATUSES = ['queued', 'leased'] as const;

/**
 * 0002: at most one active (queued or leased) queue item per job of a run. Two drivers of
 * one run (two server processes recovering it after a restart) each looked the job up, found
 * nothing and queued it, so the job ran twice. Both dialects have partial unique indexes.
 *
 * Duplicates queued before this migration are resolved first: the newest item of a job stays
 * active (it is the one `findQueueItem` returns, so the one a recovering driver waits for);
 * older ones are archived, and a runner still running one is told its lease is lost.
 */
export async function createQueueUniqueness(db: Kysely<unknown>): Promise<void> {
  await sql`
    update job_queue set status = 'archived'
    where status in ('queued', 'leased')
      and exists (
        select 1 from job_queue newer
        where newer.run_id = job_queue.run_id and newer.job_key = job_queue.job_key
          and newer.status in ('queued', 'leased') and newer.id > job_queue.id
      )
  `.execute(db);
  await db.schema
    .createIndex('job_queue_active_job')
    .unique()
    .on('job_queue')
    .columns(['run_id', 'job_key'])
    .where(sql.ref('status'), 'in', [...ACTIVE_QUEUE_STATUSES])
    .execute();
}
