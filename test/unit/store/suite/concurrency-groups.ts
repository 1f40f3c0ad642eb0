import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewGroupedRun } from '../../../../src/store/index.js';
import { createProject, createServerRun, job, runOptions, withStore } from './fixtures.js';
import type { OpenEmptyStore } from './fixtures.js';

const grouped = (projectId: number, overrides: Partial<NewGroupedRun> = {}): NewGroupedRun => ({
  projectId,
  name: 'deploy',
  file: '.deploylite.yml',
  source: 'jobs: {}',
  options: runOptions,
  ref: 'main',
  sha: 'a'.repeat(40),
  trigger: { kind: 'manual' as const },
  concurrencyGroup: 'prod',
  cancelInProgress: false,
  error: null,
  createdAt: 1_000,
  ...overrides,
});

export function describeConcurrencyGroups(openEmpty: OpenEmptyStore): void {
  const it = (name: string, body: Parameters<typeof withStore>[1]) => test(name, withStore(openEmpty, body));

  describe('concurrency groups', () => {
    it('of runs of one group stored at once, exactly one is running', async (store) => {
      const project = await createProject(store);
      // Connections opened first (PostgreSQL's pool), so that the transactions really overlap.
      await Promise.all(Array.from({ length: 8 }, () => store.listServerRuns({ limit: 1 })));
      const runs = await Promise.all(Array.from({ length: 8 }, () => store.createGroupedRun(grouped(project.id))));
      assert.deepEqual(runs.filter((run) => run.status === 'running').length, 1);
    });

    it('groups are per project and per name', async (store) => {
      const web = await createProject(store, 'web');
      const api = await createProject(store, 'api');
      await store.createGroupedRun(grouped(web.id));
      const statuses = [
        (await store.createGroupedRun(grouped(api.id))).status,
        (await store.createGroupedRun(grouped(web.id, { concurrencyGroup: 'staging' }))).status,
        (await store.createGroupedRun(grouped(web.id))).status,
      ];
      assert.deepEqual(statuses, ['running', 'running', 'pending']);
    });

    it('the oldest pending run starts only once nothing of its group runs, and only once', async (store) => {
      const project = await createProject(store);
      const first = await store.createGroupedRun(grouped(project.id));
      const second = await store.createGroupedRun(grouped(project.id));
      await store.createGroupedRun(grouped(project.id));
      assert.equal(await store.startNextPending(project.id, 'prod'), undefined);
      await store.updateRun(first.id, { status: 'success' });
      const started = await Promise.all([store.startNextPending(project.id, 'prod'), store.startNextPending(project.id, 'prod')]);
      assert.deepEqual(started.map((run) => run?.id), [second.id, undefined]);
      assert.equal((await store.getServerRun(second.id))?.status, 'running');
    });

    it('a finished run reopens once per attempt: the second reopen at the same attempt changes nothing', async (store) => {
      const project = await createProject(store);
      const run = await createServerRun(store, project.id, { status: 'failed', error: 'cancelled: replaced' });
      await store.saveJob(job(run.id, 'build', { status: 'failed' }));
      await store.saveJob(job(run.id, 'lint', { status: 'success' }));
      const [won, lost] = await Promise.all([store.reopenRun(run.id, 1, ['build']), store.reopenRun(run.id, 1, ['build'])]);
      assert.deepEqual([won?.status, won?.attempt, won?.error, won?.finishedAt], ['running', 2, null, null]);
      assert.equal(lost, undefined);
      assert.deepEqual((await store.listJobs(run.id)).map((j) => j.key), ['lint']);
    });

    it("a reopened run forgets the step summaries of the jobs it runs again, and keeps the others'", async (store) => {
      const project = await createProject(store);
      const run = await createServerRun(store, project.id, { status: 'failed' });
      for (const key of ['build', 'lint']) {
        await store.saveJob(job(run.id, key, { status: 'success' }));
        await store.saveJobSummary(run.id, key, `summary of ${key}`, 1_000);
      }
      await store.reopenRun(run.id, 1, ['build']);
      assert.deepEqual([await store.getJobSummary(run.id, 'build'), await store.getJobSummary(run.id, 'lint')], [undefined, 'summary of lint']);
    });

    it('a run that is not finished does not reopen', async (store) => {
      const project = await createProject(store);
      const run = await createServerRun(store, project.id, { status: 'running' });
      assert.equal(await store.reopenRun(run.id, 1, []), undefined);
    });

    it('a reopened run waits as pending while its group has a running run', async (store) => {
      const project = await createProject(store);
      const old = await createServerRun(store, project.id, { status: 'failed', concurrencyGroup: 'prod' });
      await store.createGroupedRun(grouped(project.id));
      assert.equal((await store.reopenRun(old.id, 1, []))?.status, 'pending');
    });

    it('updateRunIf changes a run only from the statuses given', async (store) => {
      const project = await createProject(store);
      const run = await createServerRun(store, project.id, { status: 'pending' });
      assert.equal(await store.updateRunIf(run.id, ['running'], { status: 'cancelled' }), false);
      assert.equal(await store.updateRunIf(run.id, ['pending'], { status: 'cancelled', finishedAt: 5, error: 'stopped' }), true);
      const stored = await store.getServerRun(run.id);
      assert.deepEqual([stored?.status, stored?.finishedAt, stored?.error], ['cancelled', 5, 'stopped']);
    });

    it("a project's schedules are listed by cron", async (store) => {
      const project = await createProject(store);
      await store.replaceSchedules(project.id, [{ cron: '5 4 * * *', nextAt: 30 }, { cron: '0 3 * * *', nextAt: 10 }]);
      assert.deepEqual(await store.listSchedules(project.id), [
        { projectId: project.id, cron: '0 3 * * *', nextAt: 10 },
        { projectId: project.id, cron: '5 4 * * *', nextAt: 30 },
      ]);
    });
  });
}
