import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { authenticate } from '../auth/tokens.js';
import type { ApiEnv } from './api-env.js';
import { errorResponse, validationError } from './error-mapper.js';
import { registerLogEventRoutes } from './log-stream-routes.js';
import { registerRunnerRoutes } from './runner-routes.js';
import type { ApiServices } from './services.js';
import { registerUserRoutes } from './user-routes.js';
import { registerWebhookRoutes } from './webhook-routes.js';

/** Paths that need no token: health, metrics, the API description, and webhooks (signed). */
const PUBLIC = /^\/(healthz|readyz|metrics|api\/v1\/openapi\.json|api\/v1\/projects\/[^/]+\/webhooks\/[^/]+)$/;
const MAX_BODY = 8 * 1024 * 1024;

/** The HTTP API as a Hono app: `app.fetch` serves it, `app.request` tests it in-process. */
export function createApi(services: ApiServices): OpenAPIHono<ApiEnv> {
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
    c.header('x-content-type-options', 'nosniff');
    const length = Number(c.req.header('content-length') ?? '0');
    if (length > MAX_BODY) return c.json({ error: { code: 'request.too-large', message: `request bodies are limited to ${MAX_BODY} bytes` } }, 413);
    if (!PUBLIC.test(c.req.path)) c.set('principal', await authenticate(services.store, clock, c.req.header('authorization')));
    await next();
    if (!c.req.path.startsWith('/api/v1/runner/')) {
      logger.debug('request', { trace_id: traceId, module: 'api', method: c.req.method, path: c.req.path, status: c.res.status, duration_ms: clock.now() - started });
    }
  });
  app.onError((error, c) => errorResponse(c, error, logger));
  app.notFound((c) => c.json({ error: { code: 'not-found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => ((await services.ready()) ? c.json({ status: 'ready' }) : c.json({ status: 'not ready' }, 503)));
  app.get('/metrics', async (c) => c.body(await services.metrics.render(), 200, { 'content-type': services.metrics.contentType }));

  registerUserRoutes(app, services);
  registerRunnerRoutes(app, services);
  registerLogEventRoutes(app, services);
  registerWebhookRoutes(app, services);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc('/api/v1/openapi.json', { openapi: '3.0.3', info: { title: 'DeployLite API', version: '1' } });
  return app;
}
