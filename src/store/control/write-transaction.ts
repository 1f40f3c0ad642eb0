import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ControlDialect } from './control-migrations.js';
import type { ControlDatabase } from './schema.js';

/**
 * Runs `work` in a transaction that is allowed to write after it read. On SQLite it starts
 * with BEGIN IMMEDIATE, taking the write lock first: a deferred transaction that reads, then
 * writes, fails with SQLITE_BUSY at once (without waiting for busy_timeout) when another
 * process wrote in between. PostgreSQL's transactions need row or advisory locks instead
 * (see lockJobLog); there every statement of a READ COMMITTED transaction sees what was
 * committed before it started.
 */
export async function inWriteTransaction<T>(
  db: Kysely<ControlDatabase>,
  dialect: ControlDialect,
  work: (trx: Kysely<ControlDatabase>) => Promise<T>,
): Promise<T> {
  if (dialect === 'postgres') return db.transaction().execute(work);
  // Kysely's SQLite driver has one connection behind a mutex, held until this callback ends.
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
  });
}

/**
 * Serializes appends to one job's log until the transaction ends, so that two writers (the
 * runner's batches and the server's system lines) never number lines the same. SQLite's
 * BEGIN IMMEDIATE already serializes every writer, so only PostgreSQL takes a lock: an
 * advisory one on a hash of (run, job), because the job's first line may come before any
 * row exists to lock. A hash collision only makes two jobs wait for each other briefly.
 */
export async function lockJobLog(trx: Kysely<ControlDatabase>, dialect: ControlDialect, runId: number, jobKey: string): Promise<void> {
  if (dialect === 'sqlite') return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${runId}/${jobKey}`}, 0))`.execute(trx);
}
