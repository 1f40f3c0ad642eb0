import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { InvalidRequestError, NotFoundError } from '../../core/index.js';
import type { ApiEnv } from './api-env.js';
import { parseJobId } from './present.js';
import { errors, security } from './route-helpers.js';
import type { ApiServices } from './services.js';

/** Where a live log starts: `after` in the query, else SSE's `Last-Event-ID`, else 0. */
export function startLine(after: string | undefined, lastEventId: string | undefined): number {
  const text = after ?? lastEventId ?? '0';
  if (!/^\d+$/.test(text)) throw new InvalidRequestError(`after: expected a line number, got "${text}"`, 'after');
  return Number(text);
}

export async function findJob(services: ApiServices, jobId: string): Promise<{ runId: number; key: string }> {
  const parsed = parseJobId(jobId);
  if (!parsed) throw new InvalidRequestError(`job id "${jobId}" is not <runId>:<key>`, 'jobId');
  const job = (await services.store.listJobs(parsed.runId)).find((j) => j.key === parsed.key);
  if (!job) throw new NotFoundError(`job ${jobId} does not exist`);
  return parsed;
}

/** `GET /api/v1/logs/{jobId}/events`: a job's log as Server-Sent Events, resumable by line. */
export function registerLogEventRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const route = createRoute({
    method: 'get',
    path: '/api/v1/logs/{jobId}/events',
    security,
    request: {
      params: z.object({ jobId: z.string().openapi({ param: { name: 'jobId', in: 'path' }, description: '<runId>:<job key>' }) }),
      query: z.object({ after: z.string().optional().openapi({ description: 'resume after this line number (else Last-Event-ID, else 0)' }) }),
    },
    responses: { 200: { content: { 'text/event-stream': { schema: z.string() } }, description: '`line` events with the line number as id, then one `end` event' }, ...errors },
  });
  // Documented in the OpenAPI document like every guarded route; the handler is a stream.
  app.openapi(route, async (c) => {
    const { runId, key } = await findJob(services, c.req.param('jobId'));
    const after = startLine(c.req.query('after'), c.req.header('last-event-id'));
    return streamSSE(c, async (stream) => {
      await new Promise<void>((resolve) => {
        const subscription = services.logs.subscribe(runId, key, after, {
          line: (line) => {
            const { lineNo, stream: name, time, text } = line;
            void stream.writeSSE({ event: 'line', id: String(lineNo), data: JSON.stringify({ lineNo, stream: name, time, text }) });
          },
          end: (status) => {
            void stream.writeSSE({ event: 'end', data: JSON.stringify({ status }) }).then(resolve, resolve);
          },
        });
        stream.onAbort(() => {
          subscription.close();
          resolve();
        });
      });
    }) as never;
  });
}
