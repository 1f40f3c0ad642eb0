import type { JobStatus, LogStream, RunOptionsRecord, RunRecord, RunStore } from '../engine/index.js';

/** A project: a Git repository and the pipeline file in it. */
export interface ProjectRecord {
  readonly id: number;
  /** Unique, URL-safe: `[a-z0-9][a-z0-9-]*`. */
  readonly name: string;
  /** Local path, file:// or http(s):// URL, as `git clone` accepts it. */
  readonly repository: string;
  readonly pipelinePath: string;
  readonly defaultBranch: string;
  /** Shared secret for webhook signatures. */
  readonly webhookSecret: string;
  /** Job instances of this project running at once on all runners; null is unlimited. */
  readonly maxConcurrentJobs: number | null;
  readonly createdAt: number;
}

export type NewProject = Omit<ProjectRecord, 'id' | 'createdAt'>;

export type TriggerKind = 'manual' | 'schedule' | 'webhook' | 'retry';

/** What started a run, as shown to users. */
export interface TriggerInfo {
  readonly kind: TriggerKind;
  /** `push`, `pull_request`, the cron expression, … */
  readonly event?: string;
  /** Who: a token name, a Git host user, `schedule`. */
  readonly actor?: string;
  readonly provider?: string;
  readonly deliveryId?: string;
  readonly pullRequest?: number;
}

/** A run of the server: the engine's record plus where it came from. */
export interface ServerRunRecord extends RunRecord {
  readonly projectId: number;
  readonly ref: string;
  readonly sha: string;
  readonly trigger: TriggerInfo;
  /** Resolved `concurrency.group`, or null. */
  readonly concurrencyGroup: string | null;
  readonly cancelInProgress: boolean;
  /** Why the run failed before any job ran (pipeline invalid, commit not found), else null. */
  readonly error: string | null;
}

export interface NewServerRun {
  readonly projectId: number;
  readonly name: string;
  readonly file: string;
  readonly source: string;
  readonly options: RunOptionsRecord;
  readonly ref: string;
  readonly sha: string;
  readonly trigger: TriggerInfo;
  readonly concurrencyGroup: string | null;
  readonly cancelInProgress: boolean;
  /** 'pending' (waits for its concurrency group) or 'running'; 'failed' with `error` for runs that cannot start. */
  readonly status: 'pending' | 'running' | 'failed';
  readonly error: string | null;
  readonly createdAt: number;
}

export interface RunQuery {
  readonly projectId?: number;
  readonly statuses?: readonly RunRecord['status'][];
  /** Runs with an id below this one (pagination, newest first). */
  readonly beforeId?: number;
  readonly limit: number;
}

export type QueueStatus = 'queued' | 'leased' | 'done' | 'archived';

/** One job instance handed to the scheduler: waits in the queue, is leased by a runner, is done. */
export interface QueueItem {
  readonly id: number;
  readonly runId: number;
  readonly jobKey: string;
  readonly projectId: number;
  /** The runner must have every one of these (`runs-on`). */
  readonly labels: readonly string[];
  /** Higher first; FIFO (by id) within a priority. */
  readonly priority: number;
  readonly status: QueueStatus;
  /** The assignment sent to the runner, without its lease id (JSON). */
  readonly payload: unknown;
  readonly leaseId: string | null;
  readonly runnerId: number | null;
  readonly leaseExpiresAt: number | null;
  /** 1 for the first lease, +1 each time a lost lease re-queues it. */
  readonly leaseAttempt: number;
  /** Log lines of the current lease stored so far. */
  readonly logCursor: number;
  readonly cancelRequested: boolean;
  /** The runner's JobResult (JSON) once done. */
  readonly result: unknown;
  readonly createdAt: number;
  readonly assignedAt: number | null;
  readonly finishedAt: number | null;
}

export interface NewQueueItem {
  readonly runId: number;
  readonly jobKey: string;
  readonly projectId: number;
  readonly labels: readonly string[];
  readonly priority: number;
  readonly payload: unknown;
  readonly createdAt: number;
}

export interface LogLineRecord {
  readonly runId: number;
  readonly jobKey: string;
  /** 1-based, per job, gap-free. */
  readonly lineNo: number;
  readonly stream: LogStream;
  readonly time: number;
  readonly text: string;
}

export interface NewLogLine {
  readonly stream: LogStream;
  readonly time: number;
  readonly text: string;
}

export interface RunnerRecord {
  readonly id: number;
  readonly name: string;
  readonly labels: readonly string[];
  readonly capacity: number;
  readonly version: string;
  readonly createdAt: number;
  readonly lastSeenAt: number | null;
}

export type TokenKind = 'admin' | 'api' | 'runner-registration' | 'runner';

export interface TokenRecord {
  readonly id: number;
  readonly name: string;
  readonly kind: TokenKind;
  /** SHA-256 hex of the token; the token itself is never stored. */
  readonly tokenHash: string;
  /** For kind 'runner': the runner it belongs to. */
  readonly runnerId: number | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

export type NewToken = Omit<TokenRecord, 'id' | 'revokedAt'>;

export interface ScheduleRecord {
  readonly projectId: number;
  readonly cron: string;
  readonly nextAt: number;
}

/**
 * Everything the control plane keeps, over SQLite or PostgreSQL with the same code. Also the
 * engine's RunStore for server runs (`createRun` is not used by the server; it creates runs
 * with `createServerRun`). Every method is atomic: it either happens entirely or not at all.
 * Methods named `claim…`, `complete…`, `requeue…` change a row only when it is still in the
 * state the caller saw, so several server processes may share one PostgreSQL.
 */
export interface ControlStore extends RunStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Applies pending versioned migrations; returns the names applied now. */
  migrate(): Promise<string[]>;
  migrationStatus(): Promise<{ applied: string[]; pending: string[] }>;

  // projects
  createProject(project: NewProject, now: number): Promise<ProjectRecord>;
  getProject(id: number): Promise<ProjectRecord | undefined>;
  getProjectByName(name: string): Promise<ProjectRecord | undefined>;
  listProjects(): Promise<ProjectRecord[]>;

  // runs
  createServerRun(run: NewServerRun): Promise<ServerRunRecord>;
  getServerRun(id: number): Promise<ServerRunRecord | undefined>;
  /** Newest first. */
  listServerRuns(query: RunQuery): Promise<ServerRunRecord[]>;
  setRunError(id: number, error: string): Promise<void>;
  /** Forget these jobs' records so that driving the run again runs them anew (re-run). */
  deleteJobs(runId: number, keys: readonly string[]): Promise<void>;

  // queue
  enqueue(item: NewQueueItem): Promise<QueueItem>;
  /** The latest item of (run, job key) that is not archived. */
  findQueueItem(runId: number, jobKey: string): Promise<QueueItem | undefined>;
  getQueueItem(id: number): Promise<QueueItem | undefined>;
  getQueueItemByLease(leaseId: string): Promise<QueueItem | undefined>;
  /** Queued items, priority desc then id asc, without their payload (null): `claimMany` returns it. */
  listQueued(limit: number): Promise<QueueItem[]>;
  /** Leased items per project id. */
  countLeasedByProject(): Promise<Map<number, number>>;
  /** Leased items per runner id. */
  countLeasedByRunner(): Promise<Map<number, number>>;
  queueDepth(): Promise<number>;
  /** queued → leased, only if still queued. */
  claim(id: number, lease: { leaseId: string; runnerId: number; expiresAt: number; now: number }): Promise<boolean>;
  /**
   * queued → leased for every item of `ids` still queued, in one statement; each gets the lease
   * id `<leasePrefix>.<id>`. Returns the items won (others were taken meanwhile) with their payload.
   */
  claimMany(ids: readonly number[], lease: { leasePrefix: string; runnerId: number; expiresAt: number; now: number }): Promise<{ id: number; leaseId: string; payload: unknown }[]>;
  /** Extends the runner's leases among `leaseIds`; returns the ids that were valid. */
  extendLeases(runnerId: number, leaseIds: readonly string[], expiresAt: number): Promise<string[]>;
  /** Every active lease expires no earlier than `expiresAt` (after a server restart). */
  extendAllLeases(expiresAt: number): Promise<void>;
  /** Leased items of this runner that must be cancelled. */
  cancelRequestedFor(runnerId: number, leaseIds: readonly string[]): Promise<string[]>;
  requestCancel(id: number): Promise<void>;
  /** queued → done with `result`, only if still queued. */
  finishQueued(id: number, result: unknown, now: number): Promise<boolean>;
  /** leased → done with `result`, only if the lease is still `leaseId`. */
  completeLease(leaseId: string, result: unknown, now: number): Promise<boolean>;
  /** Leased items whose lease expired before `now`. */
  expiredLeases(now: number): Promise<QueueItem[]>;
  /** leased → queued, new attempt, cursor 0, only if the lease is still `leaseId`. */
  requeue(id: number, leaseId: string): Promise<boolean>;
  /** Items of these runs and keys become 'archived' (a re-run starts fresh items). */
  archiveQueueItems(runId: number, keys: readonly string[]): Promise<void>;

  // logs
  /** Appends lines to a job's log, numbering them; returns them as stored. */
  appendJobLog(runId: number, jobKey: string, lines: readonly NewLogLine[]): Promise<LogLineRecord[]>;
  /**
   * Appends a runner's batch: lines before the lease's cursor were stored already and are
   * skipped; the cursor moves in the same transaction. Undefined when the lease is not active.
   */
  appendLeaseLog(leaseId: string, offset: number, lines: readonly NewLogLine[]): Promise<{ accepted: number; stored: LogLineRecord[] } | undefined>;
  /** Lines with lineNo > afterLine, in order, at most `limit`. */
  readJobLog(runId: number, jobKey: string, afterLine: number, limit: number): Promise<LogLineRecord[]>;

  // runners and tokens
  createRunner(runner: Omit<RunnerRecord, 'id' | 'lastSeenAt'>): Promise<RunnerRecord>;
  getRunner(id: number): Promise<RunnerRecord | undefined>;
  listRunners(): Promise<RunnerRecord[]>;
  touchRunner(id: number, now: number): Promise<void>;
  createToken(token: NewToken): Promise<TokenRecord>;
  findTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: number, now: number): Promise<void>;

  // triggers
  /** True the first time (provider, delivery id) is seen for the project, false for a replay. */
  recordDelivery(projectId: number, provider: string, deliveryId: string, now: number): Promise<boolean>;
  replaceSchedules(projectId: number, schedules: readonly { cron: string; nextAt: number }[]): Promise<void>;
  dueSchedules(now: number): Promise<ScheduleRecord[]>;
  /** Moves a schedule from `expectedNextAt` to `nextAt`; false when another process did it first. */
  advanceSchedule(projectId: number, cron: string, expectedNextAt: number, nextAt: number): Promise<boolean>;
}

export type { JobStatus };
