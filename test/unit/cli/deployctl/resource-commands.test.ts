import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { aProject, aRun } from './support/api-fixtures.js';
import type { ApiStandIn } from './support/api-stand-in.js';
import { startApiStandIn } from './support/api-stand-in.js';
import { deployctl } from './support/test-context.js';

let server: ApiStandIn;
let env: { server: string; token: string };

before(async () => {
  server = await startApiStandIn();
  env = { server: server.url, token: 'tok-admin' };
});
after(() => server.close());

const created = {
  ...aProject({ maxConcurrentJobs: 2, pipelinePath: 'ci/pipeline.yml', defaultBranch: 'trunk' }),
  webhookSecret: 'whsec-5b1e',
  webhookUrls: {
    github: 'http://deploylite.example/api/v1/projects/web/webhooks/github',
    gitea: 'http://deploylite.example/api/v1/projects/web/webhooks/gitea',
    gitlab: 'http://deploylite.example/api/v1/projects/web/webhooks/gitlab',
  },
};

test('projects create sends the project and prints it with the webhook secret and URLs', async () => {
  server.json('POST', '/api/v1/projects', 201, created);
  const result = await deployctl(
    ['projects', 'create', 'web', '--repo', 'https://git.example.com/acme/web.git', '--pipeline', 'ci/pipeline.yml', '--branch', 'trunk', '--max-concurrent-jobs', '2'],
    { env },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(server.requests.at(-1)?.body, {
    name: 'web',
    repository: 'https://git.example.com/acme/web.git',
    pipelinePath: 'ci/pipeline.yml',
    defaultBranch: 'trunk',
    maxConcurrentJobs: 2,
  });
  assert.match(result.stdout, /^created project web \(id 3\)$/m);
  assert.match(result.stdout, /^webhook secret: whsec-5b1e$/m);
  assert.match(result.stdout, /shown only now/);
  assert.match(result.stdout, /^ {2}gitlab {2}http:\/\/deploylite\.example\/api\/v1\/projects\/web\/webhooks\/gitlab$/m);
});

test('projects create --max-concurrent-jobs must be a whole number of at least 1', async () => {
  const result = await deployctl(['projects', 'create', 'web', '--repo', 'r', '--max-concurrent-jobs', '0'], { env });
  assert.equal(result.code, 2);
  assert.equal(result.stderr, 'deployctl: --max-concurrent-jobs expects a whole number of at least 1, got "0"\n');
});

test('projects create --json prints the API answer, secret included', async () => {
  server.json('POST', '/api/v1/projects', 201, created);
  const result = await deployctl(['projects', 'create', 'web', '--repo', 'r', '--json'], { env });
  assert.deepEqual(JSON.parse(result.stdout), created);
});

test('projects list prints a table', async () => {
  server.json('GET', '/api/v1/projects', 200, { projects: [aProject(), aProject({ id: 4, name: 'api', maxConcurrentJobs: 3 })] });
  const result = await deployctl(['projects', 'list'], { env });
  assert.match(result.stdout, /^NAME +ID +BRANCH +PIPELINE +MAX JOBS +CREATED +REPOSITORY$/m);
  assert.match(result.stdout, /^web +3 +main +\.deploylite\.yml +- +2025-01-01 10:00:00 +https:\/\/git\.example\.com\/acme\/web\.git$/m);
  assert.match(result.stdout, /^api +4 +main +\.deploylite\.yml +3 /m);
});

test('runners list shows online state, labels, capacity, load, last contact and the jobs running', async () => {
  const runners = {
    runners: [
      {
        id: 1, name: 'builder-1', labels: ['linux', 'x64'], capacity: 4, version: '0.1.0', online: true, lastSeenAt: 1735725600000, running: 3,
        jobs: [{ runId: 12, jobKey: 'build', project: 'web' }, { runId: 13, jobKey: 'test[1]', project: 'api' }],
      },
      { id: 2, name: 'old-box', labels: [], capacity: 1, version: '0.1.0', online: false, lastSeenAt: null, running: 0, jobs: [] },
    ],
  };
  server.json('GET', '/api/v1/runners', 200, runners);
  const result = await deployctl(['runners', 'list'], { env });
  assert.match(result.stdout, /^ID +NAME +ONLINE +LABELS +CAPACITY +RUNNING +LAST SEEN +JOBS$/m);
  assert.match(result.stdout, /^1 +builder-1 +yes +linux,x64 +4 +3 +2025-01-01 10:00:00 +web#12\/build, api#13\/test\[1\], 1 not visible to you$/m);
  assert.match(result.stdout, /^2 +old-box +no +- +1 +0 +never +-$/m);
  assert.deepEqual(JSON.parse((await deployctl(['runners', 'list', '--json'], { env })).stdout), runners);
});

test('tokens create prints the token once with a note that it is not shown again', async () => {
  server.json('POST', '/api/v1/tokens', 201, {
    id: 5, name: 'ci', kind: 'runner-registration', token: 'dlr_9c0ffee', createdAt: '2025-01-01T10:00:00.000Z', expiresAt: '2025-01-31T10:00:00.000Z',
  });
  const result = await deployctl(['tokens', 'create', 'ci', '--kind', 'runner-registration', '--expires-in', '30d'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(server.requests.at(-1)?.body, { name: 'ci', kind: 'runner-registration', expiresIn: '30d' });
  assert.equal(
    result.stdout,
    'created runner-registration token "ci" (id 5, expires 2025-01-31 10:00:00):\ndlr_9c0ffee\nstore it now: it is not shown again\n',
  );
});

test('tokens create asks for an api token by default and rejects unknown kinds', async () => {
  server.json('POST', '/api/v1/tokens', 201, { id: 6, name: 'deploy', kind: 'api', token: 'dla_1', createdAt: 0, expiresAt: null });
  await deployctl(['tokens', 'create', 'deploy'], { env });
  assert.deepEqual(server.requests.at(-1)?.body, { name: 'deploy', kind: 'api' });
  const wrong = await deployctl(['tokens', 'create', 'x', '--kind', 'admin'], { env });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--kind <KIND>' argument 'admin' is invalid\. Allowed choices are api, runner-registration/);
});

test('tokens list shows names, scopes (projects by name) and dates', async () => {
  server.json('GET', '/api/v1/projects', 200, { projects: [aProject({ id: 3, name: 'web' })] });
  server.json('GET', '/api/v1/tokens', 200, {
    tokens: [
      { id: 5, name: 'ci', kind: 'api', createdAt: '2025-01-01T10:00:00.000Z', expiresAt: null, revokedAt: null, scope: { projects: [3, 9], role: 'developer' } },
      { id: 6, name: 'old', kind: 'api', createdAt: '2025-01-01T10:00:00.000Z', expiresAt: null, revokedAt: '2025-01-02T10:00:00.000Z', scope: { projects: '*', role: 'owner', admin: true } },
      { id: 7, name: 'reg', kind: 'runner-registration', createdAt: '2025-01-01T10:00:00.000Z', expiresAt: null, revokedAt: null, scope: null },
    ],
  });
  const result = await deployctl(['tokens', 'list'], { env });
  assert.match(result.stdout, /^5 +ci +api +developer on web,#9 +2025-01-01 10:00:00 +never +active$/m);
  assert.match(result.stdout, /^6 +old +api +owner on all your projects, with admin rights +2025-01-01 10:00:00 +never +revoked 2025-01-02 10:00:00$/m);
  assert.match(result.stdout, /^7 +reg +runner-registration +- +2025-01-01 10:00:00 +never +active$/m);
});

test('cancel and retry post to the run and report its new status', async () => {
  server.json('POST', '/api/v1/runs/42/cancel', 202, aRun({ status: 'cancelled' }));
  server.json('POST', '/api/v1/runs/42/retry', 202, aRun({ status: 'running' }));
  const cancelled = await deployctl(['cancel', '42'], { env });
  assert.equal(cancelled.stdout, 'cancelling run 42 (now cancelled)\n');
  const retried = await deployctl(['retry', '42', '--job', 'deploy'], { env });
  assert.deepEqual(server.requests.at(-1)?.body, { job: 'deploy' });
  assert.match(retried.stdout, /^retrying job deploy and the jobs that need them in run 42 \(now running\)$/m);
  await deployctl(['retry', '42'], { env });
  assert.deepEqual(server.requests.at(-1)?.body, {});
});
