import { accessToken, refresh } from '../auth/session';
import { ApiError, request, requestBlob, requestStream } from './http';
import type { ApiToken, Artifact, AuditFilters, AuditPage, CreatedToken, CreateTokenInput, JobSummary, LogPage, Project, Run, RunFilters, RunGraph, RunList, RunWithJobs, Runner } from './types';

/**
 * A request as the signed-in user. An access token the server no longer accepts (a restart
 * with a new key, a clock that drifted) is refreshed once and the request sent again.
 */
function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return authorized((token) => request<T>(method, path, { token, ...(body !== undefined ? { body } : {}) }));
}

async function authorized<T>(sendWith: (token: string) => Promise<T>): Promise<T> {
  const send = async () => {
    const token = await accessToken();
    if (!token) throw new ApiError(401, 'unauthorized', 'You are not signed in.');
    return sendWith(token);
  };
  try {
    return await send();
  } catch (thrown) {
    if (thrown instanceof ApiError && thrown.status === 401 && (await refresh())) return send();
    throw thrown;
  }
}

const enc = encodeURIComponent;

export const api = {
  projects: () => call<{ projects: Project[] }>('GET', '/api/v1/projects'),
  project: (project: string) => call<Project>('GET', `/api/v1/projects/${enc(project)}`),
  runs: (project: string, before?: number, filters: RunFilters = {}) =>
    call<RunList>('GET', `/api/v1/runs?${runQuery(project, before, filters)}`),
  run: (id: number) => call<RunWithJobs>('GET', `/api/v1/runs/${id}`),
  graph: (id: number) => call<RunGraph>('GET', `/api/v1/runs/${id}/graph`),
  /** The run's live event stream (see composables/use-live-run.ts), opened; abort `signal` to close it. */
  runEvents: (id: number, signal: AbortSignal) => authorized((token) => requestStream(`/api/v1/runs/${id}/events`, { token, signal })),
  trigger: (project: string, ref: string | undefined, variables: Record<string, string>) =>
    call<Run>('POST', `/api/v1/projects/${enc(project)}/runs`, { ...(ref ? { ref } : {}), variables }),
  cancel: (id: number) => call<Run>('POST', `/api/v1/runs/${id}/cancel`),
  /** Re-runs the failed and cancelled jobs, or the one job named, and what depends on them. */
  retry: (id: number, job?: string) => call<Run>('POST', `/api/v1/runs/${id}/retry`, job ? { job } : {}),
  logPage: (runId: number, key: string, after: number, limit = 1000) =>
    call<LogPage>('GET', `/api/v1/runs/${runId}/jobs/${enc(key)}/logs?after=${after}&limit=${limit}`),
  /** A GitHub workflow job's step summary (Markdown, secrets masked). */
  jobSummary: (runId: number, key: string) => call<JobSummary>('GET', `/api/v1/runs/${runId}/jobs/${enc(key)}/summary`),
  /** A job's whole log as text, as stored (secrets masked, colour codes kept). */
  logText: (runId: number, key: string) =>
    authorized((token) => requestBlob(`/api/v1/logs/${enc(`${runId}:${key}`)}/text`, 'text/plain', { token })),
  artifacts: (runId: number) => call<{ artifacts: Artifact[] }>('GET', `/api/v1/runs/${runId}/artifacts`),
  /** An artifact's archive (a tar); the server checks it against its digest while sending it. */
  artifactArchive: (runId: number, name: string) =>
    authorized((token) => requestBlob(`/api/v1/runs/${runId}/artifacts/${enc(name)}`, 'application/x-tar', { token })),
  /** An artifact's CycloneDX SBOM. */
  artifactSbom: (runId: number, name: string) =>
    authorized((token) => requestBlob(`/api/v1/runs/${runId}/artifacts/${enc(name)}/sbom`, 'application/vnd.cyclonedx+json', { token })),
  runners: () => call<{ runners: Runner[] }>('GET', '/api/v1/runners'),
  /** The caller's tokens, or (an admin asking for `all`) everyone's; never their values. */
  tokens: (all: boolean) => call<{ tokens: ApiToken[] }>('GET', `/api/v1/tokens${all ? '?all=true' : ''}`),
  createToken: (input: CreateTokenInput) => call<CreatedToken>('POST', '/api/v1/tokens', { kind: 'api', ...input }),
  revokeToken: (id: number) => call<undefined>('DELETE', `/api/v1/tokens/${id}`),
  audit: (filters: AuditFilters, before?: number) => call<AuditPage>('GET', `/api/v1/audit?${auditQuery(filters, before)}`),
  /** Every entry the filters match, as JSON lines. */
  auditExport: (filters: AuditFilters) =>
    authorized((token) => requestBlob(`/api/v1/audit?${auditQuery(filters)}&format=jsonl`, 'application/x-ndjson', { token })),
};

function runQuery(project: string, before: number | undefined, filters: RunFilters): string {
  const query = new URLSearchParams({ project, limit: '20' });
  if (filters.status) query.set('status', filters.status);
  if (filters.branch) query.set('branch', filters.branch);
  if (before !== undefined) query.set('before', String(before));
  return query.toString();
}

function auditQuery(filters: AuditFilters, before?: number): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (typeof value === 'string' && value !== '') query.set(name, value);
  if (before !== undefined) query.set('before', String(before));
  return query.toString();
}

/** What to tell the user about a failed call. */
export function describeError(thrown: unknown): string {
  if (thrown instanceof ApiError) return thrown.message;
  return 'Something went wrong. Reload the page to try again.';
}
