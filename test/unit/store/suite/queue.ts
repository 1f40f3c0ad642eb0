import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConflictError } from '../../../../src/core/index.js';
import { createProject, createServerRun, leasedItem, queuedItem, withStore } from './fixtures.js';
import type { OpenEmptyStore } from './fixtures.js';

const lease = (leaseId: string, runnerId = 1) => ({ leaseId, runnerId, expiresAt: 10_000, now: 2_000 });

export function describeQueue(openEmpty: OpenEmptyStore): void {
  const it = (name: string, body: Parameters<typeof withStore>[1]) => test(name, withStore(openEmpty, body));

  describe('queue', () => {
    it('an enqueued item waits with its labels and payload, first attempt, cursor 0', async (store) => {
      const item = await queuedItem(store, { labels: ['linux', 'x64'], payload: { jobId: 'build', env: { A: '1' } } });
      assert.deepEqual(await store.getQueueItem(item.id), item);
      assert.deepEqual([item.status, item.leaseAttempt, item.logCursor, item.cancelRequested], ['queued', 1, 0, false]);
      assert.deepEqual([item.labels, item.payload], [['linux', 'x64'], { jobId: 'build', env: { A: '1' } }]);
    });

    it('listQueued orders by priority, highest first, then first in first out', async (store) => {
      const a = await queuedItem(store, { jobKey: 'a', priority: 0 });
      const b = await queuedItem(store, { jobKey: 'b', priority: 5 });
      const c = await queuedItem(store, { jobKey: 'c', priority: 0 });
      const d = await queuedItem(store, { jobKey: 'd', priority: 5 });
      await store.claim(c.id, lease('l-c'));
      assert.deepEqual((await store.listQueued(10)).map((i) => i.id), [b.id, d.id, a.id]);
      assert.deepEqual((await store.listQueued(1)).map((i) => i.id), [b.id]);
    });

    it('of two claims racing for one item exactly one wins', async (store) => {
      const item = await queuedItem(store);
      const won = await Promise.all([store.claim(item.id, lease('lease-1', 1)), store.claim(item.id, lease('lease-2', 2))]);
      assert.deepEqual(won.filter(Boolean).length, 1);
      const claimed = await store.getQueueItem(item.id);
      assert.equal(claimed?.status, 'leased');
      assert.equal(claimed?.leaseId, won[0] ? 'lease-1' : 'lease-2');
      assert.deepEqual([claimed?.leaseExpiresAt, claimed?.assignedAt], [10_000, 2_000]);
    });

    it('claimMany leases what is still queued in one go, and two racing batches never share an item', async (store) => {
      const [a, b, c] = [await queuedItem(store, { jobKey: 'a' }), await queuedItem(store, { jobKey: 'b' }), await queuedItem(store, { jobKey: 'c' })];
      const batch = (leasePrefix: string, runnerId: number) => ({ leasePrefix, runnerId, expiresAt: 10_000, now: 2_000 });
      const [first, second] = await Promise.all([store.claimMany([a.id, b.id], batch('p1', 1)), store.claimMany([b.id, c.id], batch('p2', 2))]);
      const ids = [...first, ...second].map((won) => won.id).sort((x, y) => x - y);
      assert.deepEqual(ids, [a.id, b.id, c.id], 'every item is leased exactly once');
      for (const won of [...first, ...second]) {
        const item = await store.getQueueItemByLease(won.leaseId);
        assert.equal(item?.id, won.id);
        assert.match(won.leaseId, new RegExp(`^p[12]\\.${won.id}$`));
        assert.equal(item?.runnerId, won.leaseId.startsWith('p1') ? 1 : 2);
        assert.deepEqual(won.payload, item?.payload, 'the claim returns the payload the runner is sent');
      }
      assert.deepEqual(await store.claimMany([a.id], batch('p3', 3)), []);
    });

    it('claimNext leases the oldest items the filter lets through, highest priority first, with their payloads', async (store) => {
      const project = await createProject(store);
      const other = await createProject(store, 'api');
      const run = await createServerRun(store, project.id);
      const otherRun = await createServerRun(store, other.id);
      const old = await queuedItem(store, { runId: run.id, jobKey: 'old', labels: [] });
      await queuedItem(store, { runId: run.id, jobKey: 'gpu', labels: ['gpu'] });
      await queuedItem(store, { runId: otherRun.id, jobKey: 'elsewhere', labels: [], projectId: other.id });
      const urgent = await queuedItem(store, { runId: run.id, jobKey: 'urgent', labels: ['linux'], priority: 5, payload: { jobId: 'urgent' } });
      await queuedItem(store, { runId: run.id, jobKey: 'young', labels: [] });
      const won = await store.claimNext(2, { labels: ['linux'], excludeProjects: [other.id] }, { leasePrefix: 'p', runnerId: 7, expiresAt: 10_000, now: 2_000 });
      assert.deepEqual(
        won.map((claim) => [claim.id, claim.leaseId, claim.payload]),
        [
          [urgent.id, `p.${urgent.id}`, { jobId: 'urgent' }],
          [old.id, `p.${old.id}`, { jobId: 'build' }],
        ],
      );
      const leased = await store.getQueueItem(urgent.id);
      assert.deepEqual([leased?.status, leased?.runnerId, leased?.leaseExpiresAt, leased?.assignedAt], ['leased', 7, 10_000, 2_000]);
      assert.deepEqual((await store.listQueued(10)).map((item) => item.jobKey), ['gpu', 'elsewhere', 'young']);
    });

    it('claimNext calls racing over one queue never share an item and each gets its limit', async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      for (let i = 0; i < 40; i++) await queuedItem(store, { runId: run.id, jobKey: `job-${i}` });
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.claimNext(5, {}, { leasePrefix: `p${i}`, runnerId: i + 1, expiresAt: 10_000, now: 2_000 })),
      );
      assert.deepEqual(claims.map((won) => won.length), [5, 5, 5, 5, 5, 5, 5, 5]);
      assert.equal(new Set(claims.flat().map((won) => won.id)).size, 40);
      assert.equal(await store.queueDepth(), 0);
    });

    it('completeHeldLease finishes the item only for the runner holding the lease, and says when it was assigned', async (store) => {
      const item = await leasedItem(store, 'L', 1);
      assert.equal(await store.completeHeldLease(2, 'L', { status: 'success' }, 3_000), undefined);
      assert.equal((await store.getQueueItem(item.id))?.status, 'leased');
      assert.deepEqual(await store.completeHeldLease(1, 'L', { status: 'success' }, 3_000), { id: item.id, assignedAt: 2_000 });
      assert.equal(await store.completeHeldLease(1, 'L', { status: 'failed' }, 4_000), undefined);
      const done = await store.getQueueItem(item.id);
      assert.deepEqual([done?.status, done?.result, done?.finishedAt], ['done', { status: 'success' }, 3_000]);
    });

    it('queueItemStates reads the status, result and assignment of many items at once', async (store) => {
      const queued = await queuedItem(store, { jobKey: 'a' });
      const leased = await leasedItem(store, 'L', 1, { jobKey: 'b' });
      const done = await leasedItem(store, 'D', 1, { jobKey: 'c' });
      await store.completeLease('D', { status: 'failed' }, 3_000);
      const states = await store.queueItemStates([queued.id, leased.id, done.id, 999_999]);
      assert.deepEqual(
        [...states].sort(([a], [b]) => a - b),
        [
          [queued.id, { status: 'queued', result: null, assignedAt: null }],
          [leased.id, { status: 'leased', result: null, assignedAt: 2_000 }],
          [done.id, { status: 'done', result: { status: 'failed' }, assignedAt: 2_000 }],
        ],
      );
    });

    it('listQueued with labels leaves out items needing a label not offered, however many come first', async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      for (let i = 0; i < 250; i++) await queuedItem(store, { runId: run.id, jobKey: `gpu-${i}`, labels: ['linux', 'gpu'] });
      const both = await queuedItem(store, { runId: run.id, jobKey: 'both', labels: ['linux', 'x64'] });
      const none = await queuedItem(store, { runId: run.id, jobKey: 'none', labels: [] });
      const keys = async (labels: string[]) => (await store.listQueued(5, { labels })).map((i) => i.jobKey);
      assert.deepEqual(await keys(['x64', 'docker', 'linux']), [both.jobKey, none.jobKey]);
      assert.deepEqual(await keys(['linux']), [none.jobKey]);
      assert.deepEqual(await keys([]), [none.jobKey]);
      assert.equal((await store.listQueued(300, { labels: ['gpu', 'linux'] })).length, 251);
    });

    it('listQueued leaves out excluded projects and reads on after a given item', async (store) => {
      const web = await createProject(store, 'web');
      const api = await createProject(store, 'api');
      const apiRun = await createServerRun(store, api.id);
      const a = await queuedItem(store, { jobKey: 'a' });
      const b = await queuedItem(store, { runId: apiRun.id, projectId: api.id, jobKey: 'b' });
      const c = await queuedItem(store, { jobKey: 'c', priority: 5 });
      const d = await queuedItem(store, { jobKey: 'd' });
      const ids = async (filter: Parameters<typeof store.listQueued>[1]) => (await store.listQueued(10, filter)).map((i) => i.id);
      assert.deepEqual(await ids({ excludeProjects: [web.id] }), [b.id]);
      assert.deepEqual(await ids({ after: { priority: 5, id: c.id } }), [a.id, b.id, d.id]);
      assert.deepEqual(await ids({ after: { priority: 0, id: a.id }, excludeProjects: [api.id] }), [d.id]);
    });

    it('projectSlotsLeft gives each project with a limit its limit minus its leased items', async (store) => {
      const limited = await createProject(store, 'web', 2);
      const full = await createProject(store, 'api', 1);
      await createProject(store, 'free', null);
      await leasedItem(store, 'w1', 1, { jobKey: 'a' });
      await queuedItem(store, { jobKey: 'b' });
      const fullRun = await createServerRun(store, full.id);
      await leasedItem(store, 'f1', 1, { runId: fullRun.id, projectId: full.id });
      assert.deepEqual(await store.projectSlotsLeft(), new Map([[limited.id, 1], [full.id, 0]]));
    });

    it('a job of a run has one active item: a second enqueue is a ConflictError until the first is done', async (store) => {
      const first = await queuedItem(store);
      await assert.rejects(queuedItem(store, { runId: first.runId }), (error: unknown) => {
        assert.ok(error instanceof ConflictError);
        assert.equal(error.code, 'queue.duplicate');
        assert.match(error.message, /job "build" of run \d+ is already queued or running/);
        return true;
      });
      await store.claim(first.id, lease('l-1'));
      await assert.rejects(queuedItem(store, { runId: first.runId }), ConflictError);
      await store.completeLease('l-1', { status: 'failed' }, 3_000);
      const again = await queuedItem(store, { runId: first.runId });
      await store.archiveQueueItems(first.runId, ['build']);
      assert.equal((await queuedItem(store, { runId: first.runId })).leaseAttempt, 1);
      assert.notEqual(again.id, first.id);
    });

    it("extendLeases extends only the runner's own active leases and returns them", async (store) => {
      await leasedItem(store, 'mine', 1, { jobKey: 'a' });
      await leasedItem(store, 'theirs', 2, { jobKey: 'b' });
      assert.deepEqual(await store.extendLeases(1, ['mine', 'theirs', 'unknown'], 50_000), ['mine']);
      assert.equal((await store.getQueueItemByLease('mine'))?.leaseExpiresAt, 50_000);
      assert.equal((await store.getQueueItemByLease('theirs'))?.leaseExpiresAt, 10_000);
    });

    it('extendAllLeases gives every active lease at least the new expiry', async (store) => {
      await leasedItem(store, 'short', 1, { jobKey: 'a' });
      const long = await leasedItem(store, 'long', 1, { jobKey: 'b' });
      await store.extendLeases(1, ['long'], 90_000);
      await store.extendAllLeases(60_000);
      assert.equal((await store.getQueueItemByLease('short'))?.leaseExpiresAt, 60_000);
      assert.equal((await store.getQueueItem(long.id))?.leaseExpiresAt, 90_000);
    });

    it('completeLease finishes the item only while the lease is current', async (store) => {
      const item = await leasedItem(store, 'old');
      assert.equal(await store.requeue(item.id, 'old', 20_000), true);
      await store.claim(item.id, lease('new', 2));
      assert.equal(await store.completeLease('old', { status: 'success' }, 3_000), false);
      assert.equal(await store.completeLease('new', { status: 'success' }, 3_000), true);
      assert.equal(await store.completeLease('new', { status: 'failed' }, 4_000), false);
      const done = await store.getQueueItem(item.id);
      assert.deepEqual([done?.status, done?.result, done?.finishedAt], ['done', { status: 'success' }, 3_000]);
    });

    it('expiredLeases returns the leased items whose lease ran out', async (store) => {
      const expired = await leasedItem(store, 'expired', 1, { jobKey: 'a' });
      await leasedItem(store, 'alive', 1, { jobKey: 'b' });
      await store.extendLeases(1, ['alive'], 30_000);
      await queuedItem(store, { jobKey: 'c' });
      assert.deepEqual((await store.expiredLeases(20_000)).map((i) => i.id), [expired.id]);
    });

    it('requeue puts a lost lease back in the queue as the next attempt, cursor reset', async (store) => {
      const item = await leasedItem(store, 'lost');
      await store.appendLeaseLog('lost', 0, [{ stream: 'stdout', time: 1, text: 'partial' }]);
      assert.equal(await store.requeue(item.id, 'lost', 20_000), true);
      const again = await store.getQueueItem(item.id);
      assert.deepEqual(
        [again?.status, again?.leaseId, again?.runnerId, again?.leaseExpiresAt, again?.leaseAttempt, again?.logCursor, again?.cancelRequested],
        ['queued', null, null, null, 2, 0, false],
      );
      assert.equal(await store.getQueueItemByLease('lost'), undefined);
      assert.equal(await store.requeue(item.id, 'lost', 20_000), false);
    });

    it('requeue and finishExpiredLease leave alone a lease its runner extended after it expired', async (store) => {
      const requeued = await leasedItem(store, 'polled-a', 1, { jobKey: 'a' });
      const failed = await leasedItem(store, 'polled-b', 1, { jobKey: 'b' });
      assert.equal((await store.expiredLeases(20_000)).length, 2);
      await store.extendLeases(1, ['polled-a', 'polled-b'], 50_000);
      assert.equal(await store.requeue(requeued.id, 'polled-a', 20_000), false);
      assert.equal(await store.finishExpiredLease('polled-b', { status: 'failed' }, 20_000), false);
      const [a, b] = [await store.getQueueItem(requeued.id), await store.getQueueItem(failed.id)];
      assert.deepEqual([a?.status, a?.leaseId, a?.leaseAttempt, b?.status, b?.leaseId], ['leased', 'polled-a', 1, 'leased', 'polled-b']);
    });

    it('finishExpiredLease finishes an item whose lease is still the expired one', async (store) => {
      const item = await leasedItem(store, 'gone');
      assert.equal(await store.finishExpiredLease('gone', { status: 'failed' }, 9_000), false, 'not expired yet');
      assert.equal(await store.finishExpiredLease('gone', { status: 'failed' }, 20_000), true);
      assert.equal(await store.finishExpiredLease('gone', { status: 'failed' }, 20_000), false);
      const done = await store.getQueueItem(item.id);
      assert.deepEqual([done?.status, done?.result, done?.finishedAt], ['done', { status: 'failed' }, 20_000]);
    });

    it('unclaim puts claims no runner heard of back in the queue, same attempt', async (store) => {
      const item = await leasedItem(store, 'undelivered', 1, { jobKey: 'a' });
      const other = await leasedItem(store, 'delivered', 2, { jobKey: 'b' });
      assert.equal(await store.unclaim(['undelivered', 'unknown']), 1);
      const back = await store.getQueueItem(item.id);
      assert.deepEqual(
        [back?.status, back?.leaseId, back?.runnerId, back?.leaseExpiresAt, back?.assignedAt, back?.leaseAttempt],
        ['queued', null, null, null, null, 1],
      );
      assert.equal((await store.getQueueItem(other.id))?.status, 'leased');
      assert.deepEqual((await store.listQueued(10)).map((i) => i.id), [item.id]);
    });

    it('finishQueued finishes an item only while it is still queued', async (store) => {
      const queued = await queuedItem(store, { jobKey: 'a' });
      const leased = await leasedItem(store, 'busy', 1, { jobKey: 'b' });
      assert.equal(await store.finishQueued(queued.id, { status: 'cancelled' }, 3_000), true);
      assert.equal(await store.finishQueued(leased.id, { status: 'cancelled' }, 3_000), false);
      assert.deepEqual((await store.getQueueItem(queued.id))?.result, { status: 'cancelled' });
      assert.equal((await store.getQueueItem(leased.id))?.status, 'leased');
    });

    it('a requested cancel is reported to the runner that holds the lease', async (store) => {
      const item = await leasedItem(store, 'to-cancel', 1, { jobKey: 'a' });
      await leasedItem(store, 'to-keep', 1, { jobKey: 'b' });
      await store.requestCancel(item.id);
      assert.equal((await store.getQueueItem(item.id))?.cancelRequested, true);
      assert.deepEqual(await store.cancelRequestedFor(1, ['to-cancel', 'to-keep']), ['to-cancel']);
      assert.deepEqual(await store.cancelRequestedFor(2, ['to-cancel']), []);
    });

    it('findQueueItem finds the latest item of a job that is not archived', async (store) => {
      const first = await queuedItem(store);
      await store.finishQueued(first.id, { status: 'failed' }, 3_000);
      assert.equal((await store.findQueueItem(first.runId, 'build'))?.id, first.id);
      await store.archiveQueueItems(first.runId, ['build']);
      assert.equal(await store.findQueueItem(first.runId, 'build'), undefined);
      const second = await queuedItem(store, { runId: first.runId });
      assert.equal((await store.findQueueItem(first.runId, 'build'))?.id, second.id);
    });

    it('archiveQueueItems archives only the given keys of the run', async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      const keep = await queuedItem(store, { runId: run.id, jobKey: 'lint' });
      const drop = await queuedItem(store, { runId: run.id, jobKey: 'test' });
      await store.archiveQueueItems(run.id, ['test']);
      assert.deepEqual([(await store.getQueueItem(keep.id))?.status, (await store.getQueueItem(drop.id))?.status], ['queued', 'archived']);
    });

    it('leased items are counted per project and per runner; queueDepth counts queued ones', async (store) => {
      const web = await createProject(store, 'web');
      const api = await createProject(store, 'api');
      const apiRun = await createServerRun(store, api.id);
      await leasedItem(store, 'w1', 1, { jobKey: 'a' });
      await leasedItem(store, 'w2', 2, { jobKey: 'b' });
      await leasedItem(store, 'a1', 2, { runId: apiRun.id, projectId: api.id });
      await queuedItem(store, { jobKey: 'c' });
      assert.deepEqual(await store.countLeasedByProject(), new Map([[web.id, 2], [api.id, 1]]));
      assert.deepEqual(await store.countLeasedByRunner(), new Map([[1, 1], [2, 2]]));
      assert.equal(await store.queueDepth(), 1);
    });

    it('listLeasedJobs names the jobs each runner holds now, by runner then in lease order; queued and finished ones are not held', async (store) => {
      const web = await createProject(store, 'web');
      const api = await createProject(store, 'api');
      const apiRun = await createServerRun(store, api.id);
      const b = await leasedItem(store, 'w-b', 2, { jobKey: 'b' });
      const a = await leasedItem(store, 'w-a', 1, { jobKey: 'a' });
      await leasedItem(store, 'a-deploy', 2, { runId: apiRun.id, projectId: api.id, jobKey: 'deploy' });
      await leasedItem(store, 'w-done', 1, { jobKey: 'done' });
      await store.completeLease('w-done', { status: 'success' }, 3_000);
      await queuedItem(store, { jobKey: 'waiting' });
      assert.deepEqual(await store.listLeasedJobs(), [
        { runnerId: 1, runId: a.runId, jobKey: 'a', projectId: web.id },
        { runnerId: 2, runId: b.runId, jobKey: 'b', projectId: web.id },
        { runnerId: 2, runId: apiRun.id, jobKey: 'deploy', projectId: api.id },
      ]);
    });
  });
}
