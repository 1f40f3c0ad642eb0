import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { assertExit, runCli } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startServer, waitForRun } from '../support/control-plane.js';

const PROJECT_VALUE = 'project-wide-value-7d1f';
const PRODUCTION_VALUE = 'production-only-value-93ac';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// `deploy` runs in the production environment; `test` does not; `lint` reads no secret.
const PIPELINE = `
jobs:
  deploy:
    environment: production
    steps:
      - run: echo "token=\${{ secrets.DEPLOY_TOKEN }}"
      - run: printf %s "$TOKEN" | sha256sum
        env:
          TOKEN: \${{ secrets.deploy_token }}
      - run: printf %s "$TOKEN" | base64
        env:
          TOKEN: \${{ secrets.DEPLOY_TOKEN }}
  test:
    steps:
      - run: printf %s "\${{ secrets.DEPLOY_TOKEN }}" | sha256sum
  lint:
    steps:
      - run: echo linted
`;

let server: ServerProcess;
let runId: number;

before(async () => {
  server = await startServer();
  const repo = gitRepo({ '.deploylite.yml': PIPELINE });
  await server.api('POST', '/api/v1/projects', { name: 'shop', repository: repo.path }, 201);
  await server.api('PUT', '/api/v1/projects/shop/secrets/DEPLOY_TOKEN', { value: PROJECT_VALUE }, 200);
  await server.api('PUT', '/api/v1/projects/shop/secrets/DEPLOY_TOKEN', { value: PRODUCTION_VALUE, environment: 'production' }, 200);
  ({ id: runId } = await server.api<{ id: number }>('POST', '/api/v1/projects/shop/runs', {}, 201));
  const run = await waitForRun(server, runId, isFinal);
  assert.equal(run.status, 'success');
});

after(() => server.stop());

test("a job gets its environment's value of a secret, other jobs the project's", async () => {
  const deploy = (await jobLog(server, runId, 'deploy')).map((l) => l.text).join('\n');
  const plain = (await jobLog(server, runId, 'test')).map((l) => l.text).join('\n');
  assert.match(deploy, new RegExp(sha256(PRODUCTION_VALUE)));
  assert.match(plain, new RegExp(sha256(PROJECT_VALUE)));
});

test('secret values are masked in job logs, also base64-encoded', async () => {
  const deploy = (await jobLog(server, runId, 'deploy')).map((l) => l.text);
  assert.ok(deploy.includes('token=***'), deploy.join('\n'));
  const all = deploy.join('\n');
  for (const leak of [PRODUCTION_VALUE, Buffer.from(PRODUCTION_VALUE).toString('base64').slice(0, 20)]) assert.ok(!all.includes(leak), `log holds ${leak}`);
});

test('the API lists secret names and scopes, never values', async () => {
  const listed = await server.api<{ secrets: { name: string; environment: string | null }[] }>('GET', '/api/v1/projects/shop/secrets');
  assert.deepEqual(listed.secrets.map((s) => [s.name, s.environment]), [['DEPLOY_TOKEN', null], ['DEPLOY_TOKEN', 'production']]);
  assert.ok(!JSON.stringify(listed).includes('value'));
});

test('the database holds secrets only encrypted: neither the secrets table nor the job queue has a value in the clear', () => {
  const db = new Database(join(server.dataDir, 'deploylite.db'), { readonly: true });
  try {
    const rows = JSON.stringify([db.prepare('select * from secrets').all(), db.prepare('select payload from job_queue').all()]);
    for (const value of [PROJECT_VALUE, PRODUCTION_VALUE]) assert.ok(!rows.includes(value), `the database holds ${value}`);
  } finally {
    db.close();
  }
});

test('rotating the master key while the server runs changes every ciphertext, and jobs still get the secrets', async () => {
  const ciphertexts = () => {
    const db = new Database(join(server.dataDir, 'deploylite.db'), { readonly: true });
    try {
      return (db.prepare('select ciphertext from secrets order by id').all() as { ciphertext: string }[]).map((r) => r.ciphertext);
    } finally {
      db.close();
    }
  };
  const keysBefore = readFileSync(join(server.dataDir, 'master-keys'), 'utf8');
  const before = ciphertexts();
  const rotated = await runCli(['secrets', 'rotate-key', '--data-dir', server.dataDir], { cwd: server.dataDir });
  assertExit(rotated, 0);
  assert.match(rotated.stderr, /2 secrets re-sealed under data key \d+/);
  const after = ciphertexts();
  assert.equal(after.length, 2);
  after.forEach((ciphertext, index) => assert.notEqual(ciphertext, before[index]));
  const keysAfter = readFileSync(join(server.dataDir, 'master-keys'), 'utf8');
  assert.notEqual(keysAfter, keysBefore);
  assert.equal(keysAfter.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length, 1, 'the old master key is retired');

  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/shop/runs', {}, 201);
  assert.equal((await waitForRun(server, id, isFinal)).status, 'success');
  assert.match((await jobLog(server, id, 'deploy')).map((l) => l.text).join('\n'), new RegExp(sha256(PRODUCTION_VALUE)));
});

test('a runner that sends a secret back unmasked has it masked by the server before it is stored', async () => {
  const repo = gitRepo({ '.deploylite.yml': 'jobs:\n  leaky:\n    runs-on: [leaky-runner]\n    steps:\n      - run: echo "${{ secrets.DEPLOY_TOKEN }}"\n' });
  await server.api('POST', '/api/v1/projects', { name: 'leaky', repository: repo.path }, 201);
  await server.api('PUT', '/api/v1/projects/leaky/secrets/DEPLOY_TOKEN', { value: 'leaky-value-5e21' }, 200);
  const { token: registration } = await server.api<{ token: string }>('POST', '/api/v1/tokens', { name: 'leaky', kind: 'runner-registration' }, 201);
  const call = async <T>(token: string, path: string, body: unknown): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as T;
  };
  // A hand-written runner that ignores the mask list it is given.
  const { token } = await call<{ token: string }>(registration, '/api/v1/runners/register', { name: 'leaky', labels: ['leaky-runner'], capacity: 1, version: 'test' });
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/leaky/runs', {}, 201);
  let job: { leaseId: string; mask: string[]; contexts: { secrets?: Record<string, string> } } | undefined;
  for (let i = 0; i < 20 && !job; i++) job = (await call<{ jobs: (typeof job)[] }>(token, '/api/v1/runner/poll', { free: 1, running: [], waitMs: 1000 })).jobs[0];
  assert.ok(job, 'the leaky runner got no job');
  assert.deepEqual(job.contexts.secrets, { DEPLOY_TOKEN: 'leaky-value-5e21' });
  assert.deepEqual(job.mask, ['leaky-value-5e21']);
  await call(token, `/api/v1/runner/leases/${job.leaseId}/logs`, { offset: 0, lines: [{ stream: 'stdout', time: Date.now(), text: 'the token is leaky-value-5e21' }] });
  await call(token, `/api/v1/runner/leases/${job.leaseId}/result`, {
    status: 'failed',
    attempts: 1,
    exitCode: 1,
    error: 'failed with leaky-value-5e21',
    outputs: { token: 'leaky-value-5e21' },
    rollbackStatus: null,
    logLines: 1,
  });
  const run = await waitForRun(server, id, isFinal);
  assert.equal(run.status, 'failed');
  assert.ok((await jobLog(server, id, 'leaky')).some((line) => line.text === 'the token is ***'));
  assert.ok(!JSON.stringify(await server.api('GET', `/api/v1/runs/${id}`)).includes('leaky-value-5e21'));
});
