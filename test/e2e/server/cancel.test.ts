import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { waitForFile, waitUntilGone, workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();
});

test('cancelling a run reaches the runner and kills the running job within a second', async () => {
  const marks = workdir();
  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  hang:
    steps:
      - run: echo $$ > ${marks}/pid; exec sleep 300
  after:
    needs: hang
    steps: [{ run: echo never }]
`,
  });
  await server.api('POST', '/api/v1/projects', { name: 'cancel', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/cancel/runs', {}, 201);
  const pid = Number(await waitForFile(`${marks}/pid`));

  const cancelledAt = Date.now();
  await server.api('POST', `/api/v1/runs/${id}/cancel`, undefined, 202);
  assert.ok(await waitUntilGone(pid, 1000), 'the step process is gone within 1 s');
  const stoppedIn = Date.now() - cancelledAt;

  const run = await waitForRun(server, id, isFinal);
  assert.equal(run.status, 'cancelled');
  assert.deepEqual(run.jobs.map((j) => [j.key, j.status]), [['hang', 'cancelled'], ['after', 'cancelled']]);
  assert.ok(stoppedIn < 1000, `stopped in ${stoppedIn} ms`);
});

test('a finished run cannot be cancelled: 409', async () => {
  const repo = gitRepo({ '.deploylite.yml': 'jobs:\n  quick:\n    steps: [{ run: "true" }]\n' });
  await server.api('POST', '/api/v1/projects', { name: 'quick', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/quick/runs', {}, 201);
  await waitForRun(server, id, isFinal);
  await server.api('POST', `/api/v1/runs/${id}/cancel`, undefined, 409);
});

test('re-running a failed job runs it and its dependents again in the same run', async () => {
  const marks = workdir();
  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  ok:
    steps: [{ run: echo ok >> ${marks}/ran }]
  flaky:
    needs: ok
    steps:
      - run: |
          echo flaky >> ${marks}/ran
          test -e ${marks}/fixed
  deploy:
    needs: flaky
    steps: [{ run: echo deploy >> ${marks}/ran }]
`,
  });
  await server.api('POST', '/api/v1/projects', { name: 'retry', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/retry/runs', {}, 201);
  const failed = await waitForRun(server, id, isFinal);
  assert.deepEqual(failed.jobs.map((j) => [j.key, j.status]), [['ok', 'success'], ['flaky', 'failed'], ['deploy', 'skipped']]);

  writeFileSync(`${marks}/fixed`, '');
  await server.api('POST', `/api/v1/runs/${id}/retry`, {}, 202);
  const again = await waitForRun(server, id, isFinal);
  assert.equal(again.status, 'success');
  assert.deepEqual(readFileSync(`${marks}/ran`, 'utf8').trim().split('\n'), ['ok', 'flaky', 'flaky', 'deploy']);
});
