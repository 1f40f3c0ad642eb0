import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { coerceError, ForbiddenError } from '../../core/index.js';
import type { JobAssignment } from '../../protocol/index.js';
import { JobResult, LogBatch, LogBatchResponse, PollRequest, PollResponse, RegisterRunnerRequest, RegisterRunnerResponse } from '../../protocol/index.js';
import type { LeasedJob, ProjectRecord, RunnerRecord } from '../../store/index.js';
import type { Principal } from '../auth/principal.js';
import { canSeeProject } from '../auth/principal.js';
import { openAssignment } from '../scheduler/sealed-assignment.js';
import { hashToken, newToken } from '../auth/tokens.js';
import type { ApiEnv } from './api-env.js';
import type { RunnerJobView } from './present.js';
import { presentRunner } from './present.js';
import { body, errors as commonErrors, json, security } from './route-helpers.js';
import { ErrorBody, Runner } from './schemas.js';
import type { ApiServices } from './services.js';

const errors = { ...commonErrors, 409: json(ErrorBody, 'the lease is gone') };
const LeaseParam = z.object({ lease: z.string().min(1).max(100).openapi({ param: { name: 'lease', in: 'path' } }) });

/**
 * What each runner runs now: how many jobs (all of them: a runner's load is no project's
 * secret) and which ones the caller may read, so that a project's run ids and job names stay
 * within its members, as in `GET /api/v1/runs`.
 */
function jobsByRunner(leased: readonly LeasedJob[], projects: readonly ProjectRecord[], principal: Principal) {
  const names = new Map(projects.map((p) => [p.id, p.name]));
  const running = new Map<number, number>();
  const visible = new Map<number, RunnerJobView[]>();
  for (const job of leased) {
    running.set(job.runnerId, (running.get(job.runnerId) ?? 0) + 1);
    const project = names.get(job.projectId);
    if (project === undefined || !canSeeProject(principal, job.projectId)) continue;
    const jobs = visible.get(job.runnerId) ?? [];
    jobs.push({ runId: job.runId, jobKey: job.jobKey, project });
    visible.set(job.runnerId, jobs);
  }
  return { running, visible };
}

/** The runner protocol (src/protocol/runner-protocol.ts): registration, long poll, logs, results. */
export function registerRunnerRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const { store, scheduler, clock, logger } = services;

  // The guard let only runner tokens through (runner:work); this finds the runner itself.
  const runnerOf = async (principal: Principal): Promise<RunnerRecord> => {
    const runner = principal.runnerId !== null ? await store.getRunner(principal.runnerId) : undefined;
    if (!runner) throw new ForbiddenError('this runner token belongs to no runner');
    return runner;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/runners',
      security,
      responses: { 200: json(z.object({ runners: z.array(Runner) }), 'all runners, with the jobs they run now of projects the caller may read'), ...errors },
    }),
    async (c) => {
      const now = clock.now();
      const [leased, projects, records] = await Promise.all([store.listLeasedJobs(), store.listProjects(), store.listRunners()]);
      const { running, visible } = jobsByRunner(leased, projects, c.get('principal'));
      const runners = records.map((r) =>
        presentRunner(r, r.lastSeenAt !== null && now - r.lastSeenAt < services.leaseTtlMs, running.get(r.id) ?? 0, visible.get(r.id) ?? []),
      );
      return c.json({ runners }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runners/register',
      security,
      request: body(RegisterRunnerRequest),
      responses: { 201: json(RegisterRunnerResponse, 'registered; keep the token'), ...errors },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const now = clock.now();
      const runner = await store.createRunner({ ...input, createdAt: now });
      const token = newToken('runner');
      await store.createToken({ name: `runner:${runner.name}`, kind: 'runner', tokenHash: hashToken(token), runnerId: runner.id, createdAt: now, expiresAt: null });
      logger.info('runner registered', { runner_id: runner.id, runner: runner.name, labels: runner.labels, capacity: runner.capacity });
      return c.json({ runnerId: runner.id, token }, 201);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/runner/poll', security, request: body(PollRequest), responses: { 200: json(PollResponse, 'work, cancellations and lost leases'), ...errors } }),
    async (c) => {
      const runner = await runnerOf(c.get('principal'));
      const answer = await scheduler.poll(runner, c.req.valid('json'), c.req.raw.signal);
      const jobs: JobAssignment[] = [];
      for (const job of answer.jobs) {
        try {
          jobs.push(await openAssignment(job, services.vault));
        } catch (thrown) {
          // The job cannot run without its secrets: it fails with the reason instead of
          // going to a runner that would run it without them.
          const error = coerceError(thrown).message;
          logger.error('a job could not be handed to its runner', { run_id: job.runId, job: job.jobKey, error });
          await scheduler.acceptResult(runner, job.leaseId, { status: 'failed', attempts: 0, exitCode: null, error, outputs: {}, rollbackStatus: null, logLines: 0 });
        }
      }
      return c.json({ ...answer, jobs }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runner/leases/{lease}/logs',
      security,
      request: { params: LeaseParam, ...body(LogBatch) },
      responses: { 200: json(LogBatchResponse, 'lines held'), ...errors },
    }),
    async (c) => {
      const runner = await runnerOf(c.get('principal'));
      const batch = c.req.valid('json');
      const masked = { ...batch, lines: batch.lines.map((line) => ({ ...line, text: services.coordinator.activeSecrets.mask(line.text) })) };
      return c.json(await scheduler.acceptLogs(runner, c.req.valid('param').lease, masked), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runner/leases/{lease}/result',
      security,
      request: { params: LeaseParam, ...body(JobResult) },
      responses: { 200: json(z.object({ ok: z.boolean() }), 'result stored'), ...errors },
    }),
    async (c) => {
      const runner = await runnerOf(c.get('principal'));
      const result = c.req.valid('json');
      const mask = (text: string) => services.coordinator.activeSecrets.mask(text);
      const masked = {
        ...result,
        error: result.error === null ? null : mask(result.error),
        outputs: Object.fromEntries(Object.entries(result.outputs).map(([name, value]) => [name, mask(value)])),
        ...(result.summary !== undefined ? { summary: mask(result.summary) } : {}),
      };
      await scheduler.acceptResult(runner, c.req.valid('param').lease, masked);
      return c.json({ ok: true }, 200);
    },
  );
}
