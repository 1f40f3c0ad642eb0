import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from '../../../../src/core/index.js';
import { ConflictError, silentLogger } from '../../../../src/core/index.js';
import type { ControlStore } from '../../../../src/store/index.js';
import type { Harness } from './coordinator-harness.js';
import { startHarness } from './coordinator-harness.js';

const BUILD = 'jobs:\n  build:\n    steps: [{ run: echo build }]\n';
const grouped = (cancelInProgress: boolean) => `concurrency:
  group: deploy-\${{ vars.env }}
  cancel-in-progress: ${cancelInProgress}
jobs:
  deploy:
    steps: [{ run: echo deploy }]
`;

async function withHarness(pipeline: string, body: (h: Harness) => Promise<void>, options: Parameters<typeof startHarness>[1] = {}): Promise<void> {
  const h = await startHarness(pipeline, options);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

const byId = <T extends { id: number }>(runs: T[]) => [...runs].sort((a, b) => a.id - b.id);

test('two runs of one concurrency group triggered at once: one runs, the other waits, then runs', () =>
  withHarness(grouped(false), async (h) => {
    const [first, second] = byId(await Promise.all([h.trigger({ env: 'prod' }), h.trigger({ env: 'prod' })]));
    assert.deepEqual([first?.status, second?.status], ['running', 'pending']);
    await h.finishJobs(first!.id, 'success');
    await h.waitForStatus(second!.id, 'running');
  }));

test('cancel-in-progress, two runs triggered at once: the newer runs and the older is cancelled', () =>
  withHarness(grouped(true), async (h) => {
    const [older, newer] = byId(await Promise.all([h.trigger({ env: 'prod' }), h.trigger({ env: 'prod' })]));
    assert.equal((await h.waitForStatus(older!.id, 'cancelled')).error, `cancelled: run ${newer!.id} of the same concurrency group replaced it`);
    await h.waitForStatus(newer!.id, 'running');
  }));

test('at start, a concurrency group with nothing running starts its pending run', () =>
  withHarness(grouped(false), async (h) => {
    const first = await h.trigger({ env: 'prod' });
    const second = await h.trigger({ env: 'prod' });
    // The server stopped (kill -9) after the first run finished, before it started the second.
    await h.coordinator.detach();
    await h.store.updateRun(first.id, { status: 'success' });
    await h.secondServer().recover();
    await h.waitForStatus(second.id, 'running');
  }));

test('a pending run whose pipeline no longer compiles fails with the diagnostics, and the next pending run starts', () =>
  withHarness(grouped(false), async (h) => {
    const running = await h.trigger({ env: 'prod' });
    const pending = { ...running, status: 'pending' as const, concurrencyGroup: running.concurrencyGroup, error: null };
    // Stored by an older version that compiled `jobs: 3`: this one does not.
    const broken = await h.store.createServerRun({ ...pending, source: 'jobs: 3\n' });
    const next = await h.store.createServerRun({ ...pending });
    await h.finishJobs(running.id, 'success');
    await h.waitForStatus(next.id, 'running');
    const failed = await h.run(broken.id);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /^the pipeline is invalid:\n\.deploylite\.yml:1:\d+: /);
  }));

test('a run whose driver breaks fails with the reason and it is logged, instead of running forever', async () => {
  const errors: string[] = [];
  const logger: Logger = { ...silentLogger, error: (message, fields) => errors.push(`${message}: ${String(fields?.error)}`), child: () => logger };
  // The database fails the driver's first read.
  const breakStore = (store: ControlStore) =>
    new Proxy(store, {
      get: (target, name) => (name === 'getProject' ? () => Promise.reject(new Error('database is locked')) : (Reflect.get(target, name) as unknown)),
    });
  await withHarness(
    BUILD,
    async (h) => {
      const run = await h.trigger();
      const failed = await h.waitForStatus(run.id, 'failed');
      assert.equal(failed.error, 'internal error: database is locked');
      assert.notEqual(failed.finishedAt, null);
      assert.deepEqual(errors, ['driving a run failed: database is locked']);
    },
    { store: breakStore, logger },
  );
});

test('two retries of a finished run at once: one runs it again, the other is a 409 conflict', () =>
  withHarness(BUILD, async (h) => {
    const run = await h.trigger();
    await h.finishJobs(run.id, 'failed');
    await h.waitForStatus(run.id, 'failed');
    const outcomes = await Promise.allSettled([h.coordinator.retry(run.id), h.coordinator.retry(run.id)]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    assert.ok(rejected?.reason instanceof ConflictError, String(rejected?.reason));
    assert.equal((await h.run(run.id)).attempt, 2);
  }));

test('a retried run waits while another run of its concurrency group runs', () =>
  withHarness(grouped(false), async (h) => {
    const old = await h.trigger({ env: 'prod' });
    await h.finishJobs(old.id, 'failed');
    await h.waitForStatus(old.id, 'failed');
    const current = await h.trigger({ env: 'prod' });
    assert.equal((await h.coordinator.retry(old.id)).status, 'pending');
    await h.finishJobs(current.id, 'success');
    await h.waitForStatus(old.id, 'running');
  }));

test('a retried run with cancel-in-progress cancels the running run of its group', () =>
  withHarness(grouped(true), async (h) => {
    const old = await h.trigger({ env: 'prod' });
    await h.finishJobs(old.id, 'failed');
    await h.waitForStatus(old.id, 'failed');
    const current = await h.trigger({ env: 'prod' });
    await h.coordinator.retry(old.id);
    await h.waitForStatus(current.id, 'cancelled');
    await h.waitForStatus(old.id, 'running');
  }));

test('cancelling a running run that another server process drives stops its queued jobs', () =>
  withHarness(BUILD, async (h) => {
    const run = await h.trigger();
    await waitFor(async () => (await h.store.findQueueItem(run.id, 'build'))?.status === 'queued');
    const cancelled = await h.secondServer().cancel(run.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await h.store.findQueueItem(run.id, 'build'))?.status, 'done');
    assert.deepEqual((await h.store.listJobs(run.id)).map((j) => [j.key, j.status]), [['build', 'cancelled']]);
  }));

test('a run of the default branch brings the schedules in line with its pipeline; other branches do not', () =>
  withHarness(BUILD, async (h) => {
    const crons = async () => (await h.store.listSchedules(h.project.id)).map((s) => s.cron);
    h.repo.commit(`on:\n  schedule: [{ cron: '0 3 * * *' }]\n${BUILD}`);
    await h.trigger();
    assert.deepEqual(await crons(), ['0 3 * * *']);
    h.repo.commit(`on:\n  schedule: [{ cron: '5 4 * * *' }]\n${BUILD}`, 'feature');
    await h.trigger({}, 'feature');
    assert.deepEqual(await crons(), ['0 3 * * *']);
    h.repo.commit(`on:\n  schedule: [{ cron: '5 4 * * *' }]\n${BUILD}`);
    await h.trigger({}, 'refs/heads/main');
    assert.deepEqual(await crons(), ['5 4 * * *']);
  }));

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
