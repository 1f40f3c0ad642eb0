import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiStandIn } from './support/api-stand-in.js';
import { closedPortUrl, startApiStandIn } from './support/api-stand-in.js';
import { deployctl } from './support/test-context.js';

const TOKEN = 'tok-very-secret-7f3a';
let server: ApiStandIn;
let env: { server: string; token: string };

before(async () => {
  server = await startApiStandIn();
  env = { server: server.url, token: TOKEN };
});
after(() => server.close());

const apiError = (code: string, message: string, field?: string) => ({ error: { code, message, ...(field && { field }) } });

function assertNoLeak(result: { stdout: string; stderr: string }) {
  assert.doesNotMatch(result.stdout + result.stderr, new RegExp(TOKEN));
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
}

test('a 400 prints the server message and the field, and exits 2', async () => {
  server.json('POST', '/api/v1/projects', 400, apiError('validation.invalid', 'name must be lowercase letters, digits and -', 'name'));
  const result = await deployctl(['projects', 'create', 'Web', '--repo', '/srv/git/web'], { env });
  assert.equal(result.code, 2);
  assert.equal(result.stderr, 'deployctl: name must be lowercase letters, digits and - (field: name)\n');
  assertNoLeak(result);
});

test('a 404 and a 409 are usage errors too (exit 2)', async () => {
  server.json('GET', '/api/v1/runs/7', 404, apiError('run.not-found', 'no run 7'));
  server.json('POST', '/api/v1/runs/8/cancel', 409, apiError('run.finished', 'run 8 has already finished'));
  const missing = await deployctl(['status', '7'], { env });
  const finished = await deployctl(['cancel', '8'], { env });
  assert.deepEqual([missing.code, missing.stderr], [2, 'deployctl: no run 7\n']);
  assert.deepEqual([finished.code, finished.stderr], [2, 'deployctl: run 8 has already finished\n']);
});

test('a 401 says the token was rejected and how to log in again, exit 1', async () => {
  server.json('GET', '/api/v1/runners', 401, apiError('auth.invalid-token', 'invalid token'));
  const result = await deployctl(['runners', 'list'], { env });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'deployctl: the server rejected the token (log in again with deployctl login)\n');
  assertNoLeak(result);
});

test('a 403 and a 500 print the server message and exit 1', async () => {
  server.json('GET', '/api/v1/tokens', 403, apiError('auth.forbidden', 'only the admin token may list tokens'));
  server.json('GET', '/api/v1/projects', 500, apiError('internal', 'internal error'));
  const forbidden = await deployctl(['tokens', 'list'], { env });
  const broken = await deployctl(['projects', 'list'], { env });
  assert.deepEqual([forbidden.code, forbidden.stderr], [1, 'deployctl: only the admin token may list tokens\n']);
  assert.deepEqual([broken.code, broken.stderr], [1, 'deployctl: internal error\n']);
});

test('an error page that is not the API error shape is reported by status', async () => {
  server.on('GET', '/api/v1/runs/9', (_request, response) => {
    response.writeHead(502, { 'content-type': 'text/html' });
    response.end('<html>Bad Gateway</html>');
  });
  const result = await deployctl(['status', '9'], { env });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, `deployctl: the server at ${server.url} answered 502 Bad Gateway\n`);
});

test('a response that breaks the contract is a clear error, not a crash', async () => {
  server.json('GET', '/api/v1/runs/10', 200, { id: 10, status: 'running' });
  const result = await deployctl(['status', '10'], { env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^deployctl: the server at .* answered GET \/api\/v1\/runs\/10 with an unexpected response \(project: .*\)\n$/);
});

test('a server that cannot be reached is named with the reason', async () => {
  const url = await closedPortUrl();
  const result = await deployctl(['runners', 'list', '--server', url, '--token', TOKEN]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`^deployctl: cannot reach the server at ${url}: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\n$`));
  assertNoLeak(result);
});

test('the token is sent in the Authorization header only, and printed by no command but tokens create', async () => {
  server.json('GET', '/api/v1/runners', 200, { runners: [] });
  server.json('GET', '/api/v1/whoami', 200, { name: 'admin', kind: 'admin' });
  for (const argv of [['runners', 'list'], ['runners', 'list', '--json'], ['login', '--server', server.url, '--token', TOKEN]]) {
    const result = await deployctl(argv, { env });
    assert.equal(result.code, 0, result.stderr);
    assertNoLeak(result);
  }
  const requests = server.requests.slice(-3);
  assert.ok(requests.every((request) => request.authorization === `Bearer ${TOKEN}` && !request.query.toString().includes(TOKEN)));
});
