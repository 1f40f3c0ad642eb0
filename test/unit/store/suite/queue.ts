import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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
      assert.equal(await store.requeue(item.id, 'old'), true);
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
      assert.equal(await store.requeue(item.id, 'lost'), true);
      const again = await store.getQueueItem(item.id);
      assert.deepEqual(
        [again?.status, again?.leaseId, again?.runnerId, again?.leaseExpiresAt, again?.leaseAttempt, again?.logCursor, again?.cancelRequested],
        ['queued', null, null, null, 2, 0, false],
      );
      assert.equal(await store.getQueueItemByLease('lost'), undefined);
      assert.equal(await store.requeue(item.id, 'lost'), false);
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
  });
}
