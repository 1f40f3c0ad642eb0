import type { Selectable } from 'kysely';
import type { JobRecord, LogLine } from '../../engine/index.js';
import type {
  LogLineRecord,
  ProjectRecord,
  QueueItem,
  RunnerRecord,
  ScheduleRecord,
  ServerRunRecord,
  TokenRecord,
} from '../control-store.js';
import type {
  Flag,
  JobQueueTable,
  JobsTable,
  LogLinesTable,
  ProjectsTable,
  RunnersTable,
  RunsTable,
  SchedulesTable,
  TokensTable,
} from './schema.js';

/** Rows to records and back: the only place that knows column names and JSON encodings. */

export const flag = (value: boolean): Flag => (value ? 1 : 0);

// Values this store wrote itself; a row that does not parse is a damaged database.
const parseJson = <T>(text: string): T => JSON.parse(text) as T;

export function toProject(row: Selectable<ProjectsTable>): ProjectRecord {
  return {
    id: row.id,
    name: row.name,
    repository: row.repository,
    pipelinePath: row.pipeline_path,
    defaultBranch: row.default_branch,
    webhookSecret: row.webhook_secret,
    maxConcurrentJobs: row.max_concurrent_jobs,
    createdAt: row.created_at,
  };
}

export function toServerRun(row: Selectable<RunsTable>): ServerRunRecord {
  return {
    id: row.id,
    name: row.name,
    file: row.file,
    source: row.source,
    status: row.status as ServerRunRecord['status'],
    options: parseJson(row.options),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    attempt: row.attempt,
    // 0 marks a run the engine created without a project (RunStore.createRun).
    projectId: row.project_id ?? 0,
    ref: row.ref,
    sha: row.sha,
    trigger: parseJson(row.trigger),
    concurrencyGroup: row.concurrency_group,
    cancelInProgress: row.cancel_in_progress === 1,
    error: row.error,
  };
}

export function toJobRow(job: JobRecord): Omit<Selectable<JobsTable>, 'seq'> {
  return {
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
    continue_on_error: flag(job.continueOnError),
    pid: job.pid,
  };
}

export function toJob(row: Selectable<JobsTable>): JobRecord {
  return {
    runId: row.run_id,
    key: row.key,
    jobId: row.job_id,
    matrixIndex: row.matrix_index,
    matrix: row.matrix === null ? null : parseJson(row.matrix),
    name: row.name,
    status: row.status as JobRecord['status'],
    attempts: row.attempts,
    exitCode: row.exit_code,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outputs: parseJson(row.outputs),
    rollbackStatus: row.rollback_status as JobRecord['rollbackStatus'],
    error: row.error,
    continueOnError: row.continue_on_error === 1,
    pid: row.pid,
  };
}

export function toLogLineRecord(row: Selectable<LogLinesTable>): LogLineRecord {
  return {
    runId: row.run_id,
    jobKey: row.job_key,
    lineNo: row.line_no,
    stream: row.stream as LogLineRecord['stream'],
    time: row.time,
    text: row.text,
  };
}

export function toEngineLogLine(row: Pick<Selectable<LogLinesTable>, 'run_id' | 'job_key' | 'stream' | 'time' | 'text'>): LogLine {
  return { runId: row.run_id, jobKey: row.job_key, stream: row.stream as LogLine['stream'], time: row.time, text: row.text };
}

export function toQueueItem(row: Selectable<JobQueueTable>): QueueItem {
  return {
    id: row.id,
    runId: row.run_id,
    jobKey: row.job_key,
    projectId: row.project_id,
    labels: parseJson(row.labels),
    priority: row.priority,
    status: row.status as QueueItem['status'],
    payload: parseJson(row.payload),
    leaseId: row.lease_id,
    runnerId: row.runner_id,
    leaseExpiresAt: row.lease_expires_at,
    leaseAttempt: row.lease_attempt,
    logCursor: row.log_cursor,
    cancelRequested: row.cancel_requested === 1,
    result: row.result === null ? null : parseJson(row.result),
    createdAt: row.created_at,
    assignedAt: row.assigned_at,
    finishedAt: row.finished_at,
  };
}

export function toRunner(row: Selectable<RunnersTable>): RunnerRecord {
  return {
    id: row.id,
    name: row.name,
    labels: parseJson(row.labels),
    capacity: row.capacity,
    version: row.version,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
  };
}

export function toToken(row: Selectable<TokensTable>): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as TokenRecord['kind'],
    tokenHash: row.token_hash,
    runnerId: row.runner_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    userId: row.user_id,
    scope: row.scope === null ? null : (JSON.parse(row.scope) as TokenRecord['scope']),
    lastUsedAt: row.last_used_at,
  };
}

export function toSchedule(row: Selectable<SchedulesTable>): ScheduleRecord {
  return { projectId: row.project_id, cron: row.cron, nextAt: row.next_at };
}
