import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';
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
beforeEach(() => {
  server.requests.length = 0;
});

const noContent = (_request: unknown, response: ServerResponse) => {
  response.writeHead(204);
  response.end();
};
const last = () => server.requests.at(-1);
const aUser = (username: string, overrides: Record<string, unknown> = {}) => ({ id: 7, username, isAdmin: false, disabled: false, createdAt: 1735725600000, ...overrides });

test('users create sends the password from stdin and never prints it', async () => {
  server.json('POST', '/api/v1/users', 201, aUser('bob', { isAdmin: true }));
  const result = await deployctl(['users', 'create', 'bob', '--admin', '--password-stdin'], { env, stdin: 'hunter2 hunter2\n' });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(last()?.body, { username: 'bob', password: 'hunter2 hunter2', isAdmin: true });
  assert.equal(result.stdout, 'created admin user bob (id 7)\n');
});

test('users create on a terminal asks twice, and refuses two different passwords without calling the server', async () => {
  const result = await deployctl(['users', 'create', 'bob'], { env, typed: ['first one!', 'second one'] });
  assert.deepEqual(result.prompts, ['Password for bob: ', 'Repeat it: ']);
  assert.deepEqual([result.code, result.stderr], [2, 'deployctl: the two passwords differ; nothing was changed\n']);
  assert.equal(server.requests.length, 0);
});

test('users disable, enable, make-admin and set-password PATCH just what they change', async () => {
  server.json('PATCH', '/api/v1/users/bob', 200, aUser('bob'));
  const bodies: unknown[] = [];
  for (const action of ['disable', 'enable', 'make-admin', 'remove-admin']) {
    const result = await deployctl(['users', action, 'bob'], { env });
    assert.equal(result.code, 0, result.stderr);
    bodies.push(last()?.body);
  }
  await deployctl(['users', 'set-password', 'bob', '--password-stdin'], { env, stdin: 'new password\n' });
  bodies.push(last()?.body);
  assert.deepEqual(bodies, [{ disabled: true }, { disabled: false }, { isAdmin: true }, { isAdmin: false }, { password: 'new password' }]);
});

test('users list shows name, admin flag and state', async () => {
  server.json('GET', '/api/v1/users', 200, { users: [aUser('admin', { id: 1, isAdmin: true }), aUser('bob', { disabled: true })] });
  const result = await deployctl(['users', 'list'], { env });
  assert.match(result.stdout, /^USER +ID +ADMIN +STATE +CREATED$/m);
  assert.match(result.stdout, /^admin +1 +yes +active +2025-01-01 10:00:00$/m);
  assert.match(result.stdout, /^bob +7 +no +disabled +2025-01-01 10:00:00$/m);
});

test('members set, list and remove', async () => {
  server.json('PUT', '/api/v1/projects/web/members/carol', 200, { username: 'carol', role: 'maintainer', since: 1735725600000 });
  server.json('GET', '/api/v1/projects/web/members', 200, { members: [{ username: 'carol', role: 'maintainer', since: 1735725600000 }] });
  server.on('DELETE', '/api/v1/projects/web/members/carol', noContent);
  const set = await deployctl(['members', 'set', 'web', 'carol', 'maintainer'], { env });
  assert.deepEqual([set.stdout, last()?.body], ['carol is now maintainer of project web\n', { role: 'maintainer' }]);
  assert.match((await deployctl(['members', 'list', 'web'], { env })).stdout, /^carol +maintainer +2025-01-01 10:00:00$/m);
  const removed = await deployctl(['members', 'remove', 'web', 'carol', '--json'], { env });
  assert.deepEqual(JSON.parse(removed.stdout), { project: 'web', username: 'carol', removed: true });
});

test('secrets set sends the piped value (one final newline dropped) in the body only, and never prints it', async () => {
  server.json('PUT', '/api/v1/projects/web/secrets/DB_URL', 200, { name: 'DB_URL', environment: 'prod', createdAt: 0, updatedAt: 0, updatedBy: 'admin' });
  const value = 'postgres://u:p@db/x\n';
  const result = await deployctl(['secrets', 'set', 'web', 'DB_URL', '--environment', 'prod'], { env, stdin: value });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(last()?.body, { value: 'postgres://u:p@db/x', environment: 'prod' });
  assert.equal(last()?.query.toString(), '');
  assert.equal(result.stdout, 'saved secret DB_URL of project web (environment prod)\n');
});

test('secrets set on a terminal asks for the value without echo', async () => {
  server.json('PUT', '/api/v1/projects/web/secrets/TOKEN', 200, { name: 'TOKEN', environment: null, createdAt: 0, updatedAt: 0, updatedBy: 'admin' });
  const result = await deployctl(['secrets', 'set', 'web', 'TOKEN'], { env, typed: ['typed-value'] });
  assert.deepEqual(result.prompts, ['Value of TOKEN: ']);
  assert.deepEqual(last()?.body, { value: 'typed-value' });
});

test('secrets delete scopes by environment in the query; list shows names and scopes', async () => {
  server.on('DELETE', '/api/v1/projects/web/secrets/DB_URL', noContent);
  await deployctl(['secrets', 'delete', 'web', 'DB_URL', '--environment', 'prod'], { env });
  assert.equal(last()?.query.get('environment'), 'prod');
  server.json('GET', '/api/v1/projects/web/secrets', 200, {
    secrets: [{ name: 'DB_URL', environment: null, createdAt: 0, updatedAt: 1735725600000, updatedBy: 'alice' }],
  });
  assert.match((await deployctl(['secrets', 'list', 'web'], { env })).stdout, /^DB_URL +\(project-wide\) +2025-01-01 10:00:00 +alice$/m);
});

test('tokens create sends scope flags and describes the scope; registration tokens take none', async () => {
  server.json('POST', '/api/v1/tokens', 201, {
    id: 9, name: 'deploy', kind: 'api', token: 'dlp_x', createdAt: 0, expiresAt: null, scope: { projects: [3, 4], role: 'developer' },
  });
  const result = await deployctl(['tokens', 'create', 'deploy', '--projects', 'web, api', '--role', 'developer', '--expires-in', 'never'], { env });
  assert.deepEqual(last()?.body, { name: 'deploy', kind: 'api', expiresIn: 'never', projects: ['web', 'api'], role: 'developer' });
  assert.match(result.stdout, /^it acts for you as developer on web,api$/m);
  const wrong = await deployctl(['tokens', 'create', 'reg', '--registration', '--role', 'viewer'], { env });
  assert.deepEqual([wrong.code, wrong.stderr], [2, 'deployctl: --projects, --role and --admin are for API tokens; a registration token can only register runners\n']);
});

test('tokens revoke deletes by id; list --all asks for everyone\'s and shows owners', async () => {
  server.on('DELETE', '/api/v1/tokens/9', noContent);
  assert.equal((await deployctl(['tokens', 'revoke', '9'], { env })).stdout, 'revoked token 9\n');
  assert.equal((await deployctl(['tokens', 'revoke', 'nine'], { env })).code, 2);
  server.json('GET', '/api/v1/tokens', 200, { tokens: [{ id: 9, name: 'ci', kind: 'api', owner: 'bob', createdAt: 0, expiresAt: null, revokedAt: null, scope: null }] });
  const listed = await deployctl(['tokens', 'list', '--all'], { env });
  assert.equal(last()?.query.get('all'), 'true');
  assert.match(listed.stdout, /^9 +ci +bob +api +- +/m);
});

const anEntry = (overrides: Record<string, unknown> = {}) => ({
  id: 12, time: 1735725600000, actor: 'alice', action: 'secret:write', resource: 'secret:web/DB_URL', status: 'ok', httpStatus: 200, traceId: 't', sourceIp: '127.0.0.1', detail: {}, ...overrides,
});

test('audit sends the filters and prints a table, escaping control characters an attacker put in a name', async () => {
  server.json('GET', '/api/v1/audit', 200, { entries: [anEntry({ actor: 'evil\u001b[2J\nroot', status: 'denied', httpStatus: 403 })], next: 11 });
  const result = await deployctl(['audit', '--actor', 'alice', '--status', 'denied', '--since', '24h', '--limit', '1'], { env, now: Date.parse('2025-01-02T10:00:00Z') });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(Object.fromEntries(last()?.query ?? []), { actor: 'alice', status: 'denied', since: String(Date.parse('2025-01-01T10:00:00Z')), limit: '1' });
  assert.match(result.stdout, /^2025-01-01 10:00:00 +evil\\x1b\[2J\\x0aroot +secret:write +secret:web\/DB_URL +denied +403 +127\.0\.0\.1$/m);
  assert.match(result.stdout, /^older entries: the same command with --before 11$/m);
});

test('audit --jsonl streams the export as the server sends it', async () => {
  const lines = `${JSON.stringify(anEntry({ id: 2 }))}\n${JSON.stringify(anEntry({ id: 1 }))}\n`;
  server.on('GET', '/api/v1/audit', (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    response.end(lines);
  });
  const result = await deployctl(['audit', '--action', 'secret:write', '--jsonl'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, lines);
  assert.equal(last()?.query.get('format'), 'jsonl');
  assert.equal((await deployctl(['audit', '--jsonl', '--limit', '5'], { env })).code, 2);
});
