import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import type { AuditQuery as StoreAuditQuery } from '../../store/index.js';
import type { ApiEnv } from './api-env.js';
import * as I from './identity-schemas.js';
import { errors, security } from './route-helpers.js';
import type { ApiServices } from './services.js';

const EXPORT_PAGE = 1000;

/** `GET /api/v1/audit`: the audit log, filtered, newest first; `format=jsonl` exports every match as JSON lines. */
export function registerAuditRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const { audit } = services.store;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/audit',
      security,
      request: { query: I.AuditQuery },
      responses: {
        200: {
          content: { 'application/json': { schema: z.object({ entries: z.array(I.AuditEntry), next: z.number().int().nullable() }) }, 'application/x-ndjson': { schema: I.AuditEntry } },
          description: 'entries, newest first (JSON page, or every match as JSON lines)',
        },
        ...errors,
      },
    }),
    async (c) => {
      const { format, before, limit, ...filters } = c.req.valid('query');
      const query: StoreAuditQuery = { ...filters, ...(before !== undefined ? { beforeId: before } : {}), limit };
      if (format === 'jsonl') {
        c.header('content-type', 'application/x-ndjson');
        c.header('content-disposition', 'attachment; filename="deploylite-audit.jsonl"');
        return stream(c, async (out) => {
          let beforeId = query.beforeId;
          for (;;) {
            const page = await audit.query({ ...query, limit: EXPORT_PAGE, ...(beforeId !== undefined ? { beforeId } : {}) });
            if (page.length === 0) break;
            await out.write(page.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
            if (page.length < EXPORT_PAGE || out.aborted) break;
            beforeId = page[page.length - 1]?.id;
          }
        }) as never;
      }
      const entries = await audit.query({ ...query, limit: limit + 1 });
      const page = entries.slice(0, limit);
      return c.json({ entries: page.map((e) => ({ ...e, detail: { ...e.detail } })), next: entries.length > limit ? (page[page.length - 1]?.id ?? null) : null }, 200);
    },
  );
}
