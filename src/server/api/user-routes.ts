import { randomBytes } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { InvalidRequestError, NotFoundError, parseDuration } from '../../core/index.js';
import type { ProjectRecord } from '../../store/index.js';
import type { ApiEnv } from './api-env.js';
import { hashToken, newToken, requireUser } from '../auth/tokens.js';
import { presentJob, presentProject, presentRun, presentRunner, presentToken } from './present.js';
import * as S from './schemas.js';
import type { ApiServices } from './services.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const errors = { 400: json(S.ErrorBody, 'invalid request'), 401: json(S.ErrorBody, 'no valid token'), 404: json(S.ErrorBody, 'not found'), 409: json(S.ErrorBody, 'conflict') };
const security = [{ bearer: [] }];
const ProjectParam = z.object({ project: z.string().openapi({ param: { name: 'project', in: 'path' } }) });
const RunParam = z.object({ id: z.coerce.number().int().min(1).openapi({ param: { name: 'id', in: 'path' } }) });

/** Projects, runs, logs, runners and tokens: what users and scripts call. */
export function registerUserRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const { store, coordinator, clock } = services;

  const findProject = async (idOrName: string): Promise<ProjectRecord> => {
    const project = /^\d+$/.test(idOrName) ? await store.getProject(Number(idOrName)) : await store.getProjectByName(idOrName);
    if (!project) throw new NotFoundError(`project "${idOrName}" does not exist`);
    return project;
  };
  const runJson = async (runId: number) => {
    const run = await store.getServerRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} does not exist`);
    const project = await store.getProject(run.projectId);
    return presentRun(run, project?.name ?? String(run.projectId), services.publicUrl());
  };

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/whoami', security, responses: { 200: json(z.object({ name: z.string(), kind: z.string() }), 'the caller') } }),
    (c) => {
      const principal = requireUser(c.get('principal'));
      return c.json({ name: principal.name, kind: principal.kind }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/projects', security, request: body(S.CreateProjectBody), responses: { 201: json(S.CreatedProject, 'created'), ...errors } }),
    async (c) => {
      requireUser(c.get('principal'));
      const input = c.req.valid('json');
      const webhookSecret = randomBytes(24).toString('base64url');
      const project = await store.createProject({ ...input, webhookSecret }, clock.now());
      services.onProjectCreated(project);
      const base = `${services.publicUrl()}/api/v1/projects/${project.name}/webhooks`;
      return c.json({ ...presentProject(project), webhookSecret, webhookUrls: { github: `${base}/github`, gitea: `${base}/gitea`, gitlab: `${base}/gitlab` } }, 201);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/projects', security, responses: { 200: json(z.object({ projects: z.array(S.Project) }), 'all projects') } }),
    async (c) => {
      requireUser(c.get('principal'));
      return c.json({ projects: (await store.listProjects()).map(presentProject) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/projects/{project}', security, request: { params: ProjectParam }, responses: { 200: json(S.Project, 'the project'), ...errors } }),
    async (c) => {
      requireUser(c.get('principal'));
      return c.json(presentProject(await findProject(c.req.valid('param').project)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/projects/{project}/runs',
      security,
      request: { params: ProjectParam, ...body(S.TriggerRunBody) },
      responses: { 201: json(S.Run, 'the run'), ...errors },
    }),
    async (c) => {
      const principal = requireUser(c.get('principal'));
      const project = await findProject(c.req.valid('param').project);
      const input = c.req.valid('json');
      const run = await coordinator.trigger(project, {
        ...(input.ref ? { ref: input.ref } : {}),
        variables: input.variables,
        trigger: { kind: 'manual', event: 'manual', actor: principal.name },
      });
      if (!run) throw new InvalidRequestError('the run was not started');
      return c.json(presentRun(run, project.name, services.publicUrl()), 201);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/runs', security, request: { query: S.RunQuery }, responses: { 200: json(S.RunList, 'runs, newest first'), ...errors } }),
    async (c) => {
      requireUser(c.get('principal'));
      const query = c.req.valid('query');
      const project = query.project ? await findProject(query.project) : undefined;
      const runs = await store.listServerRuns({
        limit: query.limit + 1,
        ...(project ? { projectId: project.id } : {}),
        ...(query.status ? { statuses: [query.status] } : {}),
        ...(query.before ? { beforeId: query.before } : {}),
      });
      const page = runs.slice(0, query.limit);
      const names = new Map((await store.listProjects()).map((p) => [p.id, p.name]));
      return c.json(
        {
          runs: page.map((run) => presentRun(run, names.get(run.projectId) ?? String(run.projectId), services.publicUrl())),
          next: runs.length > query.limit ? (page[page.length - 1]?.id ?? null) : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/runs/{id}', security, request: { params: RunParam }, responses: { 200: json(S.RunWithJobs, 'the run and its jobs'), ...errors } }),
    async (c) => {
      requireUser(c.get('principal'));
      const { id } = c.req.valid('param');
      const run = await runJson(id);
      return c.json({ ...run, jobs: (await store.listJobs(id)).map(presentJob) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/runs/{id}/cancel', security, request: { params: RunParam }, responses: { 202: json(S.Run, 'cancelling'), ...errors } }),
    async (c) => {
      requireUser(c.get('principal'));
      const { id } = c.req.valid('param');
      await coordinator.cancel(id);
      return c.json(await runJson(id), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runs/{id}/retry',
      security,
      request: { params: RunParam, body: { content: { 'application/json': { schema: S.RetryBody } }, required: false } },
      responses: { 202: json(S.Run, 'running again'), ...errors },
    }),
    async (c) => {
      requireUser(c.get('principal'));
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      await coordinator.retry(id, input.job);
      return c.json(await runJson(id), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/runs/{id}/jobs/{key}/logs',
      security,
      request: { params: RunParam.extend({ key: z.string().openapi({ param: { name: 'key', in: 'path' } }) }), query: S.LogQuery },
      responses: { 200: json(S.LogPage, 'a page of the job log'), ...errors },
    }),
    async (c) => {
      requireUser(c.get('principal'));
      const { id, key } = c.req.valid('param');
      const { after, limit } = c.req.valid('query');
      const job = (await store.listJobs(id)).find((j) => j.key === key);
      if (!job) throw new NotFoundError(`run ${id} has no job "${key}"`);
      const final = ['success', 'failed', 'skipped', 'cancelled'].includes(job.status);
      const lines = await store.readJobLog(id, key, after, limit);
      const next = lines[lines.length - 1]?.lineNo ?? after;
      const complete = final && lines.length < limit;
      return c.json({ lines: lines.map(({ lineNo, stream, time, text }) => ({ lineNo, stream, time, text })), next, complete }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/runners', security, responses: { 200: json(z.object({ runners: z.array(S.Runner) }), 'all runners') } }),
    async (c) => {
      requireUser(c.get('principal'));
      const now = clock.now();
      const running = await store.countLeasedByRunner();
      const runners = (await store.listRunners()).map((r) =>
        presentRunner(r, r.lastSeenAt !== null && now - r.lastSeenAt < services.leaseTtlMs, running.get(r.id) ?? 0),
      );
      return c.json({ runners }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/tokens', security, request: body(S.CreateTokenBody), responses: { 201: json(S.CreatedToken, 'the new token, shown once'), ...errors } }),
    async (c) => {
      requireUser(c.get('principal'));
      const input = c.req.valid('json');
      const ttl = input.expiresIn ? parseDuration(input.expiresIn) : undefined;
      if (input.expiresIn && ttl === undefined) throw new InvalidRequestError(`expiresIn: "${input.expiresIn}" is not a duration`, 'expiresIn');
      const token = newToken(input.kind);
      const now = clock.now();
      const record = await store.createToken({
        name: input.name,
        kind: input.kind,
        tokenHash: hashToken(token),
        runnerId: null,
        createdAt: now,
        expiresAt: ttl === undefined ? null : now + ttl,
      });
      return c.json({ ...presentToken(record), token }, 201);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/tokens', security, responses: { 200: json(z.object({ tokens: z.array(S.Token) }), 'tokens, without their values') } }),
    async (c) => {
      requireUser(c.get('principal'));
      const tokens = (await store.listTokens()).filter((t) => t.kind !== 'runner').map(presentToken);
      return c.json({ tokens }, 200);
    },
  );
}
