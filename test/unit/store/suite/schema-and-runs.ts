import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConflictError } from '../../../../src/core/index.js';
import { createProject, createServerRun, job, runOptions, withStore } from './fixtures.js';
import type { OpenEmptyStore } from './fixtures.js';

export function describeSchemaAndRuns(openEmpty: OpenEmptyStore): void {
  const it = (name: string, body: Parameters<typeof withStore>[1]) => test(name, withStore(openEmpty, body));

  describe('migrations', () => {
    test('migrate applies every migration once; a second migrate applies none', async () => {
      const store = await openEmpty();
      try {
        const { applied, pending } = await store.migrationStatus();
        assert.deepEqual(applied, []);
        assert.deepEqual(pending.slice(0, 2), ['0001_initial', '0002_one_active_queue_item_per_job']);
        assert.deepEqual(await store.migrate(), pending);
        assert.deepEqual(await store.migrate(), []);
        assert.deepEqual(await store.migrationStatus(), { applied: pending, pending: [] });
      } finally {
        await store.close();
      }
    });
  });

  describe('projects', () => {
    it('a project is found by id and by name, with its settings', async (store) => {
      const project = await createProject(store, 'web', 3);
      assert.deepEqual(await store.getProject(project.id), project);
      assert.deepEqual(await store.getProjectByName('web'), project);
      assert.equal(project.maxConcurrentJobs, 3);
      assert.equal(await store.getProjectByName('api'), undefined);
    });

    it('a second project with a taken name is a ConflictError (409)', async (store) => {
      await createProject(store, 'web');
      await assert.rejects(createProject(store, 'web'), (error: unknown) => {
        assert.ok(error instanceof ConflictError);
        assert.equal(error.code, 'project.exists');
        assert.match(error.message, /"web" already exists/);
        return true;
      });
    });

    it('projects are listed by name', async (store) => {
      await createProject(store, 'web');
      await createProject(store, 'api');
      assert.deepEqual((await store.listProjects()).map((p) => p.name), ['api', 'web']);
    });
  });

  describe('runs', () => {
    it('a server run keeps where it came from', async (store) => {
      const project = await createProject(store);
      const trigger = { kind: 'webhook' as const, event: 'push', provider: 'github', deliveryId: 'd-1', actor: 'bob' };
      const run = await createServerRun(store, project.id, { trigger, concurrencyGroup: 'deploy-main', cancelInProgress: true });
      const stored = await store.getServerRun(run.id);
      assert.deepEqual(stored, run);
      assert.deepEqual([stored?.trigger, stored?.concurrencyGroup, stored?.cancelInProgress], [trigger, 'deploy-main', true]);
      assert.deepEqual([stored?.options, stored?.attempt, stored?.startedAt], [runOptions, 1, null]);
    });

    it('runs are listed newest first, filtered by project and status', async (store) => {
      const web = await createProject(store, 'web');
      const api = await createProject(store, 'api');
      const first = await createServerRun(store, web.id, { status: 'running' });
      await createServerRun(store, api.id, { status: 'running' });
      const third = await createServerRun(store, web.id, { status: 'pending' });
      assert.deepEqual((await store.listServerRuns({ projectId: web.id, limit: 10 })).map((r) => r.id), [third.id, first.id]);
      assert.deepEqual((await store.listServerRuns({ projectId: web.id, statuses: ['running'], limit: 10 })).map((r) => r.id), [first.id]);
      assert.deepEqual(await store.listServerRuns({ statuses: [], limit: 10 }), []);
    });

    it('runs page by id: beforeId and limit', async (store) => {
      const project = await createProject(store);
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createServerRun(store, project.id)).id);
      const page1 = await store.listServerRuns({ limit: 2 });
      const page2 = await store.listServerRuns({ limit: 2, beforeId: page1.at(-1)?.id });
      assert.deepEqual([...page1, ...page2].map((r) => r.id), [ids[4], ids[3], ids[2], ids[1]]);
    });

    it('updateRun changes only the fields given, and can clear finishedAt', async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      await store.updateRun(run.id, { status: 'failed', startedAt: 10, finishedAt: 20 });
      await store.updateRun(run.id, { status: 'running', attempt: 2, finishedAt: null });
      const stored = await store.getServerRun(run.id);
      assert.deepEqual([stored?.status, stored?.startedAt, stored?.finishedAt, stored?.attempt], ['running', 10, null, 2]);
    });

    it('setRunError records why a run failed', async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      await store.setRunError(run.id, 'the pipeline is invalid');
      assert.equal((await store.getServerRun(run.id))?.error, 'the pipeline is invalid');
    });

    it("the engine's createRun makes a project-less pending run, newest first in listRuns", async (store) => {
      const older = await store.createRun({ name: 'a', file: 'a.yml', source: 'jobs: {}', options: runOptions });
      const newer = await store.createRun({ name: 'b', file: 'b.yml', source: 'jobs: {}', options: runOptions });
      assert.deepEqual([newer.status, newer.attempt, (await store.getServerRun(newer.id))?.projectId], ['pending', 1, 0]);
      assert.equal((await store.latestRun())?.id, newer.id);
      assert.deepEqual((await store.listRuns(10)).map((r) => r.id), [newer.id, older.id]);
    });
  });

  describe('jobs', () => {
    it('saveJob replaces a job by key and keeps the order jobs were first saved', async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      await store.saveJob(job(run.id, 'lint'));
      await store.saveJob(job(run.id, 'test[0]', { matrixIndex: 0, matrix: { node: 20 } }));
      await store.saveJob(job(run.id, 'lint', { status: 'success', exitCode: 0, outputs: { v: '1' }, continueOnError: true }));
      const jobs = await store.listJobs(run.id);
      assert.deepEqual(jobs.map((j) => j.key), ['lint', 'test[0]']);
      assert.deepEqual(jobs[0], job(run.id, 'lint', { status: 'success', exitCode: 0, outputs: { v: '1' }, continueOnError: true }));
      assert.deepEqual(jobs[1]?.matrix, { node: 20 });
    });

    it('saves made at once are all stored, a later one of a job wins, and one bad record fails alone', async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      const keys = Array.from({ length: 120 }, (_, i) => `job-${i}`);
      await Promise.all(keys.map((key) => store.saveJob(job(run.id, key))));
      const saves = [
        store.saveJob(job(run.id, 'job-3', { status: 'running', startedAt: 4_000 })),
        store.saveJob(job(999_999, 'orphan')),
        store.saveJob(job(run.id, 'job-7', { status: 'success', exitCode: 0 })),
      ];
      const settled = await Promise.allSettled(saves);
      assert.deepEqual(settled.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled']);
      const jobs = await store.listJobs(run.id);
      assert.deepEqual(jobs.map((j) => j.key), keys);
      assert.deepEqual([jobs[3]?.status, jobs[3]?.startedAt, jobs[7]?.status, jobs[7]?.exitCode], ['running', 4_000, 'success', 0]);
    });

    it('deleteJobs forgets only the given jobs of the run', async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      for (const key of ['build', 'test', 'deploy']) await store.saveJob(job(run.id, key));
      await store.deleteJobs(run.id, ['test', 'deploy']);
      assert.deepEqual((await store.listJobs(run.id)).map((j) => j.key), ['build']);
    });

    it("a job's step summary is kept whole, replaced by a later one, and forgotten with the job", async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      for (const key of ['build', 'test']) await store.saveJob(job(run.id, key));
      const large = `## Results\n${'| a | b |\n'.repeat(50_000)}ü`;
      await store.saveJobSummary(run.id, 'build', large, 1_000);
      await store.saveJobSummary(run.id, 'test', 'first', 1_000);
      await store.saveJobSummary(run.id, 'test', 'second', 2_000);
      assert.equal(await store.getJobSummary(run.id, 'build'), large);
      assert.equal(await store.getJobSummary(run.id, 'test'), 'second');
      assert.equal(await store.getJobSummary(run.id, 'lint'), undefined);
      await store.deleteJobs(run.id, ['test']);
      assert.equal(await store.getJobSummary(run.id, 'test'), undefined);
      assert.equal(await store.getJobSummary(run.id, 'build'), large);
    });
  });
}
