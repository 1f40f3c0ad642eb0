import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from './support/protocol-stub.js';
import { assignmentOf, withRunner } from './support/runner-fixture.js';

test('a job with image: given to a runner without a container executor fails at once, naming the job and its line', () =>
  withRunner(async ({ stub, startAgent }) => {
    startAgent();
    const lease = stub.assign(assignmentOf('jobs:\n  build:\n    image: alpine\n    steps: [{ run: touch ran }]\n'));
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /^deploylite\.yml:2:3: job "build" sets image: "alpine" but the runner uses the local executor; image needs --executor docker or kubernetes$/);
    assert.deepEqual(stub.logText(lease), [`✖ ${result.error}`]);
  }));

test('a job with services: given to a runner without a container executor fails instead of running without them', () =>
  withRunner(async ({ stub, startAgent }) => {
    startAgent();
    const pipeline = 'jobs:\n  build:\n    services:\n      db:\n        image: postgres\n    steps: [{ run: touch ran }]\n';
    const lease = stub.assign(assignmentOf(pipeline));
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /^deploylite\.yml:2:3: job "build" sets services: but the runner uses the local executor; services need --executor docker$/);
  }));
