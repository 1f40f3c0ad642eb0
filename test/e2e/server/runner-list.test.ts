// GET /api/v1/runners against a real server: each runner with the jobs it runs now, named
// only to callers who may read their project. The runner is hand-written (register, poll,
// report) so the test decides when its jobs are running and when they end.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, login, PASSWORD } from '../support/callers.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, startServer } from '../support/control-plane.js';

interface ListedRunner {
  name: string;
  online: boolean;
  running: number;
  jobs: { runId: number; jobKey: string; project: string }[];
}

let server: ServerProcess;
let runnerToken: string;
const runIds: Record<string, number> = {};
const leases: string[] = [];

before(async () => {
  server = await startServer({ args: ['--no-runner'], env: { DEPLOYLITE_LEASE_TTL: '60s' } });
  const repository = gitRepo({ '.deploylite.yml': 'jobs:\n  hold:\n    runs-on: [list-test]\n    steps:\n      - run: echo held\n' }).path;
  for (const name of ['mine', 'theirs']) await server.api('POST', '/api/v1/projects', { name, repository }, 201);
  await server.api('POST', '/api/v1/users', { username: 'nora', password: PASSWORD }, 201);
  await server.api('PUT', '/api/v1/projects/mine/members/nora', { role: 'viewer' }, 200);

  const { token: registration } = await server.api<{ token: string }>('POST', '/api/v1/tokens', { name: 'list-test', kind: 'runner-registration' }, 201);
  const registered = await call(server, 'POST', '/api/v1/runners/register', { token: registration, body: { name: 'holder', labels: ['list-test'], capacity: 3, version: 'test' } });
  assert.equal(registered.status, 201, registered.text);
  runnerToken = registered.json<{ token: string }>().token;
  for (const name of ['mine', 'theirs']) runIds[name] = (await server.api<{ id: number }>('POST', `/api/v1/projects/${name}/runs`, {}, 201)).id;

  // The runner takes both jobs and keeps them until the test ends.
  for (let polls = 0; leases.length < 2; polls++) {
    assert.ok(polls < 20, `the runner got ${leases.length} of 2 jobs`);
    const polled = await call(server, 'POST', '/api/v1/runner/poll', { token: runnerToken, body: { free: 2 - leases.length, running: leases, waitMs: 1000 } });
    assert.equal(polled.status, 200, polled.text);
    leases.push(...polled.json<{ jobs: { leaseId: string }[] }>().jobs.map((job) => job.leaseId));
  }
});
after(async () => {
  const result = { status: 'success', attempts: 1, exitCode: 0, error: null, outputs: {}, rollbackStatus: null, logLines: 0 };
  for (const lease of leases) await call(server, 'POST', `/api/v1/runner/leases/${lease}/result`, { token: runnerToken, body: result });
  await server?.stop();
});

async function holderAs(token: string): Promise<ListedRunner> {
  const reply = await call(server, 'GET', '/api/v1/runners', { token });
  assert.equal(reply.status, 200, reply.text);
  const holder = reply.json<{ runners: ListedRunner[] }>().runners.find((runner) => runner.name === 'holder');
  assert.ok(holder, reply.text);
  return holder;
}

test('an admin sees every job a runner runs now, with its run, job key and project', async () => {
  const holder = await holderAs(server.token);
  assert.equal(holder.online, true);
  assert.equal(holder.running, 2);
  assert.deepEqual(holder.jobs.sort((a, b) => a.runId - b.runId), [
    { runId: runIds.mine, jobKey: 'hold', project: 'mine' },
    { runId: runIds.theirs, jobKey: 'hold', project: 'theirs' },
  ]);
});

test("a user sees the runner's whole load but only the jobs of projects they may read", async () => {
  const { accessToken } = await login(server, 'nora', PASSWORD);
  const holder = await holderAs(accessToken);
  assert.equal(holder.running, 2);
  assert.deepEqual(holder.jobs, [{ runId: runIds.mine, jobKey: 'hold', project: 'mine' }]);
});
