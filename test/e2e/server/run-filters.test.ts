// GET /api/v1/runs filtered by status and branch, against a real server. No runner: the runs
// stay running unless cancelled, which gives runs in two states without waiting for jobs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call } from '../support/callers.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
const ids: Record<'cancelledOnMain' | 'runningOnMain' | 'runningOnCommit', number> = { cancelledOnMain: 0, runningOnMain: 0, runningOnCommit: 0 };

before(async () => {
  server = await startServer({ args: ['--no-runner'] });
  const repo = gitRepo({ '.deploylite.yml': 'jobs:\n  build:\n    steps:\n      - run: echo hi\n' });
  await server.api('POST', '/api/v1/projects', { name: 'filters', repository: repo.path }, 201);
  const trigger = async (ref: string) => (await server.api<{ id: number }>('POST', '/api/v1/projects/filters/runs', { ref }, 201)).id;
  ids.cancelledOnMain = await trigger('main');
  await server.api('POST', `/api/v1/runs/${ids.cancelledOnMain}/cancel`, undefined, 202);
  await waitForRun(server, ids.cancelledOnMain, isFinal);
  ids.runningOnMain = await trigger('main');
  ids.runningOnCommit = await trigger(repo.sha);
});
after(async () => {
  await server.stop();
});

const listed = async (query: string) => (await server.api<{ runs: { id: number }[] }>('GET', `/api/v1/runs?project=filters&${query}`)).runs.map((run) => run.id);

test('runs can be listed by status', async () => {
  assert.deepEqual(await listed('status=cancelled'), [ids.cancelledOnMain]);
  assert.deepEqual(await listed('status=running'), [ids.runningOnCommit, ids.runningOnMain]);
  assert.deepEqual(await listed('status=success'), []);
});

test('runs can be listed by branch, and by branch and status together', async () => {
  assert.deepEqual(await listed('branch=main'), [ids.runningOnMain, ids.cancelledOnMain]);
  assert.deepEqual(await listed('branch=refs/heads/main'), []);
  assert.deepEqual(await listed('branch=main&status=running'), [ids.runningOnMain]);
});

test('an unknown status is refused with a clear error', async () => {
  const reply = await call(server, 'GET', '/api/v1/runs?project=filters&status=done', { token: server.token });
  assert.equal(reply.status, 400);
  const { error } = reply.json<{ error: { code: string; message: string; field?: string } }>();
  assert.equal(error.field, 'status');
  assert.match(error.message, /pending|running|success/);
});
