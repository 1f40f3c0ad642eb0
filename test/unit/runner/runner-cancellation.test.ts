import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import type { ProtocolStub } from './support/protocol-stub.js';
import { waitFor } from './support/protocol-stub.js';
import { assignmentOf, withRunner } from './support/runner-fixture.js';

const LONG_JOB = `jobs: { build: { steps: [{ run: 'echo started; sleep 30; echo never' }] } }`;

const started = (stub: ProtocolStub, lease: string) => waitFor('the job to start', () => stub.logText(lease).includes('started'));
const lastPoll = (stub: ProtocolStub) => stub.polls().at(-1);

/** Waits for a poll, after one that listed `lease`, that lists no lease and has the slot free again. */
async function slotFreedAfter(stub: ProtocolStub, lease: string): Promise<void> {
  const holding = await waitFor('a poll listing the lease', () => stub.polls().findIndex((p) => p.running.includes(lease)) + 1);
  await waitFor('a poll with the slot free again', () => stub.polls().slice(holding).some((p) => p.free === 1 && p.running.length === 0));
}

test('a cancel in a poll answer stops the running step within a second and reports it cancelled', () =>
  withRunner(async ({ stub, startAgent }) => {
    startAgent();
    const lease = stub.assign(assignmentOf(LONG_JOB));
    await started(stub, lease);
    const cancelledAt = Date.now();
    stub.cancel(lease);
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.equal(result.status, 'cancelled');
    assert.ok(Date.now() - cancelledAt < 1500, `took ${Date.now() - cancelledAt} ms`);
    assert.ok(!stub.logText(lease).includes('never'));
  }));

test('a lost lease stops the job and drops it: no result is sent and the slot is free again', () =>
  withRunner(async ({ stub, workRoot, startAgent }) => {
    startAgent({ capacity: 1 });
    const lease = stub.assign(assignmentOf(LONG_JOB));
    await started(stub, lease);
    stub.lose(lease);
    await slotFreedAfter(stub, lease);
    assert.deepEqual(await readdir(workRoot), []);
    assert.equal(stub.requestsOf('result').length, 0);
  }));

test('a 409 on a log batch means the lease is gone: the job stops and no result is sent', () =>
  withRunner(async ({ stub, startAgent }) => {
    startAgent({ capacity: 1 });
    const lease = stub.assign(assignmentOf(`jobs: { build: { steps: [{ run: 'echo started; sleep 0.3; echo more; sleep 30' }] } }`));
    await started(stub, lease);
    stub.failNext('logs', 409);
    await slotFreedAfter(stub, lease);
    assert.equal(stub.requestsOf('result').length, 0);
    assert.ok(!stub.logText(lease).includes('more'));
  }));

test("stop('cancel') stops the running jobs, reports them cancelled and returns", () =>
  withRunner(async ({ stub, startAgent }) => {
    const { agent, stopped } = startAgent();
    const lease = stub.assign(assignmentOf(LONG_JOB));
    await started(stub, lease);
    await agent.stop('cancel');
    await stopped;
    assert.equal(stub.results.get(lease)?.status, 'cancelled');
    assert.ok(stub.logText(lease).includes('✖ the runner is stopping'));
  }));

test("stop('drain') takes no new jobs and returns once the running job has finished and reported", () =>
  withRunner(async ({ stub, startAgent }) => {
    const { agent, stopped } = startAgent({ capacity: 1 });
    const first = stub.assign(assignmentOf(`jobs: { build: { steps: [{ run: 'echo started; sleep 0.5; echo finished' }] } }`));
    await started(stub, first);
    const draining = agent.stop('drain');
    const second = stub.assign(assignmentOf(LONG_JOB));
    await draining;
    await stopped;
    assert.equal(stub.results.get(first)?.status, 'success');
    assert.ok(stub.logText(first).includes('finished'));
    assert.equal(stub.requestsOf('logs', second).length + stub.requestsOf('result', second).length, 0);
    assert.equal(lastPoll(stub)?.free, 0);
  }));
