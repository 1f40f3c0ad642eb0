/** One function per endpoint of docs/api.md that `deployctl` calls. */
import type { ApiClient, ApiResponse } from './api-client.js';
import { segment } from './api-client.js';
import type { CreatedProject, LogPage, RunnerList, RunWithJobs, TokenList, Whoami } from './api-schemas.js';
import * as schema from './api-schemas.js';

export const whoami = (client: ApiClient): Promise<ApiResponse<Whoami>> => client.request('GET', '/whoami', schema.Whoami);

export interface NewProject {
  readonly name: string;
  readonly repository: string;
  readonly pipelinePath?: string;
  readonly defaultBranch?: string;
  readonly maxConcurrentJobs?: number;
}

export const createProject = (client: ApiClient, project: NewProject): Promise<ApiResponse<CreatedProject>> =>
  client.request('POST', '/projects', schema.CreatedProject, { body: project });

export const listProjects = (client: ApiClient) => client.request('GET', '/projects', schema.ProjectList);

export const triggerRun = (client: ApiClient, project: string, body: { ref?: string; variables?: Record<string, string> }) =>
  client.request('POST', `/projects/${segment(project)}/runs`, schema.Run, { body });

export const getRun = (client: ApiClient, runId: number): Promise<ApiResponse<RunWithJobs>> =>
  client.request('GET', `/runs/${segment(runId)}`, schema.RunWithJobs);

export const cancelRun = (client: ApiClient, runId: number) => client.request('POST', `/runs/${segment(runId)}/cancel`, schema.Run, { body: {} });

export const retryRun = (client: ApiClient, runId: number, job: string | undefined) =>
  client.request('POST', `/runs/${segment(runId)}/retry`, schema.Run, { body: job === undefined ? {} : { job } });

export const LOG_PAGE_SIZE = 1000;

export const getJobLogs = (client: ApiClient, runId: number, key: string, after: number): Promise<ApiResponse<LogPage>> =>
  client.request('GET', `/runs/${segment(runId)}/jobs/${segment(key)}/logs`, schema.LogPage, {
    query: { after, limit: LOG_PAGE_SIZE },
  });

/** The SSE stream of one job's log from line `after` + 1 on (`id` is `<runId>:<key>`). */
export const openJobLogEvents = (client: ApiClient, jobId: string, after: number, signal: AbortSignal) =>
  client.openStream(`/logs/${segment(jobId)}/events`, { after }, signal);

export const listRunners = (client: ApiClient): Promise<ApiResponse<RunnerList>> => client.request('GET', '/runners', schema.RunnerList);

export const createToken = (client: ApiClient, body: { name: string; kind: string; expiresIn?: string }) =>
  client.request('POST', '/tokens', schema.CreatedToken, { body });

export const listTokens = (client: ApiClient): Promise<ApiResponse<TokenList>> => client.request('GET', '/tokens', schema.TokenList);
