import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { ServerProcess } from '../support/control-plane.js';
import { startServer } from '../support/control-plane.js';

let server: ServerProcess;
before(async () => {
  server = await startServer({ args: ['--no-runner'] });
});
after(async () => {
  await server.stop();
});

test('requests without a valid token are refused with 401 and a JSON error', async () => {
  const anonymous = await fetch(`${server.url}/api/v1/projects`);
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, 'unauthorized');
  const wrong = await fetch(`${server.url}/api/v1/projects`, { headers: { authorization: 'Bearer dlp_nope' } });
  assert.equal(wrong.status, 401);
});

test('a bad request body is a 400 naming the offending field', async () => {
  const response = await server.api<{ error: { field: string; message: string } }>('POST', '/api/v1/projects', { name: 'Bad Name!', repository: '/x' }, 400);
  assert.equal(response.error.field, 'name');
  const unknown = await server.api<{ error: { message: string } }>('POST', '/api/v1/projects', { name: 'ok', repository: '/x', colour: 'red' }, 400);
  assert.match(unknown.error.message, /colour/);
});

test('a project name can be taken once', async () => {
  await server.api('POST', '/api/v1/projects', { name: 'twice', repository: '/x' }, 201);
  const again = await server.api<{ error: { code: string } }>('POST', '/api/v1/projects', { name: 'twice', repository: '/y' }, 409);
  assert.equal(again.error.code, 'project.exists');
  const { projects } = await server.api<{ projects: { name: string; repository: string }[] }>('GET', '/api/v1/projects');
  assert.deepEqual(projects.filter((p) => p.name === 'twice').map((p) => p.repository), ['/x']);
});

test('the OpenAPI document describes the routes and their request schemas', async () => {
  const response = await fetch(`${server.url}/api/v1/openapi.json`);
  const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
  assert.match(doc.openapi, /^3\./);
  assert.ok(doc.paths['/api/v1/projects']?.post?.requestBody, 'POST /projects has a request body schema');
  assert.ok(doc.paths['/api/v1/runs/{id}/cancel']?.post);
  assert.ok(doc.paths['/api/v1/runner/poll']?.post);
});

test('health, readiness and Prometheus metrics that promtool accepts', async () => {
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  for (const name of ['deploylite_pipeline_duration_seconds', 'deploylite_pipeline_failure_total', 'deploylite_runner_active', 'deploylite_scheduler_latency_seconds', 'deploylite_queue_depth', 'deploylite_stage_parallel']) {
    assert.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exported`);
  }
  // promtool exits non-zero on any problem it finds and prints it.
  execFileSync('promtool', ['check', 'metrics'], { input: metrics });
});

test('tokens are shown once and listed without their value', async () => {
  const created = await server.api<{ token: string; kind: string }>('POST', '/api/v1/tokens', { name: 'ci', kind: 'api', expiresIn: '30d' }, 201);
  assert.match(created.token, /^dlp_/);
  const listed = JSON.stringify(await server.api('GET', '/api/v1/tokens'));
  assert.ok(!listed.includes(created.token));
  const whoami = await fetch(`${server.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${created.token}` } });
  // The token acts for the admin user who made it, with the projects and roles it was given.
  const { projects, ...caller } = (await whoami.json()) as { projects: Record<string, string> };
  assert.deepEqual(caller, { name: 'admin (token ci)', kind: 'api', username: 'admin', isAdmin: false });
  // Projects the admin token created belong to the admin user, as owner.
  assert.ok(Object.values(projects).every((role) => role === 'owner'));
});

test('a runner registration token cannot read projects', async () => {
  const { token } = await server.api<{ token: string }>('POST', '/api/v1/tokens', { name: 'reg', kind: 'runner-registration' }, 201);
  const response = await fetch(`${server.url}/api/v1/projects`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 403);
});

test('a chunked request body over the limit is refused with 413 and a JSON error', async () => {
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // 9 MiB without a Content-Length: the limit is 8 MiB.
      for (let i = 0; i < 9; i++) controller.enqueue(chunk);
      controller.close();
    },
  });
  const response = await fetch(`${server.url}/api/v1/projects`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit);
  assert.equal(response.status, 413);
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'request.too-large');
});

test('a body that is not JSON is a 400 and a body of another type a 415, as JSON errors', async () => {
  const post = (contentType: string, body: string) =>
    fetch(`${server.url}/api/v1/projects`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': contentType }, body });
  const malformed = await post('application/json', '{"name": "half');
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, 'invalid-request');
  const text = await post('text/plain', 'name=x');
  assert.equal(text.status, 415);
  assert.match(((await text.json()) as { error: { message: string } }).error.message, /application\/json/);
});

test('credentials in a repository URL are shown nowhere: not in the project, errors or the server log', async () => {
  const repository = 'https://deploy:s3cret-token@127.0.0.1:9/acme/app.git';
  const created = await server.api<{ repository: string }>('POST', '/api/v1/projects', { name: 'private', repository }, 201);
  assert.equal(created.repository, 'https://***@127.0.0.1:9/acme/app.git');
  const listed = JSON.stringify(await server.api('GET', '/api/v1/projects'));
  const failed = await server.api<{ error: { code: string; message: string } }>('POST', '/api/v1/projects/private/runs', {}, 400);
  assert.equal(failed.error.code, 'run.fetch-failed');
  assert.match(failed.error.message, /https:\/\/\*\*\*@127\.0\.0\.1:9\/acme\/app\.git/);
  for (const shown of [listed, JSON.stringify(failed), server.cli.stdout(), server.cli.stderr()]) assert.ok(!shown.includes('s3cret-token'), shown);
});
