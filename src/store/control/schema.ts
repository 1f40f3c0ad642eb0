import type { Generated } from 'kysely';
import type { ArtifactTables } from './artifact-schema.js';
import type { CacheTables } from './cache-schema.js';
import type { IdentityTables } from './identity-schema.js';
import type { JobSummaryTables } from './job-summary-schema.js';
import type { PeriodicClaimTables } from './periodic-claim-schema.js';

/**
 * The control plane's tables as Kysely sees them, column for column (control-migrations.ts
 * creates them). Times are epoch milliseconds (bigint in PostgreSQL, read back as numbers),
 * booleans are 0/1 integers and JSON values are text, so both dialects hold the same values.
 */
export interface ControlDatabase extends IdentityTables, ArtifactTables, CacheTables, PeriodicClaimTables, JobSummaryTables {
  projects: ProjectsTable;
  runs: RunsTable;
  jobs: JobsTable;
  log_lines: LogLinesTable;
  job_queue: JobQueueTable;
  runners: RunnersTable;
  tokens: TokensTable;
  webhook_deliveries: WebhookDeliveriesTable;
  schedules: SchedulesTable;
}

/** 0 or 1: better-sqlite3 cannot bind booleans, so both dialects store integers. */
export type Flag = 0 | 1;

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  repository: string;
  pipeline_path: string;
  default_branch: string;
  webhook_secret: string;
  max_concurrent_jobs: number | null;
  created_at: number;
}

export interface RunsTable {
  id: Generated<number>;
  /** Null for a run created through the engine's `createRun` (no project). */
  project_id: number | null;
  name: string;
  file: string;
  source: string;
  status: string;
  /** JSON RunOptionsRecord. */
  options: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  attempt: number;
  ref: string;
  sha: string;
  /** JSON TriggerInfo. */
  trigger: string;
  concurrency_group: string | null;
  cancel_in_progress: Flag;
  error: string | null;
}

export interface JobsTable {
  /** Insertion order: `listJobs` returns jobs in the order they were first saved. */
  seq: Generated<number>;
  run_id: number;
  key: string;
  job_id: string;
  matrix_index: number | null;
  /** JSON MatrixValues or null. */
  matrix: string | null;
  name: string;
  status: string;
  attempts: number;
  exit_code: number | null;
  started_at: number | null;
  finished_at: number | null;
  /** JSON object of strings. */
  outputs: string;
  rollback_status: string | null;
  error: string | null;
  continue_on_error: Flag;
  pid: number | null;
}

export interface LogLinesTable {
  run_id: number;
  job_key: string;
  line_no: number;
  stream: string;
  time: number;
  text: string;
}

export interface JobQueueTable {
  id: Generated<number>;
  run_id: number;
  job_key: string;
  project_id: number;
  /** JSON string array. */
  labels: string;
  priority: number;
  status: string;
  /** JSON. */
  payload: string;
  lease_id: string | null;
  runner_id: number | null;
  lease_expires_at: number | null;
  lease_attempt: number;
  log_cursor: number;
  cancel_requested: Flag;
  /** JSON, or null until done. */
  result: string | null;
  created_at: number;
  assigned_at: number | null;
  finished_at: number | null;
}

export interface RunnersTable {
  id: Generated<number>;
  name: string;
  /** JSON string array. */
  labels: string;
  capacity: number;
  version: string;
  created_at: number;
  last_seen_at: number | null;
}

export interface TokensTable {
  id: Generated<number>;
  name: string;
  kind: string;
  token_hash: string;
  runner_id: number | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  /** API tokens: the user it acts for (0004_identity). */
  user_id: number | null;
  /** API tokens: JSON {"projects": number[] | "*", "role": string}. */
  scope: string | null;
  last_used_at: number | null;
}

export interface WebhookDeliveriesTable {
  project_id: number;
  provider: string;
  delivery_id: string;
  received_at: number;
}

export interface SchedulesTable {
  project_id: number;
  cron: string;
  next_at: number;
}
