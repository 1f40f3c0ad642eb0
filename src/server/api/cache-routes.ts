import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from '../../core/index.js';
import { parseBlobDigest, type CacheScope, type CacheStore } from '../../artifacts/index.js';
import { CacheArchiveResponse, CacheCommitRequest, CacheCommitResponse, CacheLookupRequest, CacheLookupResponse } from '../../protocol/index.js';
import type { Principal } from '../auth/principal.js';
import type { ApiEnv } from './api-env.js';
import { body, errors as commonErrors, json, security } from './route-helpers.js';
import { ErrorBody } from './schemas.js';
import type { ApiServices } from './services.js';

const errors = { ...commonErrors, 409: json(ErrorBody, 'the lease is gone') };
const LeaseParam = z.object({ lease: z.string().min(1).max(100).openapi({ param: { name: 'lease', in: 'path' } }) });
const DigestParam = LeaseParam.extend({ digest: z.string().min(1).max(100).openapi({ param: { name: 'digest', in: 'path' } }) });

/** The path of archive uploads, which the API's body limit leaves alone (they are held to the cache budget instead). */
export const CACHE_UPLOAD_PATH = /^\/api\/v1\/runner\/leases\/[^/]+\/caches\/archives$/;

/** Caches for runners (src/protocol/cache-protocol.ts): lookup, download, upload, commit, under a lease. */
export function registerCacheRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const { store, metrics } = services;
  // Registered whatever the services, so that every server answers the same routes (the permission table lists them).
  const enabledCaches = (): CacheStore => {
    if (!services.caches) throw new NotFoundError('caches are not enabled on this server');
    return services.caches;
  };

  // The lease names the run; the run names the project and the branch. A runner reaches only the caches of a job it holds.
  const scopeOf = async (principal: Principal, leaseId: string): Promise<CacheScope> => {
    const item = await store.getQueueItemByLease(leaseId);
    if (!item || item.status !== 'leased' || principal.runnerId === null || item.runnerId !== principal.runnerId) {
      throw new ConflictError(`lease ${leaseId} is no longer held by this runner`, 'lease.gone');
    }
    const run = await store.getServerRun(item.runId);
    const project = run && (await store.getProject(run.projectId));
    if (!run || !project) throw new ForbiddenError('the lease belongs to no project');
    return { project: String(project.id), branch: branchOf(run.ref), defaultBranch: project.defaultBranch };
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runner/leases/{lease}/caches/lookup',
      security,
      request: { params: LeaseParam, ...body(CacheLookupRequest) },
      responses: { 200: json(CacheLookupResponse, 'the entry to restore, or null on a miss'), ...errors },
    }),
    async (c) => {
      const scope = await scopeOf(c.get('principal'), c.req.valid('param').lease);
      const request = c.req.valid('json');
      const scopes = [scope.branch, ...(scope.defaultBranch !== undefined ? [scope.defaultBranch] : [])];
      const match = await enabledCaches().lookup({ ...request, project: scope.project, scopes });
      metrics.cacheRequests.inc({ result: match ? match.kind : 'miss' });
      if (!match) return c.json({ cache: null }, 200);
      const { entry } = match;
      return c.json({ cache: { kind: match.kind, key: entry.key, ...(match.kind === 'partial' ? { restoreKey: match.restoreKey } : {}), digest: entry.digest, size: entry.size } }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/runner/leases/{lease}/caches/archives/{digest}',
      security,
      request: { params: DigestParam },
      responses: { 200: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'the archive (tar + zstd)' }, ...errors },
    }),
    async (c) => {
      const { lease, digest: text } = c.req.valid('param');
      const scope = await scopeOf(c.get('principal'), lease);
      const digest = parseBlobDigest(text);
      // Only archives this project's caches name: a digest is no capability to read another project's blobs.
      if (!(await store.caches.cacheReferences(digest, Number(scope.project)))) throw new NotFoundError(`no cache archive ${digest} in this project`);
      const caches = enabledCaches();
      const stat = await caches.stat(digest);
      if (!stat) throw new NotFoundError(`cache archive ${digest} is gone (evicted)`);
      const stream = await caches.openDigest(digest);
      return c.body(Readable.toWeb(stream) as ReadableStream, 200, { 'content-type': 'application/octet-stream', 'content-length': String(stat.size) });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runner/leases/{lease}/caches/archives',
      security,
      request: { params: LeaseParam, body: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, required: true } },
      responses: { 201: json(CacheArchiveResponse, 'stored; not a cache until committed'), ...errors },
    }),
    async (c) => {
      await scopeOf(c.get('principal'), c.req.valid('param').lease);
      const raw = c.req.raw.body;
      if (!raw) throw new InvalidRequestError('the archive is missing (empty body)');
      const caches = enabledCaches();
      const stored = await caches.storeArchive(limitBytes(Readable.fromWeb(raw as WebReadableStream<Uint8Array>), caches.budgetBytes), { signal: c.req.raw.signal });
      return c.json({ digest: stored.digest, size: stored.size }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runner/leases/{lease}/caches/commit',
      security,
      request: { params: LeaseParam, ...body(CacheCommitRequest) },
      responses: { 200: json(CacheCommitResponse, 'saved, or not when the key was saved meanwhile'), ...errors },
    }),
    async (c) => {
      const scope = await scopeOf(c.get('principal'), c.req.valid('param').lease);
      const request = c.req.valid('json');
      const digest = parseBlobDigest(request.digest);
      const caches = enabledCaches();
      const stat = await caches.stat(digest);
      // One answer for "not stored" and "not yours to name": the route tells nothing of other projects' blobs.
      if (!stat || stat.size !== request.size || !(await caches.isCommittable(scope.project, digest))) {
        throw new InvalidRequestError(`no uploaded archive ${digest} of ${request.size} bytes: upload it first`, 'digest');
      }
      const saved = await caches.commit({ project: scope.project, scope: scope.branch, key: request.key, version: request.version }, { digest, size: stat.size });
      return c.json({ saved }, 200);
    },
  );
}

/** `refs/heads/main` → `main`; other refs (tags, pull requests) are their own scope, as on GitHub. */
function branchOf(ref: string): string {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}

async function* limitBytes(source: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > limit) throw new InvalidRequestError(`the archive is larger than the cache budget (${limit} bytes)`, undefined, 'cache.too-large');
    yield chunk;
  }
}
