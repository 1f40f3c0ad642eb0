import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createProject, createServerRun, job, leasedItem, lines, withStore } from './fixtures.js';
import type { OpenEmptyStore } from './fixtures.js';

export function describeLogs(openEmpty: OpenEmptyStore): void {
  const it = (name: string, body: Parameters<typeof withStore>[1]) => test(name, withStore(openEmpty, body));
  const texts = (records: readonly { text: string }[]) => records.map((r) => r.text);
  const numbers = (records: readonly { lineNo: number }[]) => records.map((r) => r.lineNo);

  describe('logs', () => {
    it("appendJobLog numbers each job's lines from 1 without gaps", async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      assert.deepEqual(numbers(await store.appendJobLog(run.id, 'build', lines('a', 'b'))), [1, 2]);
      assert.deepEqual(numbers(await store.appendJobLog(run.id, 'test', lines('x'))), [1]);
      const third = await store.appendJobLog(run.id, 'build', [{ stream: 'system', time: 7, text: 'c' }]);
      assert.deepEqual(third, [{ runId: run.id, jobKey: 'build', lineNo: 3, stream: 'system', time: 7, text: 'c' }]);
    });

    it('readJobLog returns the lines after a line number, in order, at most limit', async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      await store.appendJobLog(run.id, 'build', lines('1', '2', '3', '4', '5'));
      assert.deepEqual(texts(await store.readJobLog(run.id, 'build', 2, 2)), ['3', '4']);
      assert.deepEqual(texts(await store.readJobLog(run.id, 'build', 4, 100)), ['5']);
      assert.deepEqual(await store.readJobLog(run.id, 'build', 5, 100), []);
    });

    it('a lease batch is stored, numbered, and moves the cursor', async (store) => {
      const item = await leasedItem(store, 'L');
      const appended = await store.appendLeaseLog('L', 0, lines('one', 'two'));
      assert.deepEqual([appended?.accepted, numbers(appended?.stored ?? [])], [2, [1, 2]]);
      assert.equal((await store.getQueueItem(item.id))?.logCursor, 2);
    });

    it('a resent batch stores only the lines after the cursor', async (store) => {
      const item = await leasedItem(store, 'L');
      await store.appendLeaseLog('L', 0, lines('one', 'two'));
      const resent = await store.appendLeaseLog('L', 0, lines('one', 'two', 'three'));
      assert.deepEqual([resent?.accepted, texts(resent?.stored ?? [])], [3, ['three']]);
      assert.deepEqual(await store.appendLeaseLog('L', 1, lines('two', 'three')), { accepted: 3, stored: [] });
      assert.deepEqual(texts(await store.readJobLog(item.runId, 'build', 0, 100)), ['one', 'two', 'three']);
    });

    it('a batch that would leave a gap is refused and the cursor tells where to resend from', async (store) => {
      const item = await leasedItem(store, 'L');
      await store.appendLeaseLog('L', 0, lines('one'));
      assert.deepEqual(await store.appendLeaseLog('L', 5, lines('six')), { accepted: 1, stored: [] });
      assert.equal((await store.getQueueItem(item.id))?.logCursor, 1);
      assert.deepEqual(texts(await store.readJobLog(item.runId, 'build', 0, 100)), ['one']);
    });

    it('a negative batch offset is an invalid request, not stored', async (store) => {
      const item = await leasedItem(store, 'L');
      await assert.rejects(store.appendLeaseLog('L', -1, lines('x')), { name: 'InvalidRequestError', code: 'invalid-request' });
      assert.deepEqual(await store.readJobLog(item.runId, 'build', 0, 100), []);
    });

    it("runner lines are numbered after the server's system lines of the same job", async (store) => {
      const item = await leasedItem(store, 'L');
      await store.appendJobLog(item.runId, 'build', [{ stream: 'system', time: 1, text: 'queued again (attempt 2)' }]);
      const appended = await store.appendLeaseLog('L', 0, lines('from runner'));
      assert.deepEqual([appended?.accepted, numbers(appended?.stored ?? [])], [1, [2]]);
    });

    it("a lease takes no lines from a runner that does not hold it", async (store) => {
      const item = await leasedItem(store, 'L', 1);
      assert.equal(await store.appendLeaseLog('L', 0, lines('intruder'), 2), undefined);
      const appended = await store.appendLeaseLog('L', 0, lines('holder'), 1);
      assert.deepEqual([appended?.accepted, appended?.stored.map((line) => [line.runId, line.jobKey, line.text])], [1, [[item.runId, 'build', 'holder']]]);
    });

    it('a lease that is not active takes no lines', async (store) => {
      const item = await leasedItem(store, 'L');
      assert.equal(await store.appendLeaseLog('unknown', 0, lines('x')), undefined);
      await store.completeLease('L', { status: 'success' }, 3_000);
      assert.equal(await store.appendLeaseLog('L', 0, lines('late')), undefined);
      assert.deepEqual(await store.readJobLog(item.runId, 'build', 0, 100), []);
    });

    it('concurrent appends keep every job gap-free: two leases, plus server lines', async (store) => {
      const a = await leasedItem(store, 'A', 1, { jobKey: 'a' });
      await leasedItem(store, 'B', 2, { runId: a.runId, jobKey: 'b' });
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => [
          store.appendLeaseLog('A', i * 2, lines(`a${i * 2}`, `a${i * 2 + 1}`)),
          store.appendLeaseLog('B', i, lines(`b${i}`)),
          store.appendJobLog(a.runId, 'a', [{ stream: 'system', time: 1, text: `s${i}` }]),
        ]).flat(),
      );
      const logA = await store.readJobLog(a.runId, 'a', 0, 1000);
      const logB = await store.readJobLog(a.runId, 'b', 0, 1000);
      assert.deepEqual(numbers(logA), Array.from({ length: logA.length }, (_, i) => i + 1));
      assert.deepEqual(numbers(logB), Array.from({ length: logB.length }, (_, i) => i + 1));
      assert.equal(logA.filter((l) => l.stream === 'system').length, 10);
      // Out-of-order batches are refused, never stored twice or with a hole in the lease's lines.
      assert.deepEqual(texts(logB), Array.from({ length: logB.length }, (_, i) => `b${i}`));
    });

    it("the engine's appendLogs numbers lines per job; readLogs returns them job by job", async (store) => {
      const run = await createServerRun(store, (await createProject(store)).id);
      await store.saveJob(job(run.id, 'test[0]'));
      await store.saveJob(job(run.id, 'lint'));
      const line = (jobKey: string, text: string) => ({ runId: run.id, jobKey, stream: 'stdout' as const, time: 1, text });
      await store.appendLogs([line('lint', 'l1'), line('test[0]', 't1'), line('lint', 'l2')]);
      assert.deepEqual(numbers(await store.readJobLog(run.id, 'lint', 0, 10)), [1, 2]);
      assert.deepEqual(texts(await store.readLogs(run.id)), ['t1', 'l1', 'l2']);
      assert.deepEqual(texts(await store.readLogs(run.id, 'test')), ['t1']);
      assert.deepEqual(await store.readLogs(run.id, 'lint'), [line('lint', 'l1'), line('lint', 'l2')]);
    });
  });
}
