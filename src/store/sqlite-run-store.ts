import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { JobRecord, LogLine, NewRun, RunRecord, RunStore } from '../engine/index.js';
import { migrate } from './migrations.js';

interface RunRow {
  id: number;
  name: string;
  file: string;
  source: string;
  status: RunRecord['status'];
  options: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  attempt: number;
}

interface JobRow {
  run_id: number;
  key: string;
  job_id: string;
  matrix_index: number | null;
  matrix: string | null;
  name: string;
  status: JobRecord['status'];
  attempts: number;
  exit_code: number | null;
  started_at: number | null;
  finished_at: number | null;
  outputs: string;
  rollback_status: JobRecord['status'] | null;
  error: string | null;
  continue_on_error: number;
  pid: number | null;
}

/**
 * The local run history: one SQLite file under `.deploylite/` of the working directory.
 * WAL mode with `synchronous=NORMAL` makes each state change one cheap durable append (a
 * run killed with SIGKILL loses nothing that was committed; power loss may lose the last
 * few), which keeps the engine's per-job overhead low.
 */
export class SqliteRunStore implements RunStore {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    this.statements = {
      insertRun: this.db.prepare(
        `INSERT INTO runs (name, file, source, status, options, created_at, attempt)
         VALUES (@name, @file, @source, 'pending', @options, @created_at, 1) RETURNING *`,
      ),
      getRun: this.db.prepare('SELECT * FROM runs WHERE id = ?'),
      latestRun: this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT 1'),
      listRuns: this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?'),
      saveJob: this.db.prepare(
        `INSERT INTO jobs (run_id, key, job_id, matrix_index, matrix, name, status, attempts, exit_code,
           started_at, finished_at, outputs, rollback_status, error, continue_on_error, pid)
         VALUES (@run_id, @key, @job_id, @matrix_index, @matrix, @name, @status, @attempts, @exit_code,
           @started_at, @finished_at, @outputs, @rollback_status, @error, @continue_on_error, @pid)
         ON CONFLICT (run_id, key) DO UPDATE SET
           name = excluded.name, status = excluded.status, attempts = excluded.attempts,
           exit_code = excluded.exit_code, started_at = excluded.started_at, finished_at = excluded.finished_at,
           outputs = excluded.outputs, rollback_status = excluded.rollback_status, error = excluded.error,
           pid = excluded.pid`,
      ),
      listJobs: this.db.prepare('SELECT * FROM jobs WHERE run_id = ? ORDER BY seq'),
      appendLog: this.db.prepare(
        'INSERT INTO logs (run_id, job_key, stream, time, text) VALUES (@runId, @jobKey, @stream, @time, @text)',
      ),
      readLogs: this.db.prepare('SELECT * FROM logs WHERE run_id = ? ORDER BY id'),
      readJobLogs: this.db.prepare(
        `SELECT logs.* FROM logs JOIN jobs ON jobs.run_id = logs.run_id AND jobs.key = logs.job_key
         WHERE logs.run_id = ? AND (jobs.job_id = ? OR jobs.key = ?) ORDER BY logs.id`,
      ),
    };
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    const row = this.statements.insertRun.get({
      name: run.name,
      file: run.file,
      source: run.source,
      options: JSON.stringify(run.options),
      created_at: Date.now(),
    }) as RunRow;
    return toRun(row);
  }

  async updateRun(id: number, patch: Partial<Pick<RunRecord, 'status' | 'startedAt' | 'finishedAt' | 'attempt'>>): Promise<void> {
    const columns: Record<string, string> = { status: 'status', startedAt: 'started_at', finishedAt: 'finished_at', attempt: 'attempt' };
    const entries = Object.entries(patch).filter(([key]) => key in columns);
    if (entries.length === 0) return;
    const assignments = entries.map(([key]) => `${columns[key]} = @${key}`).join(', ');
    this.db.prepare(`UPDATE runs SET ${assignments} WHERE id = @id`).run({ ...Object.fromEntries(entries), id });
  }

  async saveJob(job: JobRecord): Promise<void> {
    this.statements.saveJob.run({
      run_id: job.runId,
      key: job.key,
      job_id: job.jobId,
      matrix_index: job.matrixIndex,
      matrix: job.matrix ? JSON.stringify(job.matrix) : null,
      name: job.name,
      status: job.status,
      attempts: job.attempts,
      exit_code: job.exitCode,
      started_at: job.startedAt,
      finished_at: job.finishedAt,
      outputs: JSON.stringify(job.outputs),
      rollback_status: job.rollbackStatus,
      error: job.error,
      continue_on_error: job.continueOnError ? 1 : 0,
      pid: job.pid,
    });
  }

  private readonly appendMany = (lines: readonly LogLine[]) => {
    for (const line of lines) this.statements.appendLog.run(line);
  };

  async appendLogs(lines: readonly LogLine[]): Promise<void> {
    if (lines.length > 0) this.db.transaction(this.appendMany)(lines);
  }

  async getRun(id: number): Promise<RunRecord | undefined> {
    const row = this.statements.getRun.get(id) as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  async latestRun(): Promise<RunRecord | undefined> {
    const row = this.statements.latestRun.get() as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    return (this.statements.listRuns.all(limit) as RunRow[]).map(toRun);
  }

  async listJobs(runId: number): Promise<JobRecord[]> {
    return (this.statements.listJobs.all(runId) as JobRow[]).map(toJob);
  }

  async readLogs(runId: number, jobId?: string): Promise<LogLine[]> {
    const rows = (
      jobId === undefined ? this.statements.readLogs.all(runId) : this.statements.readJobLogs.all(runId, jobId, jobId)
    ) as { run_id: number; job_key: string; stream: LogLine['stream']; time: number; text: string }[];
    return rows.map((r) => ({ runId: r.run_id, jobKey: r.job_key, stream: r.stream, time: r.time, text: r.text }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    name: row.name,
    file: row.file,
    source: row.source,
    status: row.status,
    options: JSON.parse(row.options) as RunRecord['options'],
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    attempt: row.attempt,
  };
}

function toJob(row: JobRow): JobRecord {
  return {
    runId: row.run_id,
    key: row.key,
    jobId: row.job_id,
    matrixIndex: row.matrix_index,
    matrix: row.matrix ? (JSON.parse(row.matrix) as JobRecord['matrix']) : null,
    name: row.name,
    status: row.status,
    attempts: row.attempts,
    exitCode: row.exit_code,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outputs: JSON.parse(row.outputs) as Record<string, string>,
    rollbackStatus: row.rollback_status,
    error: row.error,
    continueOnError: row.continue_on_error === 1,
    pid: row.pid,
  };
}
