import { accessToken, refresh } from '../auth/session';
import { ApiError, request } from './http';
import type { LogPage, Project, Run, RunGraph, RunList, RunWithJobs } from './types';

/**
 * A request as the signed-in user. An access token the server no longer accepts (a restart
 * with a new key, a clock that drifted) is refreshed once and the request sent again.
 */
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const send = async () => {
    const token = await accessToken();
    if (!token) throw new ApiError(401, 'unauthorized', 'You are not signed in.');
    return request<T>(method, path, { token, ...(body !== undefined ? { body } : {}) });
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
  runs: (project: string, before?: number) =>
    call<RunList>('GET', `/api/v1/runs?project=${enc(project)}&limit=20${before ? `&before=${before}` : ''}`),
  run: (id: number) => call<RunWithJobs>('GET', `/api/v1/runs/${id}`),
  graph: (id: number) => call<RunGraph>('GET', `/api/v1/runs/${id}/graph`),
  trigger: (project: string, ref: string | undefined, variables: Record<string, string>) =>
    call<Run>('POST', `/api/v1/projects/${enc(project)}/runs`, { ...(ref ? { ref } : {}), variables }),
  cancel: (id: number) => call<Run>('POST', `/api/v1/runs/${id}/cancel`),
  /** Re-runs the failed and cancelled jobs, or the one job named, and what depends on them. */
  retry: (id: number, job?: string) => call<Run>('POST', `/api/v1/runs/${id}/retry`, job ? { job } : {}),
  logPage: (runId: number, key: string, after: number, limit = 1000) =>
    call<LogPage>('GET', `/api/v1/runs/${runId}/jobs/${enc(key)}/logs?after=${after}&limit=${limit}`),
};

/** What to tell the user about a failed call. */
export function describeError(thrown: unknown): string {
  if (thrown instanceof ApiError) return thrown.message;
  return 'Something went wrong. Reload the page to try again.';
}
