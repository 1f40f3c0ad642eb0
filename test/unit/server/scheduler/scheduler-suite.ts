// The Scheduler's behaviour over a real store, run against SQLite and PostgreSQL: what a
// runner's poll gets, and what the reaper does with leases, including when they race.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DispatchedJob } from '../../../../src/engine/index.js';
import type { JobResult } from '../../../../src/protocol/index.js';
import type { Scheduler } from '../../../../src/server/scheduler/scheduler.js';
import { createRemoteDispatcher } from '../../../../src/server/scheduler/remote-dispatcher.js';
import type { ControlStore, ServerRunRecord } from '../../../../src/store/index.js';
import type { OpenEmptyStore } from '../../store/suite/fixtures.js';
import { withStore } from '../../store/suite/fixtures.js';
import { createRun, createRunner, createScheduler, LEASE_TTL_MS, manualClock, neverAborted, poll, queueJob, storeWith } from './scheduler-fixture.js';

export function describeScheduler(name: string, openEmpty: OpenEmptyStore): void {
  const it = (title: string, body: (store: ControlStore) => Promise<void>) => test(title, withStore(openEmpty, body));

  describe(`scheduler over ${name}`, () => {
    it('a runner gets a job it can run even behind hundreds of older jobs it cannot', async (store) => {
      const run = await createRun(store);
      for (let i = 0; i < 300; i++) await queueJob(store, run, `train-${i}`, { labels: ['gpu'] });
      await queueJob(store, run, 'lint');
      const runner = await createRunner(store, 'cpu-only', ['linux']);
      const { jobs } = await createScheduler(store, manualClock()).poll(runner, poll(1), neverAborted);
      assert.deepEqual(jobs.map((job) => job.jobKey), ['lint']);
    });

    it('a runner gets a job behind older jobs of a project at its concurrency limit', async (store) => {
      const busy = await createRun(store, 1);
      const other = await createRun(store);
      const clock = manualClock();
      const scheduler = createScheduler(store, clock);
      for (let i = 0; i < 60; i++) await queueJob(store, busy, `busy-${i}`);
      await queueJob(store, other, 'other');
      const first = await scheduler.poll(await createRunner(store, 'r1'), poll(1), neverAborted);
      const second = await scheduler.poll(await createRunner(store, 'r2'), poll(2), neverAborted);
      assert.deepEqual([first.jobs.map((job) => job.jobKey), second.jobs.map((job) => job.jobKey)], [['busy-0'], ['other']]);
    });

    it('runners polling at once for as many jobs as they have slots get one each', async (store) => {
      const run = await createRun(store);
      const keys = ['a', 'b', 'c', 'd'];
      for (const key of keys) await queueJob(store, run, key);
      const scheduler = createScheduler(store, manualClock());
      const runners = await Promise.all(keys.map((key) => createRunner(store, `runner-${key}`)));
      const polls = await Promise.all(runners.map((runner) => scheduler.poll(runner, poll(1), neverAborted)));
      assert.deepEqual(polls.map((p) => p.jobs.length), [1, 1, 1, 1]);
      assert.deepEqual(polls.flatMap((p) => p.jobs.map((job) => job.jobKey)).sort(), keys);
    });

    it('jobs claimed for a poll whose runner hung up go back to the queue, same attempt', async (store) => {
      const run = await createRun(store);
      const item = await queueJob(store, run, 'build');
      const hangUp = new AbortController();
      // The runner disconnects while its jobs are being claimed (whichever way the poll claims).
      const disconnecting = storeWith(store, {
        claimMany: async (ids, lease) => {
          const won = await store.claimMany(ids, lease);
          hangUp.abort();
          return won;
        },
        claimNext: async (limit, filter, lease) => {
          const won = await store.claimNext(limit, filter, lease);
          hangUp.abort();
          return won;
        },
      });
      const scheduler = createScheduler(disconnecting, manualClock());
      const gone = await scheduler.poll(await createRunner(store, 'gone'), poll(1), hangUp.signal);
      assert.deepEqual(gone.jobs, []);
      const back = await store.getQueueItem(item.id);
      assert.deepEqual([back?.status, back?.leaseId, back?.runnerId, back?.leaseAttempt], ['queued', null, null, 1]);
      const next = await scheduler.poll(await createRunner(store, 'next'), poll(1), neverAborted);
      assert.deepEqual(next.jobs.map((job) => job.jobKey), ['build']);
    });

    for (const onLeaseLost of ['requeue', 'fail'] as const) {
      it(`the reaper (${onLeaseLost}) leaves alone a lease its runner extended after it was found expired`, async (store) => {
        const run = await createRun(store);
        const item = await queueJob(store, run, 'deploy');
        const clock = manualClock();
        const runner = await createRunner(store, 'slow');
        const [job] = (await createScheduler(store, clock).poll(runner, poll(1), neverAborted)).jobs;
        clock.advance(2 * LEASE_TTL_MS);
        // The runner's poll lands between the reaper's read and its write.
        const racing = storeWith(store, {
          expiredLeases: async (now) => {
            const expired = await store.expiredLeases(now);
            await store.extendLeases(runner.id, [job?.leaseId ?? ''], now + LEASE_TTL_MS);
            return expired;
          },
        });
        await createScheduler(racing, clock, { onLeaseLost }).reapExpiredLeases();
        const current = await store.getQueueItem(item.id);
        assert.deepEqual([current?.status, current?.leaseId, current?.leaseAttempt], ['leased', job?.leaseId, 1]);
      });
    }

    it('a dispatcher that finds its job queued by another server meanwhile waits for that one', async (store) => {
      const run = await createRun(store);
      await queueJob(store, run, 'build');
      let settle: () => void = () => undefined;
      const lookedAgain = new Promise<void>((resolve) => (settle = resolve));
      let finds = 0;
      // Another server process queued the job between this dispatcher's look-up and its enqueue.
      const lateStore = storeWith(store, {
        findQueueItem: async (runId, jobKey) => {
          if (++finds === 1) return undefined;
          const found = await store.findQueueItem(runId, jobKey);
          settle();
          return found;
        },
      });
      const clock = manualClock();
      const scheduler = createScheduler(lateStore, clock);
      const outcome = dispatch(lateStore, scheduler, run, dispatchedJob('build', clock, neverAborted));
      await lookedAgain;
      assert.equal(await store.queueDepth(), 1);
      const runner = await createRunner(store, 'r1');
      const [job] = (await scheduler.poll(runner, poll(1), neverAborted)).jobs;
      await scheduler.acceptResult(runner, job?.leaseId ?? '', { ...SUCCESS, outputs: { version: '1.2.3' } });
      assert.deepEqual(await outcome, { ...outcomeOf(SUCCESS), outputs: { version: '1.2.3' } });
    });

    it('a cancelled dispatch ends the queued job at once and reports it cancelled', async (store) => {
      const run = await createRun(store);
      const clock = manualClock();
      const scheduler = createScheduler(store, clock);
      const stop = new AbortController();
      const outcome = dispatch(store, scheduler, run, dispatchedJob('build', clock, stop.signal));
      while ((await store.queueDepth()) === 0) await new Promise((resolve) => setImmediate(resolve));
      stop.abort();
      assert.equal((await outcome).status, 'cancelled');
      assert.equal((await store.findQueueItem(run.runId, 'build'))?.status, 'done');
      assert.deepEqual((await scheduler.poll(await createRunner(store, 'late'), poll(1), neverAborted)).jobs, []);
    });

    it('a dispatcher learns of a job that another server process leased and finished', async (store) => {
      const run = await createRun(store);
      const clock = manualClock();
      let running = 0;
      const job = { ...dispatchedJob('build', clock, neverAborted), onRunning: () => void running++ };
      const outcome = dispatch(store, createScheduler(store, clock, { watchSweepMs: 10 }), run, job);
      while ((await store.queueDepth()) === 0) await new Promise((resolve) => setImmediate(resolve));
      // The other process has its own scheduler: nothing it does wakes this one's dispatcher.
      const elsewhere = createScheduler(store, clock);
      const runner = await createRunner(store, 'other-server-runner');
      const [leased] = (await elsewhere.poll(runner, poll(1), neverAborted)).jobs;
      await elsewhere.acceptResult(runner, leased?.leaseId ?? '', SUCCESS);
      assert.equal((await outcome).status, 'success');
      assert.equal(running, 1);
    });

    it('a result from a runner that does not hold the lease is refused and changes nothing', async (store) => {
      const run = await createRun(store);
      const item = await queueJob(store, run, 'build');
      const scheduler = createScheduler(store, manualClock());
      const holder = await createRunner(store, 'holder');
      const [job] = (await scheduler.poll(holder, poll(1), neverAborted)).jobs;
      const intruder = await createRunner(store, 'intruder');
      await assert.rejects(scheduler.acceptResult(intruder, job?.leaseId ?? '', SUCCESS), { code: 'lease.gone' });
      assert.equal((await store.getQueueItem(item.id))?.status, 'leased');
      await scheduler.acceptResult(holder, job?.leaseId ?? '', SUCCESS);
      assert.equal((await store.getQueueItem(item.id))?.status, 'done');
    });

    it("a result's step summary is kept with the job, not in the queue item", async (store) => {
      const run = await createRun(store);
      const item = await queueJob(store, run, 'build');
      const scheduler = createScheduler(store, manualClock());
      const runner = await createRunner(store, 'summaries');
      const [job] = (await scheduler.poll(runner, poll(1), neverAborted)).jobs;
      await scheduler.acceptResult(runner, job?.leaseId ?? '', { ...SUCCESS, summary: '## Tests\n12 passed\n' });
      assert.equal(await store.getJobSummary(run.runId, 'build'), '## Tests\n12 passed\n');
      const done = await store.getQueueItem(item.id);
      assert.equal(done?.status, 'done');
      assert.equal((done?.result as JobResult).summary, undefined);
    });

    it('twenty runners polling at once over a long queue each get a full batch, no job twice', async (store) => {
      const run = await createRun(store);
      for (let i = 0; i < 200; i++) await queueJob(store, run, `job-${i}`);
      const scheduler = createScheduler(store, manualClock());
      const runners = await Promise.all(Array.from({ length: 20 }, (_, i) => createRunner(store, `runner-${i}`)));
      const polls = await Promise.all(runners.map((runner) => scheduler.poll(runner, poll(10), neverAborted)));
      assert.deepEqual(polls.map((p) => p.jobs.length), Array.from({ length: 20 }, () => 10));
      assert.equal(new Set(polls.flatMap((p) => p.jobs.map((job) => job.jobKey))).size, 200);
    });
  });
}

const SUCCESS: JobResult = { status: 'success', attempts: 1, exitCode: 0, error: null, outputs: {}, rollbackStatus: null, logLines: 0 };

function outcomeOf(result: JobResult) {
  const { logLines: _logLines, ...outcome } = result;
  return outcome;
}

/** A remote dispatch of `job` for the run, with a sealer that only encodes. */
function dispatch(store: ControlStore, scheduler: Scheduler, run: { projectId: number; runId: number }, job: DispatchedJob) {
  return createRemoteDispatcher(store, scheduler, {
    run: { id: run.runId, projectId: run.projectId, file: '.deploylite.yml', sha: 'a'.repeat(40) } as ServerRunRecord,
    repository: 'https://git.example.com/web.git',
    priority: 0,
    sealer: { seal: async (value) => JSON.stringify(value), open: async (text) => JSON.parse(text) as unknown },
  })(job);
}

/** The parts of a DispatchedJob the remote dispatcher reads. */
function dispatchedJob(key: string, clock: DispatchedJob['clock'], signal: AbortSignal): DispatchedJob {
  return {
    instance: { key, name: key, matrixIndex: null, matrix: null, spec: { id: key, runsOn: [] } },
    contexts: {},
    env: {},
    clock,
    signal,
    onRunning: () => undefined,
  } as unknown as DispatchedJob;
}
