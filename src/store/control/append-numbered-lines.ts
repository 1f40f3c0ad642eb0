import type { Kysely } from 'kysely';
import type { LogLineRecord, NewLogLine } from '../control-store.js';
import type { ControlDatabase } from './schema.js';

// Stays under SQLite's and PostgreSQL's limits on bound parameters (6 per line).
const LINES_PER_INSERT = 1000;

/**
 * Numbers `lines` after the job's last stored line and inserts them. Call it inside a write
 * transaction that holds the job's log lock (write-transaction.ts), or two writers could
 * read the same last line number.
 */
export async function appendNumberedLines(
  trx: Kysely<ControlDatabase>,
  runId: number,
  jobKey: string,
  lines: readonly NewLogLine[],
): Promise<LogLineRecord[]> {
  if (lines.length === 0) return [];
  const { last } = await trx
    .selectFrom('log_lines')
    .select((eb) => eb.fn.max('line_no').as('last'))
    .where('run_id', '=', runId)
    .where('job_key', '=', jobKey)
    .executeTakeFirstOrThrow();
  const first = (last ?? 0) + 1;
  const records = lines.map((line, index): LogLineRecord => ({
    runId,
    jobKey,
    lineNo: first + index,
    stream: line.stream,
    time: line.time,
    text: line.text,
  }));
  for (let start = 0; start < records.length; start += LINES_PER_INSERT) {
    const rows = records.slice(start, start + LINES_PER_INSERT).map((r) => ({
      run_id: r.runId,
      job_key: r.jobKey,
      line_no: r.lineNo,
      stream: r.stream,
      time: r.time,
      text: r.text,
    }));
    await trx.insertInto('log_lines').values(rows).execute();
  }
  return records;
}
