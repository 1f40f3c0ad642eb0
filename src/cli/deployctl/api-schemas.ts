/**
 * The parts of the REST API's responses (docs/api.md) that `deployctl` reads. Objects are
 * loose: fields the CLI does not use pass through untouched, so a newer server with more
 * fields still works. A response without a field the CLI needs is a clear error instead of
 * a crash in the middle of printing.
 */
// zod/mini: the same checks as zod for a twentieth of the bundle (a CLI's start-up counts).
import * as z from 'zod/mini';

/** The API may send times as epoch milliseconds or ISO strings; both print the same. */
const Time = z.union([z.number(), z.string()]);

export const ApiErrorBody = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string(), field: z.optional(z.string()) }),
});

/** `username`, `isAdmin` and `projects` arrived with users and roles; older servers lack them. */
export const Whoami = z.looseObject({
  name: z.string(),
  kind: z.string(),
  username: z.optional(z.nullable(z.string())),
  isAdmin: z.optional(z.boolean()),
  projects: z.optional(z.record(z.string(), z.string())),
});
export type Whoami = z.infer<typeof Whoami>;

/** POST /auth/login and /auth/refresh: never printed, only saved (0600). */
export const SessionTokens = z.looseObject({
  accessToken: z.string(),
  accessTokenExpiresAt: z.number(),
  refreshToken: z.string(),
  refreshTokenExpiresAt: z.number(),
  user: z.looseObject({ id: z.number(), username: z.string(), isAdmin: z.boolean() }),
});
export type SessionTokens = z.infer<typeof SessionTokens>;

export const User = z.looseObject({ id: z.number(), username: z.string(), isAdmin: z.boolean(), disabled: z.boolean(), createdAt: Time });
export type User = z.infer<typeof User>;
export const UserList = z.looseObject({ users: z.array(User) });

export const Member = z.looseObject({ username: z.string(), role: z.string(), since: Time });
export const MemberList = z.looseObject({ members: z.array(Member) });

/** A secret's name and scope; the API never sends its value. */
export const Secret = z.looseObject({ name: z.string(), environment: z.nullable(z.string()), createdAt: Time, updatedAt: Time, updatedBy: z.string() });
export type Secret = z.infer<typeof Secret>;
export const SecretList = z.looseObject({ secrets: z.array(Secret) });

export const AuditEntry = z.looseObject({
  id: z.number(),
  time: Time,
  actor: z.string(),
  action: z.string(),
  resource: z.string(),
  status: z.string(),
  httpStatus: z.optional(z.nullable(z.number())),
  sourceIp: z.optional(z.string()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export const AuditPage = z.looseObject({ entries: z.array(AuditEntry), next: z.nullable(z.number()) });
export type AuditPage = z.infer<typeof AuditPage>;

export const Project = z.looseObject({
  id: z.number(),
  name: z.string(),
  repository: z.string(),
  pipelinePath: z.string(),
  defaultBranch: z.string(),
  maxConcurrentJobs: z.optional(z.nullable(z.number())),
  createdAt: Time,
});
export type Project = z.infer<typeof Project>;

export const CreatedProject = z.extend(Project, {
  webhookSecret: z.string(),
  webhookUrls: z.looseObject({ github: z.string(), gitea: z.string(), gitlab: z.string() }),
});
export type CreatedProject = z.infer<typeof CreatedProject>;

export const ProjectList = z.looseObject({ projects: z.array(Project) });

export const RUN_FINAL_STATUSES: ReadonlySet<string> = new Set(['success', 'failed', 'cancelled']);
export const JOB_FINAL_STATUSES: ReadonlySet<string> = new Set(['success', 'failed', 'skipped', 'cancelled']);

export const Job = z.looseObject({
  id: z.string(),
  key: z.string(),
  jobId: z.string(),
  name: z.string(),
  status: z.string(),
  attempts: z.number(),
  startedAt: z.nullable(Time),
  finishedAt: z.nullable(Time),
  error: z.optional(z.nullable(z.string())),
});
export type Job = z.infer<typeof Job>;

export const Run = z.looseObject({
  id: z.number(),
  project: z.string(),
  name: z.string(),
  status: z.string(),
  ref: z.string(),
  sha: z.string(),
  trigger: z.looseObject({ kind: z.string(), event: z.optional(z.nullable(z.string())), actor: z.optional(z.nullable(z.string())) }),
  createdAt: Time,
  startedAt: z.nullable(Time),
  finishedAt: z.nullable(Time),
  error: z.optional(z.nullable(z.string())),
  url: z.string(),
});
export type Run = z.infer<typeof Run>;

export const RunWithJobs = z.extend(Run, { jobs: z.array(Job) });
export type RunWithJobs = z.infer<typeof RunWithJobs>;

export const LogLine = z.looseObject({ lineNo: z.number(), stream: z.string(), time: Time, text: z.string() });
export type LogLine = z.infer<typeof LogLine>;

export const LogPage = z.looseObject({ lines: z.array(LogLine), next: z.nullable(z.number()), complete: z.boolean() });
export type LogPage = z.infer<typeof LogPage>;

/** The `data:` of an SSE `end` event. */
export const LogEnd = z.looseObject({ status: z.string() });

export const RunnerList = z.looseObject({
  runners: z.array(
    z.looseObject({
      id: z.number(),
      name: z.string(),
      labels: z.array(z.string()),
      capacity: z.number(),
      online: z.boolean(),
      lastSeenAt: z.nullable(Time),
      running: z.number(),
      /** The jobs it runs now, of projects the caller may read (absent from servers before it was added). */
      jobs: z.optional(z.array(z.looseObject({ runId: z.number(), jobKey: z.string(), project: z.string() }))),
    }),
  ),
});
export type RunnerList = z.infer<typeof RunnerList>;

/** What an API token may do: projects by id (or every project of its owner) up to a role. */
const TokenScope = z.looseObject({ projects: z.union([z.array(z.number()), z.literal('*')]), role: z.string(), admin: z.optional(z.boolean()) });
export type TokenScope = z.infer<typeof TokenScope>;

export const CreatedToken = z.looseObject({
  id: z.number(),
  name: z.string(),
  kind: z.string(),
  token: z.string(),
  createdAt: Time,
  expiresAt: z.nullable(Time),
  scope: z.optional(z.nullable(TokenScope)),
});

export const TokenList = z.looseObject({
  tokens: z.array(
    z.looseObject({
      id: z.number(),
      name: z.string(),
      kind: z.string(),
      createdAt: Time,
      expiresAt: z.nullable(Time),
      revokedAt: z.nullable(Time),
      owner: z.optional(z.nullable(z.string())),
      scope: z.optional(z.nullable(TokenScope)),
    }),
  ),
});
export type TokenList = z.infer<typeof TokenList>;

export const Artifact = z.looseObject({
  name: z.string(),
  job: z.string(),
  digest: z.string(),
  size: z.number(),
  files: z.number(),
  createdAt: Time,
  expiresAt: z.nullable(Time),
  sbomDigest: z.string(),
  signature: z.string(),
  sbomSignature: z.string(),
});
export type Artifact = z.infer<typeof Artifact>;
export const ArtifactList = z.looseObject({ artifacts: z.array(Artifact) });
export type ArtifactList = z.infer<typeof ArtifactList>;

/** POST /admin/artifacts/cleanup (docs/api.md#artifact-retention). */
export const ArtifactCleanupReport = z.looseObject({
  dryRun: z.boolean(),
  policy: z.looseObject({ keepVersions: z.number(), maxIdleMs: z.number(), maxTotalBytes: z.nullable(z.number()) }),
  deleted: z.array(
    z.looseObject({ project: z.string(), pipeline: z.string(), runId: z.number(), name: z.string(), bytes: z.number(), reason: z.string(), lastUsedAt: Time }),
  ),
  freedBytes: z.number(),
  keptArtifacts: z.number(),
  keptBytes: z.number(),
  overCapBytes: z.number(),
  orphans: z.looseObject({ count: z.number(), bytes: z.number(), spared: z.number() }),
  incompleteUploadsRemoved: z.number(),
});
export type ArtifactCleanupReport = z.infer<typeof ArtifactCleanupReport>;
