import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from './support/protocol-stub.js';
import { assignmentOf, withRunner } from './support/runner-fixture.js';

test('a job that finishes while the server is down is reported, logs complete, once the server is back', () =>
  withRunner(async ({ stub, dir, workRoot, startAgent, logger }) => {
    const go = join(dir, 'go');
    startAgent();
    const lease = stub.assign(
      assignmentOf(`jobs: { build: { steps: [{ run: 'echo started; while [ ! -f "$GO" ]; do sleep 0.05; done; echo finished' }] } }`, {
        env: { GO: go },
      }),
    );
    await waitFor('the job to start', () => stub.logText(lease).includes('started'));
    await stub.goDown();
    await writeFile(go, '');
    await waitFor('the job to finish', async () => (await readdir(workRoot)).length === 0);
    await waitFor('the runner to notice', () => logger.entries.some((e) => e.level === 'warn' && / request failed; retrying$/.test(e.message)));
    await stub.comeBack();
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.equal(result.status, 'success');
    assert.deepEqual(
      stub.logLines(lease).filter((line) => line.stream === 'stdout').map((line) => line.text),
      ['started', 'finished'],
    );
    assert.equal(result.logLines, stub.logLines(lease).length);
  }));

test('the runner keeps polling through 5xx answers and takes work once the server recovers', () =>
  withRunner(async ({ stub, startAgent }) => {
    stub.failNext('poll', 503);
    stub.failNext('poll', 502);
    startAgent();
    const lease = stub.assign(assignmentOf(`jobs: { build: { steps: [{ run: echo ok }] } }`));
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.equal(result.status, 'success');
    assert.ok(stub.requestsOf('poll').length >= 3);
  }));

test('polls come at least every third of the lease lifetime, listing the leases held', () =>
  withRunner(
    async ({ stub, startAgent }) => {
      startAgent({ pollWaitMs: 60_000 });
      const lease = stub.assign(assignmentOf(`jobs: { build: { steps: [{ run: 'echo started; sleep 30' }] } }`));
      await waitFor('the job to start', () => stub.logText(lease).includes('started'));
      const heartbeats = await waitFor('two polls listing the lease', () => {
        const polls = stub.polls().filter((p) => p.running.includes(lease));
        return polls.length >= 2 && polls;
      });
      assert.ok(heartbeats.every((p) => p.waitMs === 300));
    },
    { leaseTtlMs: 900 },
  ));
