import { Readable } from 'node:stream';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { ConflictError, ForbiddenError } from '../../core/index.js';
import { ArtifactList, ArtifactSummary, ArtifactUploadState, StartArtifactUpload } from '../../protocol/index.js';
import type { ArtifactRecord, QueueItem } from '../../store/index.js';
import type { Principal } from '../auth/principal.js';
import type { ApiEnv } from './api-env.js';
import { targetProject } from './project-routes.js';
import { body, errors, json, ProjectParam, RunParam, security } from './route-helpers.js';
import type { ApiServices } from './services.js';

/** Upload requests carry artifact bytes, exempt from the JSON body limit (create-api.ts). */
export const ARTIFACT_UPLOAD_PATH = /^\/api\/v1\/runner\/leases\/[^/]+\/artifacts\/uploads\/[^/]+$/;

const LeaseParam = z.object({ lease: z.string().min(1).max(100).openapi({ param: { name: 'lease', in: 'path' } }) });
const NameParam = z.object({ name: z.string().min(1).max(100).openapi({ param: { name: 'name', in: 'path' } }) });
const UploadParam = z.object({ upload: z.string().min(1).max(100).openapi({ param: { name: 'upload', in: 'path' } }) });

const Artifact = ArtifactSummary;
const UploadState = ArtifactUploadState;
const binary = (description: string) => ({ content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, description });

function presentArtifact(a: ArtifactRecord): ArtifactSummary {
  return {
    name: a.name,
    job: a.jobKey,
    digest: a.digest,
    size: a.size,
    files: a.fileCount,
    createdAt: a.createdAt,
    expiresAt: a.expiresAt,
    sbomDigest: a.sbomDigest,
    signature: a.signature,
    sbomSignature: a.sbomSignature,
  };
}

/**
 * A request body as bytes, streamed (the upload route is exempt from the JSON body limit). Under
 * @hono/node-server the Node request itself is read: its chunks arrive as they are, without a web stream's
 * promise per chunk in between, which made a multi-GB upload CPU-bound. Elsewhere (tests calling
 * `app.request`) the web body is read.
 */
function requestBytes(request: Request, bindings: unknown): AsyncIterable<Uint8Array> {
  const incoming = (bindings as { incoming?: unknown } | undefined)?.incoming;
  if (incoming instanceof Readable && !incoming.readableDidRead) return incoming as AsyncIterable<Uint8Array>;
  return request.body ? (Readable.fromWeb(request.body as never) as AsyncIterable<Uint8Array>) : Readable.from([]);
}

function download(stream: Readable, fileName: string, size: number | undefined, contentType: string): Response {
  const headers: Record<string, string> = { 'content-type': contentType, 'content-disposition': `attachment; filename="${fileName}"` };
  if (size !== undefined) headers['content-length'] = String(size);
  return new Response(Readable.toWeb(stream) as ReadableStream, { status: 200, headers });
}

/**
 * Artifacts: runners upload the artifacts of their job (resumable: start, append at an offset,
 * commit) and download those of their run; users list and download a run's artifacts, their SBOMs
 * and the project's public key for `cosign verify-blob`.
 */
export function registerArtifactRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const { store, artifacts } = services;

  // Only the runner holding the lease may upload for its job; a finished or lost lease may not.
  const leasedItem = async (principal: Principal, leaseId: string): Promise<QueueItem> => {
    const runner = principal.runnerId !== null ? await store.getRunner(principal.runnerId) : undefined;
    if (!runner) throw new ForbiddenError('this runner token belongs to no runner');
    const item = await store.getQueueItemByLease(leaseId);
    if (!item || item.status !== 'leased' || item.runnerId !== runner.id) throw new ConflictError(`lease ${leaseId} is gone`, 'lease.gone');
    return item;
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runner/leases/{lease}/artifacts',
      security,
      request: { params: LeaseParam, ...body(StartArtifactUpload) },
      responses: { 200: json(UploadState, 'the upload, and the bytes the server already holds'), ...errors },
    }),
    async (c) => {
      const item = await leasedItem(c.get('principal'), c.req.valid('param').lease);
      return c.json(await artifacts.startUpload(item, c.req.valid('json')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/runner/leases/{lease}/artifacts/uploads/{upload}',
      security,
      request: {
        params: LeaseParam.merge(UploadParam),
        query: z.object({ offset: z.coerce.number().int().min(0) }),
        body: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, required: true },
      },
      responses: { 200: json(z.object({ offset: z.number().int() }), 'bytes held now'), ...errors },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const item = await leasedItem(c.get('principal'), params.lease);
      return c.json(await artifacts.appendUpload(item, params.upload, c.req.valid('query').offset, requestBytes(c.req.raw, c.env)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runner/leases/{lease}/artifacts/uploads/{upload}/commit',
      security,
      request: { params: LeaseParam.merge(UploadParam) },
      responses: { 200: json(Artifact, 'stored, signed and visible'), ...errors },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const item = await leasedItem(c.get('principal'), params.lease);
      return c.json(presentArtifact(await artifacts.commitUpload(item, params.upload)), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/runner/leases/{lease}/artifacts', security, request: { params: LeaseParam }, responses: { 200: json(ArtifactList, "the artifacts of the lease's run"), ...errors } }),
    async (c) => {
      const item = await leasedItem(c.get('principal'), c.req.valid('param').lease);
      return c.json({ artifacts: (await artifacts.list(item.runId)).map(presentArtifact) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/runner/leases/{lease}/artifacts/{name}',
      security,
      request: { params: LeaseParam.merge(NameParam) },
      responses: { 200: binary('the archive'), ...errors },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const item = await leasedItem(c.get('principal'), params.lease);
      const artifact = await artifacts.get(item.runId, params.name);
      return download(await artifacts.openDownload(artifact), `${artifact.name}.tar`, artifact.size, 'application/x-tar') as never;
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/runs/{id}/artifacts', security, request: { params: RunParam }, responses: { 200: json(ArtifactList, "the run's artifacts, by name"), ...errors } }),
    async (c) => c.json({ artifacts: (await artifacts.list(c.req.valid('param').id)).map(presentArtifact) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/runs/{id}/artifacts/{name}',
      security,
      request: { params: RunParam.merge(NameParam) },
      responses: { 200: binary('the archive (a tar, its manifest first), checked against its digest before it is sent'), ...errors },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const artifact = await artifacts.get(params.id, params.name);
      return download(await artifacts.openDownload(artifact), `${artifact.name}.tar`, artifact.size, 'application/x-tar') as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/runs/{id}/artifacts/{name}/sbom',
      security,
      request: { params: RunParam.merge(NameParam) },
      responses: { 200: { content: { 'application/vnd.cyclonedx+json': { schema: z.object({}).passthrough() } }, description: 'the CycloneDX 1.5 SBOM' }, ...errors },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const artifact = await artifacts.get(params.id, params.name);
      return download(await artifacts.openSbom(artifact), `${artifact.name}.sbom.json`, undefined, 'application/vnd.cyclonedx+json') as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/projects/{project}/signing-key',
      security,
      request: { params: ProjectParam },
      responses: { 200: { content: { 'application/x-pem-file': { schema: z.string() } }, description: "the project's public key (PEM), for cosign verify-blob --key" }, ...errors },
    }),
    async (c) => {
      const project = targetProject(c);
      return c.body(await artifacts.publicKey(project.id), 200, { 'content-type': 'application/x-pem-file' }) as never;
    },
  );
}
