// Every route × every kind of caller, against a real server: what the permission table
// (src/server/auth/permissions.ts) and the route rules (src/server/api/route-permissions.ts)
// say must happen, does. The expectation is computed from those two tables, so adding a route
// or changing a rule changes what this test demands; a route without a rule fails it.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { collectArtifactFiles, packArtifact } from '../../../src/artifacts/index.js';
import { createApi } from '../../../src/server/api/create-api.js';
import type { RequestGuard } from '../../../src/server/api/request-guard.js';
import type { RouteRule } from '../../../src/server/api/route-permissions.js';
import { LOG_STREAM_RULE, PUBLIC, ROUTE_RULES } from '../../../src/server/api/route-permissions.js';
import type { ApiServices } from '../../../src/server/api/services.js';
import type { ProjectRole } from '../../../src/server/auth/permissions.js';
import { PERMISSIONS, PROJECT_ROLES } from '../../../src/server/auth/permissions.js';
import type { Reply } from '../support/callers.js';
import { call, login, PASSWORD, upgrade } from '../support/callers.js';
import { workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, startServer } from '../support/control-plane.js';

/** The WebSocket log stream is no Hono route; it is walked under this key with its own rule. */
const LOG_STREAM = 'GET /api/v1/logs/:jobId/stream';
const RULES: Readonly<Record<string, RouteRule | typeof PUBLIC>> = { ...ROUTE_RULES, [LOG_STREAM]: LOG_STREAM_RULE };

interface Caller {
  readonly name: string;
  readonly kind: 'anonymous' | 'runner' | 'runner-registration' | 'person';
  readonly isAdmin: boolean;
  /** Its role on the project the walk targets (none: not a member). */
  readonly role?: ProjectRole;
  /** A user who signs in (so calls that end sessions can use a session of their own). */
  readonly username?: string;
  /** An API token limited to the walk's project: tokens it makes must stay within that. */
  readonly scoped?: boolean;
  token?: string;
}

const callers: Caller[] = [
  { name: 'anonymous', kind: 'anonymous', isAdmin: false },
  { name: 'runner', kind: 'runner', isAdmin: false },
  { name: 'registration', kind: 'runner-registration', isAdmin: false },
  { name: 'nonmember', kind: 'person', isAdmin: false, username: 'nonmember' },
  ...PROJECT_ROLES.map((role): Caller => ({ name: role, kind: 'person', isAdmin: false, role, username: role })),
  { name: 'admin', kind: 'person', isAdmin: true, username: 'admin' },
  { name: 'admin-token', kind: 'person', isAdmin: true },
  { name: 'api-viewer', kind: 'person', isAdmin: false, role: 'viewer', scoped: true },
];

type Verdict = 'allowed' | 401 | 403 | 404;

/** What the tables say: anonymous 401; the wrong kind or too low a role 403; not a member of the target project 404. */
function verdict(caller: Caller, rule: RouteRule | typeof PUBLIC): Verdict {
  if (rule === PUBLIC) return 'allowed';
  if (caller.kind === 'anonymous') return 401;
  const { requires } = PERMISSIONS[rule.action];
  const person = caller.kind === 'person';
  switch (requires.scope) {
    case 'user':
      return person ? 'allowed' : 403;
    case 'person':
      return person && !caller.scoped ? 'allowed' : 403;
    case 'admin':
      return person && caller.isAdmin ? 'allowed' : 403;
    case 'runner':
    case 'runner-registration':
      return caller.kind === requires.scope ? 'allowed' : 403;
    case 'project': {
      if (!person) return 403;
      const role = caller.isAdmin ? 'owner' : caller.role;
      if (role === undefined) return 404;
      return PROJECT_ROLES.indexOf(role) >= PROJECT_ROLES.indexOf(requires.role) ? 'allowed' : 403;
    }
  }
}

const ERROR_CODES = { 401: 'unauthorized', 403: 'forbidden', 404: 'not-found' } as const;

/** Why a reply contradicts the verdict, or undefined. Allowed means the guard let it through: any answer but 401, 403 or (for a project route) 404. */
function contradiction(expected: Verdict, reply: Reply, targeted: boolean): string | undefined {
  const shown = `${reply.status} ${reply.text.slice(0, 200)}`;
  if (reply.status >= 500) return `server error: ${shown}`;
  if (expected === 'allowed') {
    return reply.status === 401 || reply.status === 403 || (targeted && reply.status === 404) ? `expected to be let through, got ${shown}` : undefined;
  }
  if (reply.status !== expected) return `expected ${expected}, got ${shown}`;
  const code = reply.text ? (JSON.parse(reply.text) as { error?: { code?: string } }).error?.code : undefined;
  return code === ERROR_CODES[expected] ? undefined : `expected error code ${ERROR_CODES[expected]}, got ${shown}`;
}

let server: ServerProcess;
let runId: number;
let webhookSecret: string;
let repository: string;
let bystanderRefresh: string;
/** Operations in the OpenAPI document, as `METHOD /path/:param`, and whether each needs a body. */
const documented = new Map<string, boolean>();

const admin = (method: string, path: string, body?: unknown, expect?: number) => server.api(method, path, body, expect);

before(async () => {
  server = await startServer({ args: ['--no-runner'], env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } });
  repository = gitRepo({ '.deploylite.yml': 'jobs:\n  build:\n    steps:\n      - run: echo hi\n' }).path;
  webhookSecret = (await server.api<{ webhookSecret: string }>('POST', '/api/v1/projects', { name: 'walk', repository }, 201)).webhookSecret;
  const usernames = ['nonmember', ...PROJECT_ROLES, 'bystander'];
  await Promise.all(usernames.map((username) => admin('POST', '/api/v1/users', { username, password: PASSWORD }, 201)));
  for (const role of PROJECT_ROLES) await admin('PUT', `/api/v1/projects/walk/members/${role}`, { role }, 200);
  await admin('PUT', '/api/v1/projects/walk/members/bystander', { role: 'viewer' }, 200);
  runId = (await server.api<{ id: number }>('POST', '/api/v1/projects/walk/runs', {}, 201)).id;
  await admin('PUT', '/api/v1/projects/walk/secrets/WALK_SECRET', { value: 'walk-secret-value' }, 200);

  const registration = await server.api<{ token: string }>('POST', '/api/v1/tokens', { name: 'walk-registration', kind: 'runner-registration' }, 201);
  const registered = await call(server, 'POST', '/api/v1/runners/register', { token: registration.token, body: { name: 'walk-runner', labels: ['walk-only'], capacity: 1, version: 'test' } });
  assert.equal(registered.status, 201, registered.text);
  const byName = (name: string) => callers.find((c) => c.name === name) as Caller;
  byName('registration').token = registration.token;
  byName('runner').token = registered.json<{ token: string }>().token;
  byName('admin-token').token = server.token;
  await Promise.all(callers.filter((c) => c.username).map(async (c) => (c.token = (await login(server, c.username as string, PASSWORD)).accessToken)));
  const scoped = await call(server, 'POST', '/api/v1/tokens', { token: byName('owner').token, body: { name: 'viewer-scoped', projects: ['walk'], role: 'viewer' } });
  assert.equal(scoped.status, 201, scoped.text);
  byName('api-viewer').token = scoped.json<{ token: string }>().token;
  bystanderRefresh = (await login(server, 'bystander', PASSWORD)).refreshToken;
  await uploadWalkArtifact(byName('runner').token as string);

  const doc = (await call(server, 'GET', '/api/v1/openapi.json')).json<{ paths: Record<string, Record<string, { requestBody?: { required?: boolean } }>> }>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      documented.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, operation.requestBody?.required === true);
    }
  }
});
after(async () => {
  await server.stop();
});

/** The walk's run gets an artifact the way a runner makes one (lease, upload, commit), so its download routes have something to serve. */
async function uploadWalkArtifact(token: string): Promise<void> {
  const polled = await call(server, 'POST', '/api/v1/runner/poll', { token, body: { free: 1, running: [], waitMs: 10_000 } });
  const leaseId = polled.json<{ jobs: { leaseId: string }[] }>().jobs[0]?.leaseId;
  assert.ok(leaseId, polled.text);
  const dir = workdir({ 'dist/a.txt': 'walk' });
  const chunks: Buffer[] = [];
  for await (const chunk of packArtifact(dir, await collectArtifactFiles(dir, ['dist'])).stream) chunks.push(chunk);
  const archive = Buffer.concat(chunks);
  const digest = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
  const lease = `/api/v1/runner/leases/${leaseId}`;
  const started = await call(server, 'POST', `${lease}/artifacts`, { token, body: { name: WALK_ARTIFACT, digest, size: archive.length } });
  const { uploadId } = started.json<{ uploadId: string }>();
  const sent = await fetch(`${server.url}${lease}/artifacts/uploads/${uploadId}?offset=0`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: archive });
  assert.equal(sent.status, 200, await sent.text());
  const committed = await call(server, 'POST', `${lease}/artifacts/uploads/${uploadId}/commit`, { token });
  assert.equal(committed.status, 200, committed.text);
  const result = { status: 'success', attempts: 1, exitCode: 0, error: null, outputs: {}, rollbackStatus: null, logLines: 0 };
  assert.equal((await call(server, 'POST', `${lease}/result`, { token, body: result })).status, 200);
}

test('the OpenAPI document lists exactly the routes that have a rule: every guarded one, and the public ones it documents', () => {
  const guarded = Object.entries(ROUTE_RULES).filter(([, rule]) => rule !== PUBLIC).map(([key]) => key);
  const publicDocumented = [...documented.keys()].filter((key) => ROUTE_RULES[key] === PUBLIC);
  assert.deepEqual([...documented.keys()].sort(), [...guarded, ...publicDocumented].sort());
});

test('every route the API answers has a rule, and every rule a route', () => {
  // The routes are only registered here, never served: the services are not needed.
  const app = createApi({ store: {} } as unknown as ApiServices, {} as RequestGuard);
  const served = [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
  assert.deepEqual(served.sort(), Object.keys(ROUTE_RULES).sort());
});

test("no route is shadowed by the dashboard: a browser asking for a page, without a credential, gets the route's own answer", async () => {
  // The dashboard's files answer only GETs that no route matches (api/dashboard-files.ts).
  assert.match((await call(server, 'GET', '/projects', { headers: { accept: 'text/html' } })).text, /<div id="app">/, 'the dashboard is not being served');
  const wrong: string[] = [];
  for (const [key, rule] of Object.entries(ROUTE_RULES)) {
    const [method, pattern] = key.split(' ') as [string, string];
    if (method !== 'GET') continue;
    const path = pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(defaultParam(key, name)));
    const reply = await call(server, 'GET', path, { headers: { accept: 'text/html' } });
    if (String(reply.headers['content-type']).startsWith('text/html')) wrong.push(`${key}: answered with the dashboard`);
    else if (rule !== PUBLIC && reply.status !== 401) wrong.push(`${key}: ${reply.status} without a credential`);
  }
  assert.deepEqual(wrong, []);
});

interface Fixture {
  readonly params?: Record<string, string>;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Another credential of the same caller, for calls that would end the one shared by the walk. */
  readonly token?: string;
}

/** A session of its own for a signed-in caller; other callers keep their credential. */
async function ownSession(caller: Caller): Promise<Fixture> {
  return caller.username ? { token: (await login(server, caller.username, PASSWORD)).accessToken } : {};
}

/** A token owner may revoke: the caller's own when it can make one, else one made by the admin. */
async function tokenToRevoke(caller: Caller): Promise<Fixture> {
  const made = caller.kind === 'person' ? await call(server, 'POST', '/api/v1/tokens', { token: caller.token, body: tokenBody(caller, 'to-revoke') }) : undefined;
  const id = made?.status === 201 ? made.json<{ id: number }>().id : (await server.api<{ id: number }>('POST', '/api/v1/tokens', { name: 'to-revoke' }, 201)).id;
  return { params: { id: String(id) } };
}

function tokenBody(caller: Caller, name: string): unknown {
  return caller.scoped ? { name, projects: ['walk'], role: 'viewer' } : { name };
}

/**
 * Path parameters, bodies and credentials per route. Routes that would destroy what the walk
 * stands on get throwaway targets: a member re-added, a secret re-written, a token or a
 * session of their own. A route that needs a body and has none here fails the walk.
 */
const WALK_ARTIFACT = 'walk-artifact';
const FIXTURES: Record<string, (caller: Caller) => Fixture | Promise<Fixture>> = {
  'GET /api/v1/runs/:id/artifacts/:name': () => ({ params: { name: WALK_ARTIFACT } }),
  'GET /api/v1/runs/:id/artifacts/:name/sbom': () => ({ params: { name: WALK_ARTIFACT } }),
  'POST /api/v1/runner/leases/:lease/artifacts': () => ({ body: { name: 'walked', digest: `sha256:${'0'.repeat(64)}`, size: 1 } }),
  'PUT /api/v1/runner/leases/:lease/artifacts/uploads/:upload': () => ({ body: 'x', params: { upload: randomUUID() } }),
  'POST /api/v1/runner/leases/:lease/artifacts/uploads/:upload/commit': () => ({ params: { upload: randomUUID() } }),
  'POST /api/v1/runner/leases/:lease/caches/lookup': () => ({ body: { key: 'walk-key', restoreKeys: ['walk-'], version: 'v1' } }),
  'POST /api/v1/runner/leases/:lease/caches/archives': () => ({ body: 'x' }),
  'POST /api/v1/runner/leases/:lease/caches/commit': () => ({ body: { key: 'walk-key', version: 'v1', digest: `sha256:${'0'.repeat(64)}`, size: 1 } }),
  'POST /api/v1/auth/login': () => ({ body: { username: 'bystander', password: PASSWORD } }),
  'POST /api/v1/auth/refresh': () => ({ body: { refreshToken: bystanderRefresh } }),
  'POST /api/v1/auth/logout': ownSession,
  // Walked last, one caller at a time: it ends every session of the caller's user.
  'PUT /api/v1/users/me/password': () => ({ body: { currentPassword: PASSWORD, newPassword: PASSWORD } }),
  'POST /api/v1/projects': (caller) => ({ body: { name: `made-by-${caller.name}`, repository } }),
  'POST /api/v1/projects/:project/runs': () => ({ body: {} }),
  'PUT /api/v1/projects/:project/members/:username': () => ({ body: { role: 'viewer' } }),
  'DELETE /api/v1/projects/:project/members/:username': async () => {
    await admin('PUT', '/api/v1/projects/walk/members/bystander', { role: 'viewer' }, 200);
    return {};
  },
  'PUT /api/v1/projects/:project/secrets/:name': () => ({ body: { value: 'walk-secret-value' } }),
  'DELETE /api/v1/projects/:project/secrets/:name': async () => {
    await admin('PUT', '/api/v1/projects/walk/secrets/THROWAWAY', { value: 'throwaway-value' }, 200);
    return { params: { name: 'THROWAWAY' } };
  },
  'POST /api/v1/runs/:id/retry': () => ({ body: {} }),
  'POST /api/v1/tokens': (caller) => ({ body: tokenBody(caller, `made-by-${caller.name}`) }),
  'DELETE /api/v1/tokens/:id': tokenToRevoke,
  'POST /api/v1/users': (caller) => ({ body: { username: `user-by-${caller.name}`, password: PASSWORD } }),
  'PATCH /api/v1/users/:username': () => ({ body: {} }),
  // A dry run: the walk must not delete the artifacts other routes' fixtures use.
  'POST /api/v1/admin/artifacts/cleanup': () => ({ body: { dryRun: true } }),
  'POST /api/v1/runners/register': (caller) => ({ body: { name: `runner-by-${caller.name}`, labels: ['walk-only'], capacity: 1, version: 'test' } }),
  'POST /api/v1/runner/poll': () => ({ body: { free: 0, running: [], waitMs: 0 } }),
  'POST /api/v1/runner/leases/:lease/logs': () => ({ body: { offset: 0, lines: [] } }),
  'POST /api/v1/runner/leases/:lease/result': () => ({
    body: { status: 'success', attempts: 1, exitCode: 0, error: null, outputs: {}, rollbackStatus: null, logLines: 0 },
  }),
  // A signed ping: the host's own credential, which the route checks itself.
  'POST /api/v1/projects/:project/webhooks/:provider': () => {
    const body = JSON.stringify({ zen: 'walk' });
    const signature = `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`;
    return { body, headers: { 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature } };
  },
};

/** Calls that change shared state (a session chain, a re-added member or secret) go one caller at a time. */
const ONE_AT_A_TIME = new Set([
  'POST /api/v1/auth/refresh',
  'PUT /api/v1/users/me/password',
  'DELETE /api/v1/projects/:project/members/:username',
  'DELETE /api/v1/projects/:project/secrets/:name',
]);

function defaultParam(key: string, name: string): string {
  switch (name) {
    case 'project':
      return 'walk';
    case 'id':
      if (key.includes('/api/v1/runs/')) return String(runId);
      break;
    case 'key':
      return 'build';
    case 'jobId':
      return `${runId}:build`;
    case 'username':
      return 'bystander';
    case 'name':
      return 'WALK_SECRET';
    case 'lease':
      return 'no-such-lease';
    case 'provider':
      return 'github';
    case 'digest':
      return `sha256:${'0'.repeat(64)}`;
  }
  throw new Error(`the walk has no value for :${name} in ${key}: add one to FIXTURES`);
}

async function invoke(key: string, caller: Caller): Promise<Reply> {
  const [method, pattern] = key.split(' ') as [string, string];
  const fixture = (await FIXTURES[key]?.(caller)) ?? {};
  if (documented.get(key) && fixture.body === undefined) throw new Error(`${key} needs a request body: add one to FIXTURES`);
  const path = pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(fixture.params?.[name] ?? defaultParam(key, name)));
  const token = fixture.token ?? caller.token;
  if (key === LOG_STREAM) return upgrade(server, path, token);
  const reply = await call(server, method, path, { ...(token ? { token } : {}), ...(fixture.body !== undefined ? { body: fixture.body } : {}), ...(fixture.headers ? { headers: fixture.headers } : {}) });
  if (key === 'POST /api/v1/auth/refresh' && reply.status === 200) bystanderRefresh = reply.json<{ refreshToken: string }>().refreshToken;
  return reply;
}

// Changing a password ends every session of the user (and the API token's owner is the
// owner, walked before it), so that route is walked last.
const WALK_ORDER = Object.keys(RULES).sort((a, b) => Number(a === 'PUT /api/v1/users/me/password') - Number(b === 'PUT /api/v1/users/me/password'));

for (const key of WALK_ORDER) {
  test(`${key} answers every caller as the permission table says`, async () => {
    const rule = RULES[key] as RouteRule | typeof PUBLIC;
    const targeted = rule !== PUBLIC && rule.target !== undefined;
    const contradictions: string[] = [];
    const walk = async (caller: Caller) => {
      const problem = contradiction(verdict(caller, rule), await invoke(key, caller), targeted);
      if (problem) contradictions.push(`${caller.name}: ${problem}`);
    };
    if (ONE_AT_A_TIME.has(key)) for (const caller of callers) await walk(caller);
    else await Promise.all(callers.map(walk));
    assert.deepEqual(contradictions, []);
  });
}
