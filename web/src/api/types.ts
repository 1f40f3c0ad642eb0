// The public API's shapes as docs/api.md describes them: the dashboard reads nothing else.

export type RunStatus = 'pending' | 'running' | 'success' | 'failed' | 'cancelled';
export type JobStatus = 'pending' | 'running' | 'success' | 'failed' | 'skipped' | 'cancelled';
export type Role = 'viewer' | 'developer' | 'maintainer' | 'owner';

export interface Project {
  readonly id: number;
  readonly name: string;
  readonly repository: string;
  readonly pipelinePath: string;
  readonly defaultBranch: string;
  readonly maxConcurrentJobs: number | null;
  readonly createdAt: number;
}

export interface Run {
  readonly id: number;
  readonly projectId: number;
  readonly project: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly ref: string;
  readonly sha: string;
  readonly trigger: { readonly kind: string; readonly event?: string; readonly actor?: string; readonly pullRequest?: number };
  readonly attempt: number;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly error: string | null;
}

export interface Job {
  /** `<runId>:<key>` */
  readonly id: string;
  /** `build`, or `build[1]` for a matrix instance. */
  readonly key: string;
  /** The job's id in the pipeline (shared by its matrix instances). */
  readonly jobId: string;
  readonly name: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly exitCode: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly error: string | null;
  readonly matrix: Readonly<Record<string, unknown>> | null;
}

export interface RunWithJobs extends Run {
  readonly jobs: readonly Job[];
}

/** What the runs list is narrowed to (GET /api/v1/runs `status`, `branch`). */
export interface RunFilters {
  readonly status?: RunStatus;
  readonly branch?: string;
}

export interface RunList {
  readonly runs: readonly Run[];
  /** Pass as `before` for the next (older) page. */
  readonly next: number | null;
}

export interface GraphJob {
  readonly id: string;
  readonly name: string;
  readonly needs: readonly string[];
  readonly matrix: boolean;
}

export interface RunGraph {
  /** In an order that respects `needs`. */
  readonly jobs: readonly GraphJob[];
}

/** A job's kept files (GET /api/v1/runs/{id}/artifacts); only committed artifacts are listed. */
export interface Artifact {
  readonly name: string;
  /** The key of the job that made it. */
  readonly job: string;
  /** `sha256:` and 64 hex digits: the archive's digest. */
  readonly digest: string;
  /** The archive's size in bytes. */
  readonly size: number;
  /** How many entries its manifest lists. */
  readonly files: number;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly sbomDigest: string;
  /** Base64 ECDSA P-256 signature of the archive's SHA-256 (cosign's `.sig`). */
  readonly signature: string;
  readonly sbomSignature: string;
}

export interface LogLine {
  readonly lineNo: number;
  readonly stream: 'stdout' | 'stderr' | 'system';
  readonly time: number;
  readonly text: string;
}

/** A job's step summary (Markdown); null when the job wrote none. */
export interface JobSummary {
  readonly jobKey: string;
  readonly summary: string | null;
}

export interface LogPage {
  readonly lines: readonly LogLine[];
  readonly next: number;
  readonly complete: boolean;
}

export interface Whoami {
  readonly name: string;
  readonly kind: 'user' | 'api' | 'admin';
  readonly username: string | null;
  readonly isAdmin: boolean;
  /** Project name → the caller's role there. */
  readonly projects: Readonly<Record<string, Role>>;
}

export interface TokenPair {
  readonly accessToken: string;
  readonly accessTokenExpiresAt: number;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: number;
}

export interface Runner {
  readonly id: number;
  readonly name: string;
  readonly labels: readonly string[];
  readonly capacity: number;
  readonly version: string;
  readonly online: boolean;
  readonly lastSeenAt: number | null;
  /** Jobs it runs now, in every project. */
  readonly running: number;
  /** Those of its current jobs that belong to projects the signed-in user may read. */
  readonly jobs: readonly RunnerJob[];
}

/** A job a runner runs now: its page is `/runs/{runId}/jobs/{jobKey}`. */
export interface RunnerJob {
  readonly runId: number;
  readonly jobKey: string;
  readonly project: string;
}

export interface ApiToken {
  readonly id: number;
  readonly name: string;
  readonly kind: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
  readonly owner: string | null;
  /** Projects by id (or every project of the owner), and the highest role used there. */
  readonly scope: { readonly projects: readonly number[] | '*'; readonly role: Role; readonly admin?: boolean } | null;
}

/** The one answer that carries the token's value. */
export interface CreatedToken extends ApiToken {
  readonly token: string;
}

export interface CreateTokenInput {
  readonly name: string;
  readonly projects: readonly string[] | '*';
  readonly role: Role;
  /** `30d`, `12h`, or `never`. */
  readonly expiresIn: string;
}

export type AuditStatus = 'ok' | 'denied' | 'failed';

export interface AuditEntry {
  readonly id: number;
  readonly time: number;
  readonly actor: string;
  readonly action: string;
  readonly resource: string;
  readonly status: AuditStatus;
  readonly httpStatus: number | null;
  readonly traceId: string;
  readonly sourceIp: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AuditFilters {
  readonly actor?: string;
  readonly action?: string;
  readonly resource?: string;
  readonly status?: AuditStatus;
}

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  /** Pass as `before` for the next (older) page. */
  readonly next: number | null;
}
