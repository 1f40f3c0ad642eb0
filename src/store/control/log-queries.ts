import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { InvalidRequestError } from '../../core/index.js';
import type { LogLine } from '../../engine/index.js';
import type { LogLineRecord, NewLogLine } from '../control-store.js';
import { appendNumberedLines } from './append-numbered-lines.js';
import type { ControlDialect } from './control-migrations.js';
import { toEngineLogLine, toLogLineRecord } from './row-mappers.js';
import type { ControlDatabase } from './schema.js';
import { inWriteTransaction, lockJobLog } from './write-transaction.js';

/**
 * Job logs: lines numbered 1, 2, 3… per (run, job) with no gaps, whoever writes them — a
 * runner's batches under its lease, the server's system lines, the engine's LogSink. Every
 * append runs in a write transaction holding the job's log lock (write-transaction.ts).
 */
export class LogQueries {
  constructor(
    private readonly db: Kysely<ControlDatabase>,
    private readonly dialect: ControlDialect,
  ) {}

  async appendJobLog(runId: number, jobKey: string, lines: readonly NewLogLine[]): Promise<LogLineRecord[]> {
    if (lines.length === 0) return [];
    return inWriteTransaction(this.db, this.dialect, async (trx) => {
      await lockJobLog(trx, this.dialect, runId, jobKey);
      return appendNumberedLines(trx, runId, jobKey, lines);
    });
  }

  /**
   * The batch holds the lease's lines [offset, offset + lines.length). Lines below the
   * lease's cursor were stored by an earlier send whose answer the runner did not get; a
   * batch that starts beyond the cursor would leave a hole, so nothing is stored and the
   * cursor tells the runner where to resend from.
   */
  async appendLeaseLog(
    leaseId: string,
    offset: number,
    lines: readonly NewLogLine[],
    runnerId?: number,
  ): Promise<{ accepted: number; stored: LogLineRecord[] } | undefined> {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new InvalidRequestError(`a log batch offset must be a whole number ≥ 0, not ${offset}`, 'offset');
    }
    return inWriteTransaction(this.db, this.dialect, async (trx) => {
      // FOR UPDATE queues concurrent batches of one lease and makes a racing
      // completeLease/requeue wait, so lines never land after the lease ended.
      const item = await trx
        .selectFrom('job_queue')
        .select(['id', 'run_id', 'job_key', 'log_cursor'])
        .where('lease_id', '=', leaseId)
        .where('status', '=', 'leased')
        .$if(runnerId !== undefined, (q) => q.where('runner_id', '=', runnerId as number))
        .$if(this.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!item) return undefined;
      const cursor = item.log_cursor;
      const fresh = offset > cursor ? [] : lines.slice(cursor - offset);
      if (fresh.length === 0) return { accepted: cursor, stored: [] };
      await lockJobLog(trx, this.dialect, item.run_id, item.job_key);
      const stored = await appendNumberedLines(trx, item.run_id, item.job_key, fresh);
      const accepted = cursor + fresh.length;
      await trx.updateTable('job_queue').set({ log_cursor: accepted }).where('id', '=', item.id).execute();
      return { accepted, stored };
    });
  }

  async readJobLog(runId: number, jobKey: string, afterLine: number, limit: number): Promise<LogLineRecord[]> {
    if (limit <= 0) return [];
    const rows = await this.db
      .selectFrom('log_lines')
      .selectAll()
      .where('run_id', '=', runId)
      .where('job_key', '=', jobKey)
      .where('line_no', '>', afterLine)
      .orderBy('line_no')
      .limit(limit)
      .execute();
    return rows.map(toLogLineRecord);
  }

  /** Numbers the lines per job like appendJobLog, in one transaction for the whole batch. */
  async appendLogs(lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const byJob = new Map<string, { runId: number; jobKey: string; lines: NewLogLine[] }>();
    for (const line of lines) {
      const id = JSON.stringify([line.runId, line.jobKey]);
      const group = byJob.get(id) ?? { runId: line.runId, jobKey: line.jobKey, lines: [] };
      group.lines.push({ stream: line.stream, time: line.time, text: line.text });
      byJob.set(id, group);
    }
    // Locks are taken in one global order, so two batches of the same jobs cannot deadlock.
    const groups = [...byJob.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
    await inWriteTransaction(this.db, this.dialect, async (trx) => {
      for (const group of groups) await lockJobLog(trx, this.dialect, group.runId, group.jobKey);
      for (const group of groups) await appendNumberedLines(trx, group.runId, group.jobKey, group.lines);
    });
  }

  /**
   * A run's lines job by job (in the order the jobs were first saved), each job's in line
   * order. Lines from different machines carry different clocks, so interleaving jobs by
   * time would not show the true order anyway. `jobId` matches a job id (all its matrix
   * instances) or one job key.
   */
  async readLogs(runId: number, jobId?: string): Promise<LogLine[]> {
    const rows = await this.db
      .selectFrom('log_lines as l')
      .leftJoin('jobs as j', (join) => join.onRef('j.run_id', '=', 'l.run_id').onRef('j.key', '=', 'l.job_key'))
      .select(['l.run_id', 'l.job_key', 'l.stream', 'l.time', 'l.text'])
      .where('l.run_id', '=', runId)
      .$if(jobId !== undefined, (q) => q.where((eb) => eb.or([eb('j.job_id', '=', jobId as string), eb('l.job_key', '=', jobId as string)])))
      // Lines of a job without a record come last on both dialects (they sort NULLs differently).
      .orderBy(sql`j.seq is null`)
      .orderBy('j.seq')
      .orderBy('l.job_key')
      .orderBy('l.line_no')
      .execute();
    return rows.map(toEngineLogLine);
  }
}
