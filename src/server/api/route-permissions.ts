import type { Action } from '../auth/permissions.js';

/**
 * Which project a route's request is about, found from its path parameters before the handler
 * runs: `project` (id or name), `run` (a run id → its project), `job` (`<runId>:<jobKey>`).
 */
export type RouteTarget = 'project' | 'run' | 'job';

export interface RouteRule {
  readonly action: Action;
  readonly target?: RouteTarget;
  /** The path parameter holding the target; defaults to `project`, `id` and `jobId`. */
  readonly param?: string;
}

/**
 * Reachable without a credential: probes, metrics, the API description, login, and signed
 * webhooks. The dashboard's files are not routes: a GET outside `/api/` that no route matches
 * may be served from the built dashboard (api/dashboard-files.ts), which holds no data — the
 * pages read everything through the guarded API — and can never shadow a route listed here.
 */
export const PUBLIC = 'public';

/**
 * Every route the server answers, by method and Hono path, with the action it performs. The
 * authorization middleware refuses a route missing here (so a new route without a rule does
 * not slip through) and a test checks this table against the OpenAPI document both ways.
 */
export const ROUTE_RULES: Readonly<Record<string, RouteRule | typeof PUBLIC>> = {
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /metrics': PUBLIC,
  'GET /api/v1/openapi.json': PUBLIC,
  'POST /api/v1/auth/login': PUBLIC,
  // The refresh token in the body is the credential.
  'POST /api/v1/auth/refresh': PUBLIC,
  // Authenticated by the project's webhook signature.
  'POST /api/v1/projects/:project/webhooks/:provider': PUBLIC,

  'POST /api/v1/auth/logout': { action: 'session:logout' },
  'GET /api/v1/whoami': { action: 'session:read' },
  'PUT /api/v1/users/me/password': { action: 'account:password' },

  'GET /api/v1/projects': { action: 'project:list' },
  'POST /api/v1/projects': { action: 'project:create' },
  'GET /api/v1/projects/:project': { action: 'project:read', target: 'project' },
  'POST /api/v1/projects/:project/runs': { action: 'run:trigger', target: 'project' },
  'GET /api/v1/projects/:project/members': { action: 'member:read', target: 'project' },
  'PUT /api/v1/projects/:project/members/:username': { action: 'member:manage', target: 'project' },
  'DELETE /api/v1/projects/:project/members/:username': { action: 'member:manage', target: 'project' },
  'GET /api/v1/projects/:project/secrets': { action: 'secret:list', target: 'project' },
  'PUT /api/v1/projects/:project/secrets/:name': { action: 'secret:write', target: 'project' },
  'DELETE /api/v1/projects/:project/secrets/:name': { action: 'secret:write', target: 'project' },

  // Lists only what the caller may see; the handler filters by project.
  'GET /api/v1/runs': { action: 'project:list' },
  'GET /api/v1/runs/:id': { action: 'run:read', target: 'run' },
  'GET /api/v1/runs/:id/graph': { action: 'run:read', target: 'run' },
  'GET /api/v1/runs/:id/events': { action: 'run:read', target: 'run' },
  'POST /api/v1/runs/:id/cancel': { action: 'run:cancel', target: 'run' },
  'POST /api/v1/runs/:id/retry': { action: 'run:retry', target: 'run' },
  'GET /api/v1/runs/:id/jobs/:key/logs': { action: 'run:read', target: 'run' },
  'GET /api/v1/runs/:id/jobs/:key/summary': { action: 'run:read', target: 'run' },
  'GET /api/v1/logs/:jobId/events': { action: 'run:read', target: 'job' },
  'GET /api/v1/logs/:jobId/text': { action: 'run:read', target: 'job' },
  'GET /api/v1/runs/:id/artifacts': { action: 'run:read', target: 'run' },
  'GET /api/v1/runs/:id/artifacts/:name': { action: 'run:read', target: 'run' },
  'GET /api/v1/runs/:id/artifacts/:name/sbom': { action: 'run:read', target: 'run' },
  'GET /api/v1/projects/:project/signing-key': { action: 'project:read', target: 'project' },

  // Lists every runner; of the jobs they run, only those of projects the caller may read.
  'GET /api/v1/runners': { action: 'runner:read' },
  'GET /api/v1/tokens': { action: 'token:manage-own' },
  'POST /api/v1/tokens': { action: 'token:manage-own' },
  'DELETE /api/v1/tokens/:id': { action: 'token:manage-own' },
  'GET /api/v1/users': { action: 'user:manage' },
  'POST /api/v1/users': { action: 'user:manage' },
  'PATCH /api/v1/users/:username': { action: 'user:manage' },
  'GET /api/v1/audit': { action: 'audit:read' },
  'POST /api/v1/admin/artifacts/cleanup': { action: 'artifact:cleanup' },

  'POST /api/v1/runners/register': { action: 'runner:register' },
  'POST /api/v1/runner/poll': { action: 'runner:work' },
  'POST /api/v1/runner/leases/:lease/logs': { action: 'runner:work' },
  'POST /api/v1/runner/leases/:lease/result': { action: 'runner:work' },
  'POST /api/v1/runner/leases/:lease/artifacts': { action: 'runner:work' },
  'PUT /api/v1/runner/leases/:lease/artifacts/uploads/:upload': { action: 'runner:work' },
  'POST /api/v1/runner/leases/:lease/artifacts/uploads/:upload/commit': { action: 'runner:work' },
  'GET /api/v1/runner/leases/:lease/artifacts': { action: 'runner:work' },
  'GET /api/v1/runner/leases/:lease/artifacts/:name': { action: 'runner:work' },
  'POST /api/v1/runner/leases/:lease/caches/lookup': { action: 'runner:work' },
  'GET /api/v1/runner/leases/:lease/caches/archives/:digest': { action: 'runner:work' },
  'POST /api/v1/runner/leases/:lease/caches/archives': { action: 'runner:work' },
  'POST /api/v1/runner/leases/:lease/caches/commit': { action: 'runner:work' },
};

/** The WebSocket log stream is served outside Hono (an HTTP upgrade); its rule, for the same checks. */
export const LOG_STREAM_RULE: RouteRule = { action: 'run:read', target: 'job' };
