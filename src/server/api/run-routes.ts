import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '../../core/index.js';
import { buildGraph } from '../../pipeline/index.js';
import { canSeeProject } from '../auth/principal.js';
import type { ApiEnv } from './api-env.js';
import { targetProject } from './project-routes.js';
import { presentJob, presentRun } from './present.js';
import { RunGraphCache } from './run-graph-cache.js';
import { errors, json, RunParam, security } from './route-helpers.js';
import * as S from './schemas.js';
import type { ApiServices } from './services.js';

/** Runs and jobs: list, read, cancel, retry, and a job's stored log page by page. */
export function registerRunRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const { store, coordinator } = services;
  const graphs = new RunGraphCache();

  const runJson = async (runId: number, projectName: string) => {
    const run = await store.getServerRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} does not exist`);
    return presentRun(run, projectName, services.publicUrl());
  };

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/runs', security, request: { query: S.RunQuery }, responses: { 200: json(S.RunList, 'runs the caller may see, newest first'), ...errors } }),
    async (c) => {
      const principal = c.get('principal');
      const query = c.req.valid('query');
      const projects = (await store.listProjects()).filter((p) => canSeeProject(principal, p.id));
      const project = query.project ? projects.find((p) => p.name === query.project || String(p.id) === query.project) : undefined;
      if (query.project && !project) throw new NotFoundError(`project "${query.project}" does not exist`);
      const runs = await store.listServerRuns({
        limit: query.limit + 1,
        ...(project ? { projectId: project.id } : principal.isAdmin ? {} : { projectIds: projects.map((p) => p.id) }),
        ...(query.status ? { statuses: [query.status] } : {}),
        ...(query.branch ? { refs: branchRefs(query.branch) } : {}),
        ...(query.before ? { beforeId: query.before } : {}),
      });
      const page = runs.slice(0, query.limit);
      const names = new Map(projects.map((p) => [p.id, p.name]));
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
      const { id } = c.req.valid('param');
      const run = await runJson(id, targetProject(c).name);
      return c.json({ ...run, jobs: (await store.listJobs(id)).map(presentJob) }, 200);
    },
  );

  // The graph is the pipeline's, as stored with the run: it shows jobs that have no record
  // yet (their needs are not done) and does not change while the run runs, so the dashboard
  // reads it once and polls only the run.
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/runs/{id}/graph', security, request: { params: RunParam }, responses: { 200: json(S.RunGraph, "the run's jobs and their needs"), ...errors } }),
    async (c) => {
      const { id } = c.req.valid('param');
      const graph = await graphs.get(id, async () => {
        const run = await store.getServerRun(id);
        if (!run) throw new NotFoundError(`run ${id} does not exist`);
        // A run whose pipeline did not compile ran nothing: it has no graph.
        const jobs = (await coordinator.compileRun(run)).pipeline?.jobs ?? [];
        const byId = new Map(jobs.map((job) => [job.id, job]));
        const order = buildGraph(jobs).graph?.order ?? [];
        return {
          jobs: order.map((jobId) => {
            const job = byId.get(jobId);
            return { id: jobId, name: job?.name ?? jobId, needs: [...(job?.needs ?? [])], matrix: job?.matrix !== undefined };
          }),
        };
      });
      return c.json({ jobs: graph.jobs.map((job) => ({ ...job, needs: [...job.needs] })) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/runs/{id}/cancel', security, request: { params: RunParam }, responses: { 202: json(S.Run, 'cancelling'), ...errors } }),
    async (c) => {
      const { id } = c.req.valid('param');
      await coordinator.cancel(id);
      return c.json(await runJson(id, targetProject(c).name), 202);
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
      const { id } = c.req.valid('param');
      await coordinator.retry(id, c.req.valid('json').job);
      return c.json(await runJson(id, targetProject(c).name), 202);
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
    createRoute({
      method: 'get',
      path: '/api/v1/runs/{id}/jobs/{key}/summary',
      security,
      request: { params: RunParam.extend({ key: z.string().openapi({ param: { name: 'key', in: 'path' } }) }) },
      responses: { 200: json(S.JobSummary, "the job's step summary"), ...errors },
    }),
    async (c) => {
      const { id, key } = c.req.valid('param');
      const job = (await store.listJobs(id)).find((j) => j.key === key);
      if (!job) throw new NotFoundError(`run ${id} has no job "${key}"`);
      return c.json({ jobKey: key, summary: (await store.getJobSummary(id, key)) ?? null }, 200);
    },
  );
}

/** A run stores its ref as it was given: `main` from the dashboard, `refs/heads/main` from a push webhook. */
function branchRefs(branch: string): string[] {
  return branch.startsWith('refs/') ? [branch] : [branch, `refs/heads/${branch}`, `refs/tags/${branch}`];
}
