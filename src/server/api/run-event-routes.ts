import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { ControlStore } from '../../store/index.js';
import type { RunSnapshotReader } from '../runs/run-event-hub.js';
import type { ApiEnv } from './api-env.js';
import { presentJob, presentRun } from './present.js';
import { errors, RunParam, security } from './route-helpers.js';
import type { ApiServices } from './services.js';

const FINISHED = new Set(['success', 'failed', 'cancelled']);
/** A comment line now and then: proxies close idle streams, and a write finds a gone client. */
const KEEPALIVE_MS = 20_000;

/** A run with its jobs, exactly as `GET /api/v1/runs/{id}` answers it, for the live stream. */
export function createRunSnapshotReader(store: ControlStore, publicUrl: () => string): RunSnapshotReader {
  return async (runId) => {
    const run = await store.getServerRun(runId);
    if (!run) return undefined;
    const [project, jobs] = await Promise.all([store.getProject(run.projectId), store.listJobs(runId)]);
    const body = { ...presentRun(run, project?.name ?? String(run.projectId), publicUrl()), jobs: jobs.map(presentJob) };
    return { body: JSON.stringify(body), final: FINISHED.has(run.status) };
  };
}

/**
 * `GET /api/v1/runs/{id}/events`: a run's state pushed as Server-Sent Events — a `run` event
 * with the run and its jobs at once and whenever they change, then `end` once the run is
 * finished. A plain HTTP route (not a WebSocket) so that the guard, the audit and the OpenAPI
 * document treat it like every other; the dashboard reads it with fetch(), which can send the
 * Authorization header (EventSource cannot). Reconnecting needs no resume position: the
 * first event is always the whole current state.
 */
export function registerRunEventRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const route = createRoute({
    method: 'get',
    path: '/api/v1/runs/{id}/events',
    security,
    request: { params: RunParam },
    responses: {
      200: {
        content: { 'text/event-stream': { schema: z.string() } },
        description: '`run` events (data: the run with its jobs, as GET /api/v1/runs/{id}) when it changed, then one `end` event when the run is finished',
      },
      ...errors,
    },
  });
  app.openapi(route, (c) => {
    const { id } = c.req.valid('param');
    return streamSSE(c, async (stream) => {
      await new Promise<void>((resolve) => {
        const keepalive = setInterval(() => void stream.write(': keepalive\n\n'), KEEPALIVE_MS);
        const finish = () => {
          clearInterval(keepalive);
          subscription.close();
          resolve();
        };
        const subscription = services.runEvents.subscribe(id, {
          snapshot: (body) => void stream.writeSSE({ event: 'run', data: body }),
          end: () => {
            clearInterval(keepalive);
            void stream.writeSSE({ event: 'end', data: '{}' }).then(resolve, resolve);
          },
        });
        stream.onAbort(finish);
      });
    }) as never;
  });
}
