import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { registerAccountRoutes } from './account-routes.js';
import { ARTIFACT_UPLOAD_PATH, registerArtifactRoutes } from './artifact-routes.js';
import type { ApiEnv } from './api-env.js';
import { registerAuditRoutes } from './audit-routes.js';
import { CACHE_UPLOAD_PATH, registerCacheRoutes } from './cache-routes.js';
import type { DashboardFiles } from './dashboard-files.js';
import { serveDashboard } from './dashboard-files.js';
import { errorResponse, validationError } from './error-mapper.js';
import { auditRequests, guardRoutes } from './guard-middleware.js';
import { registerLogEventRoutes } from './log-stream-routes.js';
import { registerLogTextRoutes } from './log-text-routes.js';
import { registerProjectRoutes } from './project-routes.js';
import { registerRetentionRoutes } from './retention-routes.js';
import type { RequestGuard } from './request-guard.js';
import { registerRunEventRoutes } from './run-event-routes.js';
import { registerRunRoutes } from './run-routes.js';
import { registerRunnerRoutes } from './runner-routes.js';
import { registerSecretRoutes } from './secret-routes.js';
import type { ApiServices } from './services.js';
import { registerWebhookRoutes } from './webhook-routes.js';

const MAX_BODY = 8 * 1024 * 1024;
/** Every response but the dashboard's pages: nothing may load, run or frame it. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The HTTP API as a Hono app: `app.fetch` serves it, `app.request` tests it in-process.
 * Every request passes, in order: a trace id and security headers; the audit recorder (which
 * writes after the response is known); the guard (credential, then the route's rule in
 * route-permissions.ts); the body limit; then the route with its schema validation.
 * No CORS headers are sent: only pages served by this server (same origin) may call it.
 * With `dashboard`, a GET that no route matches may be one of the dashboard's files (see
 * serveDashboard): those are public, hold no data, and never shadow an API route.
 */
export function createApi(services: ApiServices, guard: RequestGuard, options: { dashboard?: DashboardFiles } = {}): OpenAPIHono<ApiEnv> {
  const { logger, clock } = services;
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error.issues);
    },
  });

  app.use('*', async (c, next) => {
    const started = clock.now();
    const traceId = c.req.header('x-trace-id')?.slice(0, 64) ?? randomUUID();
    c.set('traceId', traceId);
    c.header('x-trace-id', traceId);
    await next();
    if (c.req.path.startsWith('/api/')) c.header('cache-control', 'no-store');
    if (!c.req.path.startsWith('/api/v1/runner/')) {
      logger.debug('request', { trace_id: traceId, module: 'api', method: c.req.method, path: c.req.path, status: c.res.status, duration_ms: clock.now() - started });
    }
  });
  app.use('*', async (c, next) => {
    await next();
    // The dashboard's HTML brings its own policy (DASHBOARD_CSP); every other response gets the API's.
    if (!c.res.headers.has('content-security-policy')) c.res.headers.set('content-security-policy', API_CSP);
  });
  app.use(
    '*',
    secureHeaders({
      crossOriginResourcePolicy: 'same-origin',
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      // HSTS only means something over TLS, which a proxy in front of the server terminates.
      strictTransportSecurity: false,
    }),
  );
  app.use('*', auditRequests(services.audit));
  app.use('*', guardRoutes(guard, logger));
  // Counts the bytes as they arrive, so a chunked body (no Content-Length) is held to the
  // limit too. It runs after authentication: a request without a valid credential is refused
  // before its body is read (webhooks, which are public, are read up to the limit).
  const limitBody = bodyLimit({
    maxSize: MAX_BODY,
    // The rest of the body is never read, so the connection cannot carry another request.
    onError: (c) => c.json({ error: { code: 'request.too-large', message: `request bodies are limited to ${MAX_BODY} bytes` } }, 413, { connection: 'close' }),
  });
  // Cache archives stream into the blob store and are held to the cache budget there (cache-routes.ts);
  // artifact bytes stream to a staging file, held to the size announced when the upload started.
  app.use('/api/v1/*', (c, next) => (CACHE_UPLOAD_PATH.test(c.req.path) || ARTIFACT_UPLOAD_PATH.test(c.req.path) ? next() : limitBody(c, next)));
  app.onError((error, c) => errorResponse(c, error, logger));
  const { dashboard } = options;
  app.notFound((c) => (dashboard && serveDashboard(c, dashboard)) || c.json({ error: { code: 'not-found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => ((await services.ready()) ? c.json({ status: 'ready' }) : c.json({ status: 'not ready' }, 503)));
  app.get('/metrics', async (c) => c.body(await services.metrics.render(), 200, { 'content-type': services.metrics.contentType }));

  registerAccountRoutes(app, services);
  registerProjectRoutes(app, services);
  registerRunRoutes(app, services);
  registerSecretRoutes(app, services);
  registerAuditRoutes(app, services);
  registerRunnerRoutes(app, services);
  registerArtifactRoutes(app, services);
  registerLogEventRoutes(app, services);
  registerLogTextRoutes(app, services);
  registerRunEventRoutes(app, services);
  registerWebhookRoutes(app, services);
  registerCacheRoutes(app, services);
  registerRetentionRoutes(app, services);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc('/api/v1/openapi.json', { openapi: '3.0.3', info: { title: 'DeployLite API', version: '1' } });
  return app;
}
