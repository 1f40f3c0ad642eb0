import { z } from '@hono/zod-openapi';

/** Request and response shapes of the public API; they validate requests and make the OpenAPI document. */

const Name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and dashes (at most 63)');

export const CreateProjectBody = z
  .object({
    name: Name,
    repository: z.string().min(1).max(2000),
    pipelinePath: z.string().min(1).max(500).default('.deploylite.yml'),
    defaultBranch: z.string().min(1).max(250).default('main'),
    maxConcurrentJobs: z.number().int().min(1).max(10_000).nullable().default(null),
  })
  .strict()
  .openapi('CreateProject');

export const Project = z
  .object({
    id: z.number().int(),
    name: z.string(),
    repository: z.string(),
    pipelinePath: z.string(),
    defaultBranch: z.string(),
    maxConcurrentJobs: z.number().int().nullable(),
    createdAt: z.number(),
  })
  .openapi('Project');

export const CreatedProject = Project.extend({
  webhookSecret: z.string(),
  webhookUrls: z.object({ github: z.string(), gitea: z.string(), gitlab: z.string() }),
}).openapi('CreatedProject');

export const TriggerRunBody = z
  .object({
    ref: z.string().min(1).max(250).optional(),
    variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are letters, digits and _'), z.string().max(65_536)).default({}),
    /** A folder of GitHub workflows: which one to run (file name or path); required when several accept manual runs. */
    workflow: z.string().min(1).max(500).optional(),
    /** GitHub workflows: `workflow_dispatch` inputs as text, checked against the workflow's `inputs:` (types, choices, required). */
    inputs: z.record(z.string().min(1).max(100), z.string().max(65_536)).optional(),
  })
  .strict()
  .openapi('TriggerRun');

const RunStatus = z.enum(['pending', 'running', 'success', 'failed', 'cancelled']);
const JobStatus = z.enum(['pending', 'running', 'success', 'failed', 'skipped', 'cancelled']);

export const Job = z
  .object({
    id: z.string(),
    key: z.string(),
    jobId: z.string(),
    name: z.string(),
    status: JobStatus,
    attempts: z.number().int(),
    exitCode: z.number().int().nullable(),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
    outputs: z.record(z.string(), z.string()),
    error: z.string().nullable(),
    matrix: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('Job');

export const Run = z
  .object({
    id: z.number().int(),
    projectId: z.number().int(),
    project: z.string(),
    name: z.string(),
    status: RunStatus,
    ref: z.string(),
    sha: z.string(),
    trigger: z.object({
      kind: z.string(),
      event: z.string().optional(),
      actor: z.string().optional(),
      pullRequest: z.number().optional(),
    }),
    attempt: z.number().int(),
    createdAt: z.number(),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
    error: z.string().nullable(),
    url: z.string(),
  })
  .openapi('Run');

export const RunWithJobs = Run.extend({ jobs: z.array(Job) }).openapi('RunWithJobs');

export const RunGraph = z
  .object({
    jobs: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        needs: z.array(z.string()),
        /** Expanded into instances (`build[0]`, `build[1]`…) when the job becomes ready. */
        matrix: z.boolean(),
      }),
    ),
  })
  .openapi('RunGraph');

export const RunList = z.object({ runs: z.array(Run), next: z.number().int().nullable() }).openapi('RunList');

export const RunQuery = z.object({
  project: z.string().optional(),
  status: RunStatus.optional(),
  branch: z.string().min(1).max(255).optional().openapi({ description: 'only runs of this branch (as given or as refs/heads/<branch>), tag or ref' }),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const RetryBody = z.object({ job: z.string().min(1).optional() }).strict().default({});

export const LogLine = z
  .object({ lineNo: z.number().int(), stream: z.enum(['stdout', 'stderr', 'system']), time: z.number(), text: z.string() })
  .openapi('LogLine');

export const LogPage = z.object({ lines: z.array(LogLine), next: z.number().int(), complete: z.boolean() }).openapi('LogPage');

export const JobSummary = z
  .object({
    jobKey: z.string(),
    /** Markdown a GitHub workflow job's steps wrote to $GITHUB_STEP_SUMMARY, masked; null when they wrote none. */
    summary: z.string().nullable(),
  })
  .openapi('JobSummary');

export const LogQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export const RunnerJob = z
  .object({
    runId: z.number().int(),
    /** The job's key in its run, as in `/api/v1/runs/{id}/jobs/{key}/logs`. */
    jobKey: z.string(),
    project: z.string(),
  })
  .openapi('RunnerJob');

export const Runner = z
  .object({
    id: z.number().int(),
    name: z.string(),
    labels: z.array(z.string()),
    capacity: z.number().int(),
    version: z.string(),
    online: z.boolean(),
    lastSeenAt: z.number().nullable(),
    /** Every job it holds a lease on now, whoever may see them. */
    running: z.number().int(),
    /** The jobs it runs now that belong to projects the caller may read: at most `running` of them. */
    jobs: z.array(RunnerJob),
  })
  .openapi('Runner');

export const CreateTokenBody = z
  .object({
    name: z.string().min(1).max(100),
    kind: z.enum(['api', 'runner-registration']).default('api'),
    /** Default: 90d for API tokens, 7d for registration tokens; "never" for none. */
    expiresIn: z.union([z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30d, 12h or 90m'), z.literal('never')]).optional(),
    /** API tokens: project names (or "*": every project of the owner) and the highest role used there. */
    projects: z.union([z.array(z.string().max(100)).min(1).max(1000), z.literal('*')]).default('*'),
    role: z.enum(['viewer', 'developer', 'maintainer', 'owner']).default('owner'),
    /** API tokens: may use the owner's admin rights (only an admin may ask). */
    admin: z.boolean().default(false),
  })
  .strict()
  .openapi('CreateToken');

export const Token = z
  .object({
    id: z.number().int(),
    name: z.string(),
    kind: z.string(),
    createdAt: z.number(),
    expiresAt: z.number().nullable(),
    revokedAt: z.number().nullable(),
    lastUsedAt: z.number().nullable(),
    owner: z.string().nullable(),
    scope: z.object({ projects: z.union([z.array(z.number().int()), z.literal('*')]), role: z.string(), admin: z.boolean().optional() }).nullable(),
  })
  .openapi('Token');

export const CreatedToken = Token.extend({ token: z.string() }).openapi('CreatedToken');

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) })
  .openapi('Error');
