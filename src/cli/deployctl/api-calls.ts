/** One function per endpoint of docs/api.md that `deployctl` calls. */
import type { ApiClient, ApiResponse } from './api-client.js';
import { segment } from './api-client.js';
import type { AuditPage, CreatedProject, LogPage, RunnerList, RunWithJobs, SessionTokens, TokenList, Whoami } from './api-schemas.js';
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

export const triggerRun = (client: ApiClient, project: string, body: { ref?: string; variables?: Record<string, string>; workflow?: string; inputs?: Record<string, string> }) =>
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

export interface NewToken {
  readonly name: string;
  readonly kind: string;
  readonly expiresIn?: string;
  readonly projects?: readonly string[] | '*';
  readonly role?: string;
  readonly admin?: boolean;
}

export const createToken = (client: ApiClient, body: NewToken) => client.request('POST', '/tokens', schema.CreatedToken, { body });

export const listTokens = (client: ApiClient, all = false): Promise<ApiResponse<TokenList>> =>
  client.request('GET', '/tokens', schema.TokenList, all ? { query: { all: 'true' } } : {});

export const revokeToken = (client: ApiClient, id: number) => client.requestEmpty('DELETE', `/tokens/${segment(id)}`);

// Sessions: `client` sends no credential to login and refresh (the body holds it).

export const logIn = (client: ApiClient, username: string, password: string): Promise<ApiResponse<SessionTokens>> =>
  client.request('POST', '/auth/login', schema.SessionTokens, { body: { username, password } });

export const refreshSession = (client: ApiClient, refreshToken: string): Promise<ApiResponse<SessionTokens>> =>
  client.request('POST', '/auth/refresh', schema.SessionTokens, { body: { refreshToken } });

export const logOut = (client: ApiClient) => client.requestEmpty('POST', '/auth/logout');

export const changeOwnPassword = (client: ApiClient, currentPassword: string, newPassword: string) =>
  client.requestEmpty('PUT', '/users/me/password', { body: { currentPassword, newPassword } });

// Users (admins only).

export const listUsers = (client: ApiClient) => client.request('GET', '/users', schema.UserList);

export const createUser = (client: ApiClient, body: { username: string; password: string; isAdmin: boolean }) =>
  client.request('POST', '/users', schema.User, { body });

export const updateUser = (client: ApiClient, username: string, body: { password?: string; isAdmin?: boolean; disabled?: boolean }) =>
  client.request('PATCH', `/users/${segment(username)}`, schema.User, { body });

// Project members and secrets.

export const listMembers = (client: ApiClient, project: string) => client.request('GET', `/projects/${segment(project)}/members`, schema.MemberList);

export const setMember = (client: ApiClient, project: string, username: string, role: string) =>
  client.request('PUT', `/projects/${segment(project)}/members/${segment(username)}`, schema.Member, { body: { role } });

export const removeMember = (client: ApiClient, project: string, username: string) =>
  client.requestEmpty('DELETE', `/projects/${segment(project)}/members/${segment(username)}`);

export const listSecrets = (client: ApiClient, project: string) => client.request('GET', `/projects/${segment(project)}/secrets`, schema.SecretList);

/** The value travels in the body only, never in the URL (which proxies log). */
export const putSecret = (client: ApiClient, project: string, name: string, value: string, environment: string | undefined) =>
  client.request('PUT', `/projects/${segment(project)}/secrets/${segment(name)}`, schema.Secret, {
    body: { value, ...(environment !== undefined && { environment }) },
  });

export const deleteSecret = (client: ApiClient, project: string, name: string, environment: string | undefined) =>
  client.requestEmpty('DELETE', `/projects/${segment(project)}/secrets/${segment(name)}`, { query: { environment } });

// The audit log (admins only).

export interface AuditFilters {
  readonly actor?: string;
  readonly action?: string;
  readonly resource?: string;
  readonly status?: string;
  /** Epoch milliseconds. */
  readonly since?: number;
  readonly until?: number;
  /** Entries older than this id (the `next` of the previous page). */
  readonly before?: number;
  readonly limit?: number;
}

export const queryAudit = (client: ApiClient, filters: AuditFilters): Promise<ApiResponse<AuditPage>> =>
  client.request('GET', '/audit', schema.AuditPage, { query: { ...filters } });

/** Every matching entry, one JSON object a line, as the server streams it. */
export const exportAudit = (client: ApiClient, filters: AuditFilters, signal: AbortSignal) =>
  client.openStream('/audit', { ...filters, format: 'jsonl' }, signal, 'application/x-ndjson');

export const listArtifacts = (client: ApiClient, runId: number): Promise<ApiResponse<schema.ArtifactList>> =>
  client.request('GET', `/runs/${segment(runId)}/artifacts`, schema.ArtifactList);

/** The archive, as the server streams it after checking it against its digest. */
export const openArtifact = (client: ApiClient, runId: number, name: string, signal: AbortSignal) =>
  client.openStream(`/runs/${segment(runId)}/artifacts/${segment(name)}`, {}, signal, 'application/x-tar');

export const openArtifactSbom = (client: ApiClient, runId: number, name: string, signal: AbortSignal) =>
  client.openStream(`/runs/${segment(runId)}/artifacts/${segment(name)}/sbom`, {}, signal, 'application/vnd.cyclonedx+json');

/** The project's public key (PEM) that signs its artifacts. */
export const openSigningKey = (client: ApiClient, project: string, signal: AbortSignal) =>
  client.openStream(`/projects/${segment(project)}/signing-key`, {}, signal, 'application/x-pem-file');

/** Runs artifact retention now (admin only); with dryRun only reports what it would delete. */
export const cleanUpArtifacts = (client: ApiClient, dryRun: boolean): Promise<ApiResponse<schema.ArtifactCleanupReport>> =>
  client.request('POST', '/admin/artifacts/cleanup', schema.ArtifactCleanupReport, { body: { dryRun } });
