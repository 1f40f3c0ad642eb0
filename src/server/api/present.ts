import { redactUrlCredentials } from '../../core/index.js';
import type { JobRecord } from '../../engine/index.js';
import type { ProjectRecord, RunnerRecord, ServerRunRecord, TokenRecord, UserRecord } from '../../store/index.js';

/** Store records as the API shows them: never a secret, never a token hash. */
export function presentProject(project: ProjectRecord) {
  return {
    id: project.id,
    name: project.name,
    // The URL may carry a token for git (https://user:token@host/…); only git sees it.
    repository: redactUrlCredentials(project.repository),
    pipelinePath: project.pipelinePath,
    defaultBranch: project.defaultBranch,
    maxConcurrentJobs: project.maxConcurrentJobs,
    createdAt: project.createdAt,
  };
}

export function presentRun(run: ServerRunRecord, projectName: string, baseUrl: string) {
  const { kind, event, actor, pullRequest } = run.trigger;
  return {
    id: run.id,
    projectId: run.projectId,
    project: projectName,
    name: run.name,
    status: run.status,
    ref: run.ref,
    sha: run.sha,
    trigger: { kind, ...(event ? { event } : {}), ...(actor ? { actor } : {}), ...(pullRequest ? { pullRequest } : {}) },
    attempt: run.attempt,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    error: run.error,
    url: `${baseUrl}/api/v1/runs/${run.id}`,
  };
}

export function presentJob(job: JobRecord) {
  return {
    id: `${job.runId}:${job.key}`,
    key: job.key,
    jobId: job.jobId,
    name: job.name,
    status: job.status,
    attempts: job.attempts,
    exitCode: job.exitCode,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    outputs: { ...job.outputs },
    error: job.error,
    matrix: job.matrix ? { ...job.matrix } : null,
  };
}

export interface RunnerJobView {
  readonly runId: number;
  readonly jobKey: string;
  readonly project: string;
}

/** `running` counts every job it holds; `jobs` are those the caller may see. */
export function presentRunner(runner: RunnerRecord, online: boolean, running: number, jobs: readonly RunnerJobView[]) {
  return {
    id: runner.id,
    name: runner.name,
    labels: [...runner.labels],
    capacity: runner.capacity,
    version: runner.version,
    online,
    lastSeenAt: runner.lastSeenAt,
    running,
    jobs: jobs.map((job) => ({ ...job })),
  };
}

export function presentToken(token: TokenRecord, owner: string | null) {
  return {
    id: token.id,
    name: token.name,
    kind: token.kind,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt,
    lastUsedAt: token.lastUsedAt,
    owner,
    scope: token.scope ? { ...token.scope, projects: token.scope.projects === '*' ? ('*' as const) : [...token.scope.projects] } : null,
  };
}

export function presentUser(user: UserRecord) {
  return { id: user.id, username: user.username, isAdmin: user.isAdmin, disabled: user.disabledAt !== null, createdAt: user.createdAt };
}

/** `<runId>:<key>` → its parts; undefined when malformed. */
export function parseJobId(jobId: string): { runId: number; key: string } | undefined {
  const match = /^(\d+):(.+)$/.exec(jobId);
  return match ? { runId: Number(match[1]), key: match[2] as string } : undefined;
}
