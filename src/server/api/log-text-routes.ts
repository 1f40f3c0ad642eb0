import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import type { ApiEnv } from './api-env.js';
import { findJob } from './log-stream-routes.js';
import { errors, security } from './route-helpers.js';
import type { ApiServices } from './services.js';

const TEXT_PAGE = 5000;

/** A download's file name: letters, digits, `.`, `-` and `_` only, whatever the job key holds. */
export function logFileName(runId: number, key: string): string {
  return `run-${runId}-${key.replace(/[^A-Za-z0-9._-]+/g, '_')}.log`;
}

/**
 * `GET /api/v1/logs/{jobId}/text`: a job's whole stored log as plain text, one line per log
 * line, as an attachment (the dashboard's "Download"). The text is exactly what was stored:
 * secrets already masked when the line was written, terminal colour codes kept (as GitHub's
 * and GitLab's raw logs do; `less -R` shows them). Streamed page by page, so a long log never
 * sits whole in memory; a job still running gives what it has written so far.
 */
export function registerLogTextRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const route = createRoute({
    method: 'get',
    path: '/api/v1/logs/{jobId}/text',
    security,
    request: { params: z.object({ jobId: z.string().openapi({ param: { name: 'jobId', in: 'path' }, description: '<runId>:<job key>' }) }) },
    responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'the log as text, one line per log line' }, ...errors },
  });
  app.openapi(route, async (c) => {
    const { runId, key } = await findJob(services, c.req.param('jobId'));
    c.header('content-type', 'text/plain; charset=utf-8');
    c.header('content-disposition', `attachment; filename="${logFileName(runId, key)}"`);
    return stream(c, async (out) => {
      let after = 0;
      for (;;) {
        const page = await services.store.readJobLog(runId, key, after, TEXT_PAGE);
        if (page.length === 0) break;
        await out.write(page.map((line) => `${line.text}\n`).join(''));
        if (page.length < TEXT_PAGE || out.aborted) break;
        after = page[page.length - 1]?.lineNo ?? after;
      }
    }) as never;
  });
}
