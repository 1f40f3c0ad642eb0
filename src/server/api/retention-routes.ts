import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import type { ApiEnv } from './api-env.js';
import { body, errors, json, security } from './route-helpers.js';
import type { ApiServices } from './services.js';

const CleanupRequest = z
  .object({ dryRun: z.boolean().openapi({ description: 'true: report what would go, delete nothing' }) })
  .strict()
  .openapi('ArtifactCleanupRequest');

const CleanedArtifact = z.object({
  project: z.string(),
  pipeline: z.string(),
  runId: z.number().int(),
  name: z.string(),
  bytes: z.number().int().openapi({ description: 'the archive, its SBOM and signatures' }),
  reason: z.enum(['older-version', 'expired', 'idle', 'over-size-cap']),
  lastUsedAt: z.number().int(),
});

const CleanupReport = z
  .object({
    dryRun: z.boolean(),
    policy: z.object({ keepVersions: z.number().int(), maxIdleMs: z.number().int(), maxTotalBytes: z.number().int().nullable() }),
    deleted: z.array(CleanedArtifact),
    freedBytes: z.number().int(),
    keptArtifacts: z.number().int(),
    keptBytes: z.number().int(),
    overCapBytes: z.number().int(),
    orphans: z.object({ count: z.number().int(), bytes: z.number().int(), spared: z.number().int() }),
    incompleteUploadsRemoved: z.number().int(),
  })
  .openapi('ArtifactCleanupReport');

/**
 * `POST /api/v1/admin/artifacts/cleanup`: the admin runs artifact retention now (what the server does
 * hourly), or with `dryRun` only sees what it would delete and why (server/artifacts/artifact-cleaner.ts).
 */
export function registerRetentionRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/admin/artifacts/cleanup',
      security,
      request: body(CleanupRequest),
      responses: { 200: json(CleanupReport, 'what was deleted (or would be, in a dry run) and why, what stays, the orphan blobs'), ...errors },
    }),
    async (c) => {
      const report = await services.artifactCleaner.clean({ dryRun: c.req.valid('json').dryRun });
      return c.json({ ...report, deleted: [...report.deleted] }, 200);
    },
  );
}
