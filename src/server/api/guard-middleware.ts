import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { ForbiddenError } from '../../core/index.js';
import type { Logger } from '../../core/index.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { authorize } from '../auth/authorize.js';
import type { Action } from '../auth/permissions.js';
import type { ServerMetrics } from '../metrics.js';
import type { ApiEnv } from './api-env.js';
import type { RequestGuard } from './request-guard.js';
import { DeniedError } from './request-guard.js';
import { PUBLIC, ROUTE_RULES } from './route-permissions.js';
import type { RouteRule } from './route-permissions.js';

/** The route a request matched, as `METHOD /path/:param`, or undefined when none did (404). */
export function routeKey(c: Context): { key: string; path: string } | undefined {
  const route = matchedRoutes(c)
    .filter((r) => r.method !== 'ALL')
    .at(-1);
  if (!route) return undefined;
  return { key: `${route.method} ${route.path}`, path: route.path };
}

/** Path parameters by name, read against the route's pattern (middleware runs before the route's own params exist). */
export function pathParams(pattern: string, path: string): Record<string, string> {
  const names = pattern.split('/');
  const values = path.split('/');
  const params: Record<string, string> = {};
  names.forEach((name, index) => {
    if (name.startsWith(':')) params[name.slice(1)] = values[index] ?? '';
  });
  return params;
}

/**
 * Authenticates and authorizes every matched route by its rule in ROUTE_RULES. A route with
 * no rule is refused (and logged as the bug it is) rather than served unchecked.
 */
export function guardRoutes(guard: RequestGuard, logger: Logger): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const route = routeKey(c);
    if (!route) return next();
    const rule: RouteRule | typeof PUBLIC | undefined = ROUTE_RULES[route.key.replace(/^HEAD /, 'GET ')];
    if (rule === PUBLIC) return next();
    if (rule === undefined) {
      logger.error('route has no permission rule; refused', { route: route.key });
      throw new ForbiddenError(`no permission rule covers ${route.key}`);
    }
    c.set('action', rule.action);
    try {
      const guarded = await guard.check(rule, c.req.header('authorization'), pathParams(route.path, c.req.path));
      c.set('principal', guarded.principal);
      c.set('resource', guarded.resource);
      if (guarded.project) c.set('project', guarded.project);
    } catch (error) {
      if (!(error instanceof DeniedError)) throw error;
      c.set('principal', error.principal);
      c.set('resource', error.resource);
      c.set('denied', true);
      throw error.refusal;
    }
    return next();
  };
}

/**
 * A second check inside a handler, where the action depends on the body or the query (a
 * registration token rather than an API token; every user's tokens rather than one's own).
 * A refusal is counted and audited as the guard's are, under the action refused.
 */
export function authorizeInHandler(c: Context<ApiEnv>, metrics: ServerMetrics, action: Action): void {
  try {
    authorize(c.get('principal'), action);
  } catch (error) {
    c.set('action', action);
    c.set('denied', true);
    metrics.policyDenied.inc({ action });
    throw error;
  }
}

/** Runner traffic that changes nothing a person did: polls, log batches and results would flood the log. */
const NOT_AUDITED = new Set(['runner:work']);

/**
 * Records every mutation and every refused request (401, 403, and 404 for a project the
 * caller is not a member of) after the response is known. Reads that succeed are not recorded.
 */
export function auditRequests(trail: AuditTrail): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    await next();
    const status = c.res.status;
    const refused = status === 401 || status === 403 || c.get('denied') === true;
    const mutation = !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);
    const action = c.get('action') ?? c.get('auditAction');
    if (!refused && (!mutation || action === undefined)) return;
    if (!refused && action !== undefined && NOT_AUDITED.has(action)) return;
    await trail.record({
      actor: c.get('auditActor') ?? c.get('principal')?.name ?? 'anonymous',
      action: action ?? `${c.req.method} ${routeKey(c)?.path ?? 'unknown route'}`,
      resource: c.get('resource') || c.req.path,
      status: refused ? 'denied' : status < 400 ? 'ok' : 'failed',
      httpStatus: status,
      traceId: c.get('traceId'),
      sourceIp: sourceAddress(c),
      detail: { method: c.req.method, path: c.req.path },
    });
  };
}

/** The peer address of the TCP connection (not X-Forwarded-For, which any client can set). */
export function sourceAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
