import type { JobStatus, LogStream, RunOptionsRecord, RunRecord, RunStore } from '../engine/index.js';
import type { AuditStore, IdentityStore, SecretStore } from './identity-store.js';
import type { ArtifactStore } from './artifact-store.js';
import type { ArtifactRetentionStore } from './artifact-retention-store.js';
import type { CacheIndexStore } from './cache-index-store.js';

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

export type NewProject = Omit<ProjectRecord, 'id' | 'createdAt'> & {
  /** Made the project's owner in the same transaction, so no project is ever left without one. */
  readonly ownerUserId?: number | null;
};

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

export type NewGroupedRun = Omit<NewServerRun, 'status' | 'concurrencyGroup'> & { readonly concurrencyGroup: string };

export interface ConditionalRunPatch {
  readonly status: RunRecord['status'];
  readonly finishedAt?: number | null;
  /** Why, for a run that failed or was cancelled before its jobs could say (see ServerRunRecord.error). */
  readonly error?: string;
}

export interface RunQuery {
  readonly projectId?: number;
  /** Only runs of these projects (what a user may see); an empty list finds nothing. */
  readonly projectIds?: readonly number[];
  readonly statuses?: readonly RunRecord['status'][];
  /** Only runs of one of these refs, exactly as stored (`main`, `refs/heads/main`). */
  readonly refs?: readonly string[];
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

/** Which queued items a runner's poll may take; `listQueued` filters in the query, not after it. */
export interface QueuedFilter {
  /** Only items whose labels are all among these (the runner's). */
  readonly labels?: readonly string[];
  /** Not items of these projects (at their concurrency limit). */
  readonly excludeProjects?: readonly number[];
  /** Only items after this one in queue order (the last item of the previous page). */
  readonly after?: { readonly priority: number; readonly id: number };
}

/** An item a poll won: what its runner needs (the payload, the lease) and what the metrics do. */
export interface ClaimedItem {
  readonly id: number;
  readonly leaseId: string;
  readonly payload: unknown;
  readonly priority: number;
  readonly createdAt: number;
}

/** A job a runner holds a lease on now: enough to name it and link to it. */
export interface LeasedJob {
  readonly runnerId: number;
  readonly runId: number;
  readonly jobKey: string;
  readonly projectId: number;
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
  /** For kind 'api': the user the token acts for (null for tokens made before users existed). */
  readonly userId: number | null;
  /** For kind 'api': the projects and the highest role it may use. */
  readonly scope: TokenScope | null;
  readonly lastUsedAt: number | null;
}

export interface TokenScope {
  /** Project ids, or every project its owner belongs to. */
  readonly projects: readonly number[] | '*';
  readonly role: string;
  /** The token may use its owner's admin rights (only if the owner is an admin). */
  readonly admin?: boolean;
}

export type NewToken = Omit<TokenRecord, 'id' | 'revokedAt' | 'userId' | 'scope' | 'lastUsedAt'> & Partial<Pick<TokenRecord, 'userId' | 'scope'>>;

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
  /** Users, memberships and sessions. */
  readonly identity: IdentityStore;
  /** Data keys and sealed secrets. */
  readonly secrets: SecretStore;
  readonly audit: AuditStore;
  /** Job artifacts, their uploads and project signing keys. */
  readonly artifacts: ArtifactStore;
  /** Saved caches (the archives are in the blob store). */
  readonly caches: CacheIndexStore;
  /** What artifact retention reads and deletes, and the claim of its periodic run. */
  readonly artifactRetention: ArtifactRetentionStore;
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
  /** Changes the run only while its status is one of `from`; false when someone changed it first. */
  updateRunIf(id: number, from: readonly RunRecord['status'][], patch: ConditionalRunPatch): Promise<boolean>;

  // concurrency groups: each call decides and writes in one write transaction, serialized per
  // (project, group) — SQLite's BEGIN IMMEDIATE, an advisory lock on PostgreSQL — so that a
  // group never has two runs 'running', whichever server processes trigger, retry or finish.
  /** Stores a run of a concurrency group: 'running' when no run of its group is running, else 'pending'. */
  createGroupedRun(run: NewGroupedRun): Promise<ServerRunRecord>;
  /** pending → running for the group's oldest pending run, only when none of the group is running. */
  startNextPending(projectId: number, group: string): Promise<ServerRunRecord | undefined>;
  /**
   * A finished run (success, failed, cancelled) at `attempt` runs again as attempt + 1:
   * 'running', or 'pending' when its concurrency group has a running run. In the same
   * transaction the jobs of `resetJobKeys` are forgotten and their queue items archived, so
   * whoever drives the run next runs them anew. Undefined, and nothing changed, when the run
   * is not finished at that attempt any more (a concurrent retry won).
   */
  reopenRun(id: number, attempt: number, resetJobKeys: readonly string[]): Promise<ServerRunRecord | undefined>;

  // queue
  /** ConflictError `queue.duplicate` when the job of that run already has a queued or leased item. */
  enqueue(item: NewQueueItem): Promise<QueueItem>;
  /** The latest item of (run, job key) that is not archived. */
  findQueueItem(runId: number, jobKey: string): Promise<QueueItem | undefined>;
  getQueueItem(id: number): Promise<QueueItem | undefined>;
  getQueueItemByLease(leaseId: string): Promise<QueueItem | undefined>;
  /** Status, result and assignment time of each of `ids` that exists, in one read (no payloads). */
  queueItemStates(ids: readonly number[]): Promise<Map<number, Pick<QueueItem, 'status' | 'result' | 'assignedAt'>>>;
  /** Queued items, priority desc then id asc, without their payload (null): `claimMany` returns it. */
  listQueued(limit: number, filter?: QueuedFilter): Promise<QueueItem[]>;
  /** Job slots left to each project that has a limit: the limit minus its leased items (0 or less when full). */
  projectSlotsLeft(): Promise<Map<number, number>>;
  /** Leased items per project id. */
  countLeasedByProject(): Promise<Map<number, number>>;
  /** Leased items per runner id. */
  countLeasedByRunner(): Promise<Map<number, number>>;
  /** Every leased item's job, by runner id, then in the order they were leased (no payloads). */
  listLeasedJobs(): Promise<LeasedJob[]>;
  queueDepth(): Promise<number>;
  /** queued → leased, only if still queued. */
  claim(id: number, lease: { leaseId: string; runnerId: number; expiresAt: number; now: number }): Promise<boolean>;
  /**
   * queued → leased for every item of `ids` still queued, in one statement; each gets the lease
   * id `<leasePrefix>.<id>`. Returns the items won (others were taken meanwhile) with their payload.
   */
  claimMany(ids: readonly number[], lease: { leasePrefix: string; runnerId: number; expiresAt: number; now: number }): Promise<{ id: number; leaseId: string; payload: unknown }[]>;
  /**
   * queued → leased for up to `limit` of the oldest items `filter` lets through (priority desc,
   * then id), picked and claimed in one statement so that concurrent callers never pick the
   * same items; each gets the lease id `<leasePrefix>.<id>`. Returns the items won, in queue order.
   */
  claimNext(limit: number, filter: QueuedFilter, lease: { leasePrefix: string; runnerId: number; expiresAt: number; now: number }): Promise<ClaimedItem[]>;
  /**
   * leased → queued again for claims never delivered (the poll's runner hung up): same attempt,
   * as if never claimed. Only while each lease is still current; returns how many went back.
   */
  unclaim(leaseIds: readonly string[]): Promise<number>;
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
  /** completeLease, only if `runnerId` holds the lease; the item's id and assignment time, or undefined. */
  completeHeldLease(runnerId: number, leaseId: string, result: unknown, now: number): Promise<{ id: number; assignedAt: number | null } | undefined>;
  /**
   * Leased items whose lease expired before `now`. The reaper acts on them with
   * `requeue` / `finishExpiredLease`, which check the expiry again: a poll between the two
   * may have extended the lease.
   */
  expiredLeases(now: number): Promise<QueueItem[]>;
  /** leased → queued, new attempt, cursor 0, only if the lease is still `leaseId` and expired before `now`. */
  requeue(id: number, leaseId: string, now: number): Promise<boolean>;
  /** leased → done with `result`, only if the lease is still `leaseId` and expired before `now`. */
  finishExpiredLease(leaseId: string, result: unknown, now: number): Promise<boolean>;
  /** Items of these runs and keys become 'archived' (a re-run starts fresh items). */
  archiveQueueItems(runId: number, keys: readonly string[]): Promise<void>;

  // logs
  /** Appends lines to a job's log, numbering them; returns them as stored. */
  appendJobLog(runId: number, jobKey: string, lines: readonly NewLogLine[]): Promise<LogLineRecord[]>;
  /**
   * Appends a runner's batch: lines before the lease's cursor were stored already and are
   * skipped; the cursor moves in the same transaction. Undefined when the lease is not active
   * (or, given `runnerId`, not that runner's).
   */
  appendLeaseLog(leaseId: string, offset: number, lines: readonly NewLogLine[], runnerId?: number): Promise<{ accepted: number; stored: LogLineRecord[] } | undefined>;
  /** Lines with lineNo > afterLine, in order, at most `limit`. */
  readJobLog(runId: number, jobKey: string, afterLine: number, limit: number): Promise<LogLineRecord[]>;

  // step summaries (GitHub workflow jobs'); deleteJobs and a re-run's reset delete them with their jobs
  /** Insert or replace the job's summary (Markdown, already masked). */
  saveJobSummary(runId: number, jobKey: string, summary: string, now: number): Promise<void>;
  getJobSummary(runId: number, jobKey: string): Promise<string | undefined>;

  // runners and tokens
  createRunner(runner: Omit<RunnerRecord, 'id' | 'lastSeenAt'>): Promise<RunnerRecord>;
  getRunner(id: number): Promise<RunnerRecord | undefined>;
  listRunners(): Promise<RunnerRecord[]>;
  touchRunner(id: number, now: number): Promise<void>;
  createToken(token: NewToken): Promise<TokenRecord>;
  findTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: number, now: number): Promise<void>;
  /** Records when a token was last used, at most once a minute per token (callers throttle). */
  touchToken(id: number, now: number): Promise<void>;

  // triggers
  /** True the first time (provider, delivery id) is seen for the project, false for a replay. */
  recordDelivery(projectId: number, provider: string, deliveryId: string, now: number): Promise<boolean>;
  /** Drops a recorded delivery whose run could not start, so the host's redelivery is not a replay. */
  forgetDelivery(projectId: number, provider: string, deliveryId: string): Promise<void>;
  replaceSchedules(projectId: number, schedules: readonly { cron: string; nextAt: number }[]): Promise<void>;
  /** The project's schedules, by cron. */
  listSchedules(projectId: number): Promise<ScheduleRecord[]>;
  dueSchedules(now: number): Promise<ScheduleRecord[]>;
  /** Moves a schedule from `expectedNextAt` to `nextAt`; false when another process did it first. */
  advanceSchedule(projectId: number, cron: string, expectedNextAt: number, nextAt: number): Promise<boolean>;
}

export type { JobStatus };
