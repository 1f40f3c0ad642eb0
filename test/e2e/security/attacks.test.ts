// Attacks on a real server over loopback: forged and replayed credentials, reaching across
// projects by id, climbing out of directories by name, guessing passwords, and looking for
// secrets wherever the server writes. Each test plays the attacker and then checks, from the
// outside, that nothing was gained. Clients take addresses across 127.0.0.0/8 so that the
// server sees several sources.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import pg from 'pg';
import { systemClock } from '../../../src/core/index.js';
import { loadMasterKeys } from '../../../src/server/secrets/master-keys.js';
import { SecretVault } from '../../../src/server/secrets/secret-vault.js';
import { openControlStore } from '../../../src/store/index.js';
import type { CallOptions, Reply, Session } from '../support/callers.js';
import { call, login, metric, PASSWORD, upgrade } from '../support/callers.js';
import { REPO_ROOT, runCli, sleep, workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startServer, waitForRun } from '../support/control-plane.js';
import { freshDatabase } from '../support/postgres.js';

const SECRET = `s3cr3t/Value+with=signs&${randomBytes(6).toString('hex')}`;
const HELLO = 'jobs:\n  build:\n    steps:\n      - run: echo hello\n';
/** Uses the secret and prints it raw, base64- and URL-encoded; proves it had it by its digest. */
const USES_SECRET = `jobs:
  build:
    steps:
      - env: { S: '\${{ secrets.DEPLOY_KEY }}' }
        run: |
          echo "plain: $S"
          printf '%s' "$S" | base64
          python3 -c 'import os, urllib.parse; print(urllib.parse.quote(os.environ["S"], safe=""))'
          if [ "$(printf '%s' "$S" | sha256sum | cut -c1-64)" = "${createHash('sha256').update(SECRET).digest('hex')}" ]; then echo "the job has the secret"; fi
`;

let server: ServerProcess;
let viewer: Session;
let dev: Session;
let runA: number;
let runB: number;
let alphaId: number;
let bravoId: number;
let bravoRepository: string;

/** A request with a credential (or none) and options. */
const as = (token: string | undefined, method: string, path: string, options: CallOptions = {}) => call(server, method, path, { ...(token ? { token } : {}), ...options });
const admin = (method: string, path: string, body?: unknown) => as(server.token, method, path, body === undefined ? {} : { body });

async function expectStatus(reply: Promise<Reply>, status: number): Promise<Reply> {
  const answered = await reply;
  assert.equal(answered.status, status, answered.text);
  return answered;
}

before(async () => {
  server = await startServer({ env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD, DEPLOYLITE_LOG_LEVEL: 'debug' } });
  bravoRepository = gitRepo({ '.deploylite.yml': HELLO }).path;
  alphaId = (await expectStatus(admin('POST', '/api/v1/projects', { name: 'alpha', repository: gitRepo({ '.deploylite.yml': HELLO }).path }), 201)).json<{ id: number }>().id;
  bravoId = (await expectStatus(admin('POST', '/api/v1/projects', { name: 'bravo', repository: bravoRepository }), 201)).json<{ id: number }>().id;
  await Promise.all(['viewer', 'dev', 'victim'].map((username) => expectStatus(admin('POST', '/api/v1/users', { username, password: PASSWORD }), 201)));
  await expectStatus(admin('PUT', '/api/v1/projects/alpha/members/viewer', { role: 'viewer' }), 200);
  await expectStatus(admin('PUT', '/api/v1/projects/alpha/members/dev', { role: 'developer' }), 200);
  await expectStatus(admin('PUT', '/api/v1/projects/alpha/secrets/ALPHA_TOKEN', { value: 'alpha-token-value' }), 200);
  await expectStatus(admin('PUT', '/api/v1/projects/bravo/secrets/BRAVO_TOKEN', { value: 'bravo-token-value' }), 200);
  runA = (await expectStatus(admin('POST', '/api/v1/projects/alpha/runs', {}), 201)).json<{ id: number }>().id;
  runB = (await expectStatus(admin('POST', '/api/v1/projects/bravo/runs', {}), 201)).json<{ id: number }>().id;
  [viewer, dev] = await Promise.all([login(server, 'viewer', PASSWORD), login(server, 'dev', PASSWORD)]);
  await Promise.all([waitForRun(server, runA, isFinal), waitForRun(server, runB, isFinal)]);
});
after(async () => {
  await server.stop();
});

// --- Forged access tokens -------------------------------------------------------------------

const whoami = (token: string) => as(token, 'GET', '/api/v1/whoami');
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The viewer's real access token re-signed with `key`, its times moved: only what the test changes differs. */
function resign(key: Uint8Array, times: { iat: number; exp: number }): Promise<string> {
  const claims = decodeJwt(viewer.accessToken);
  return new SignJWT({ ...claims, ...times }).setProtectedHeader(decodeProtectedHeader(viewer.accessToken) as { alg: string }).sign(key);
}

function serverKey(): Buffer {
  return Buffer.from(readFileSync(join(server.dataDir, 'jwt-signing-key'), 'utf8').trim(), 'base64');
}

const now = () => Math.floor(Date.now() / 1000);

test('an expired access token is refused, though signed with the server’s own key', async () => {
  // The same forgery with a live expiry is accepted: only the expiry makes the difference.
  await expectStatus(whoami(await resign(serverKey(), { iat: now() - 60, exp: now() + 600 })), 200);
  const expired = await expectStatus(whoami(await resign(serverKey(), { iat: now() - 1200, exp: now() - 300 })), 401);
  assert.match(expired.json<{ error: { message: string } }>().error.message, /expired/);
});

test('an access token whose claims were changed is refused', async () => {
  const [header, , signature] = viewer.accessToken.split('.');
  const claims = decodeJwt(viewer.accessToken);
  const promoted = `${header}.${base64url({ ...claims, sub: '1', name: 'admin' })}.${signature}`;
  await expectStatus(whoami(promoted), 401);
  const flipped = `${header}.${viewer.accessToken.split('.')[1]}.${signature?.startsWith('A') ? 'B' : 'A'}${signature?.slice(1)}`;
  await expectStatus(whoami(flipped), 401);
});

test('an access token signed with another key is refused', async () => {
  await expectStatus(whoami(await resign(randomBytes(32), { iat: now() - 60, exp: now() + 600 })), 401);
});

test('an access token with `alg: none` is refused', async () => {
  const claims = decodeJwt(viewer.accessToken);
  for (const alg of ['none', 'None', 'NONE']) {
    await expectStatus(whoami(`${base64url({ alg, typ: 'at+jwt' })}.${base64url({ ...claims, sub: '1', name: 'admin' })}.`), 401);
  }
});

// --- Sessions --------------------------------------------------------------------------------

const refresh = (refreshToken: string) => call(server, 'POST', '/api/v1/auth/refresh', { body: { refreshToken } });

test('presenting a rotated refresh token again signs the whole session out: the newer tokens stop working too', async () => {
  const first = await login(server, 'viewer', PASSWORD);
  const second = (await expectStatus(refresh(first.refreshToken), 200)).json<Session>();
  await expectStatus(whoami(second.accessToken), 200);

  await expectStatus(refresh(first.refreshToken), 401);
  await expectStatus(refresh(second.refreshToken), 401);
  await expectStatus(whoami(second.accessToken), 401);
  await expectStatus(whoami(first.accessToken), 401);
  // Another session of the same user is not touched.
  await expectStatus(whoami(viewer.accessToken), 200);
});

test('logout ends the session at once: its access and refresh tokens stop working', async () => {
  const session = await login(server, 'dev', PASSWORD);
  await expectStatus(as(session.accessToken, 'POST', '/api/v1/auth/logout'), 204);
  await expectStatus(whoami(session.accessToken), 401);
  await expectStatus(refresh(session.refreshToken), 401);
});

// --- Roles -----------------------------------------------------------------------------------

/** Run ids only: runs started by earlier tests may still be changing status. */
async function runIds(query = ''): Promise<number[]> {
  return (await admin('GET', `/api/v1/runs?limit=100${query}`)).json<{ runs: { id: number }[] }>().runs.map((r) => r.id);
}

/** What a project holds that an attacker might change: members, secrets, runs. */
async function snapshot(project: string): Promise<unknown> {
  const [members, secrets] = await Promise.all([admin('GET', `/api/v1/projects/${project}/members`), admin('GET', `/api/v1/projects/${project}/secrets`)]);
  return { members: members.json(), secrets: secrets.json(), runs: await runIds(`&project=${project}`) };
}

test('a viewer cannot trigger, cancel or retry runs, read secrets or change members', async () => {
  const before = await snapshot('alpha');
  const attempts: [string, string, unknown?][] = [
    ['POST', '/api/v1/projects/alpha/runs', {}],
    ['POST', `/api/v1/runs/${runA}/cancel`],
    ['POST', `/api/v1/runs/${runA}/retry`, {}],
    ['GET', '/api/v1/projects/alpha/secrets'],
    ['PUT', '/api/v1/projects/alpha/secrets/ALPHA_TOKEN', { value: 'overwritten' }],
    ['DELETE', '/api/v1/projects/alpha/secrets/ALPHA_TOKEN'],
    ['PUT', '/api/v1/projects/alpha/members/viewer', { role: 'owner' }],
    ['PUT', '/api/v1/projects/alpha/members/dev', { role: 'viewer' }],
    ['DELETE', '/api/v1/projects/alpha/members/dev'],
  ];
  for (const [method, path, body] of attempts) {
    const reply = await as(viewer.accessToken, method, path, body === undefined ? {} : { body });
    assert.equal(reply.status, 403, `${method} ${path}: ${reply.text}`);
  }
  assert.deepEqual(await snapshot('alpha'), before);
});

test("an API token cannot make tokens, revoke its owner's tokens or change its owner's password", async () => {
  const made = await expectStatus(as(dev.accessToken, 'POST', '/api/v1/tokens', { body: { name: 'read-only', projects: ['alpha'], role: 'viewer' } }), 201);
  const readOnly = made.json<{ token: string }>().token;
  await expectStatus(as(readOnly, 'POST', '/api/v1/projects/alpha/runs', { body: {} }), 403);
  for (const body of [{ name: 'wider' }, { name: 'higher', projects: ['alpha'], role: 'developer' }]) {
    const reply = await as(readOnly, 'POST', '/api/v1/tokens', { body });
    const minted = reply.status === 201 ? reply.json<{ token: string }>().token : undefined;
    const triggered = minted ? (await as(minted, 'POST', '/api/v1/projects/alpha/runs', { body: {} })).status : undefined;
    assert.ok(reply.status >= 400 && reply.status < 500, `a viewer token made ${JSON.stringify(body)}: ${reply.status} ${reply.text} (trigger with it: ${triggered})`);
  }
  // Not even a narrower one: token management and the password need the person, not a script's token.
  await expectStatus(as(readOnly, 'POST', '/api/v1/tokens', { body: { name: 'narrower', projects: ['alpha'], role: 'viewer' } }), 403);
  await expectStatus(as(readOnly, 'DELETE', `/api/v1/tokens/${made.json<{ id: number }>().id}`), 403);
  await expectStatus(as(readOnly, 'PUT', '/api/v1/users/me/password', { body: { currentPassword: 'x', newPassword: 'long enough password' } }), 403);
});

// --- Insecure direct object references -------------------------------------------------------

/** Every route that takes a project or run id, pointed at `project` and its run `run`. */
function idTakingRoutes(project: string, run: number): [string, string, unknown?][] {
  return [
    ['GET', `/api/v1/projects/${project}`],
    ['GET', `/api/v1/projects/${project}/members`],
    ['PUT', `/api/v1/projects/${project}/members/dev`, { role: 'owner' }],
    ['DELETE', `/api/v1/projects/${project}/members/admin`],
    ['GET', `/api/v1/projects/${project}/secrets`],
    ['PUT', `/api/v1/projects/${project}/secrets/STOLEN`, { value: 'x' }],
    ['DELETE', `/api/v1/projects/${project}/secrets/BRAVO_TOKEN`],
    ['POST', `/api/v1/projects/${project}/runs`, {}],
    ['GET', `/api/v1/runs?project=${project}`],
    ['GET', `/api/v1/runs/${run}`],
    ['POST', `/api/v1/runs/${run}/cancel`],
    ['POST', `/api/v1/runs/${run}/retry`, {}],
    ['GET', `/api/v1/runs/${run}/jobs/build/logs`],
    ['GET', `/api/v1/logs/${run}:build/events`],
  ];
}

test('a developer of one project gets 404 for another project by any id, as if it did not exist', async () => {
  const before = await snapshot('bravo');
  const byName = idTakingRoutes('bravo', runB);
  const byId = idTakingRoutes(String(bravoId), runB);
  const missing = idTakingRoutes('no-such-project', 999_999);
  for (const [index, [method, path, body]] of [...byName, ...byId].entries()) {
    const reply = await as(dev.accessToken, method, path, body === undefined ? {} : { body });
    const [, missingPath, missingBody] = missing[index % missing.length] as [string, string, unknown?];
    const absent = await as(dev.accessToken, method, missingPath, missingBody === undefined ? {} : { body: missingBody });
    assert.equal(reply.status, 404, `${method} ${path}: ${reply.text}`);
    assert.equal(absent.status, 404, `${method} ${missingPath}: ${absent.text}`);
    assert.ok(!reply.text.includes(bravoRepository) && !reply.text.includes('hello'), `${method} ${path} shows bravo's data: ${reply.text}`);
  }
  assert.equal((await upgrade(server, `/api/v1/logs/${runB}:build/stream`, dev.accessToken)).status, 404);
  assert.deepEqual(await snapshot('bravo'), before);
});

test('lists show a developer only the projects and runs of its own projects', async () => {
  const projects = (await as(dev.accessToken, 'GET', '/api/v1/projects')).json<{ projects: { name: string }[] }>().projects.map((p) => p.name);
  assert.deepEqual(projects, ['alpha']);
  const runs = (await as(dev.accessToken, 'GET', '/api/v1/runs?limit=100')).json<{ runs: { id: number; project: string }[] }>().runs;
  assert.ok(runs.some((r) => r.id === runA));
  assert.deepEqual(runs.filter((r) => r.project !== 'alpha'), []);
  const me = (await whoami(dev.accessToken)).json<{ projects: Record<string, string> }>();
  assert.deepEqual(me.projects, { alpha: 'developer' });
});

// --- Path traversal ---------------------------------------------------------------------------

/** Names that would climb out of a directory, or be one, raw and percent-encoded. */
const CLIMBING = ['..', '.', '../escape', '..%2fescape', '%2e%2e', '%2e%2e%2fescape', 'a/b', '/etc/passwd', '..\\escape', 'x/../../escape'];

async function everythingStored(): Promise<unknown> {
  const reads = await Promise.all(['/api/v1/projects', '/api/v1/users'].map((path) => admin('GET', path)));
  return { projects: reads[0]?.json(), users: reads[1]?.json(), alpha: await snapshot('alpha'), runs: await runIds() };
}

function assertRefused(reply: Reply, what: string): void {
  assert.ok(reply.status >= 400 && reply.status < 500, `${what}: ${reply.status} ${reply.text}`);
}

test('project names and user names that climb directories are refused, and nothing is stored', async () => {
  const before = await everythingStored();
  for (const name of CLIMBING) {
    assertRefused(await admin('POST', '/api/v1/projects', { name, repository: bravoRepository }), `project "${name}"`);
    assertRefused(await admin('POST', '/api/v1/users', { username: name, password: PASSWORD }), `user "${name}"`);
    assertRefused(await admin('PUT', `/api/v1/projects/alpha/members/${name}`, { role: 'viewer' }), `member "${name}"`);
    assertRefused(await admin('PATCH', `/api/v1/users/${name}`, { isAdmin: true }), `user "${name}" made admin`);
    assertRefused(await as(dev.accessToken, 'GET', `/api/v1/projects/${name}`), `project "${name}" read`);
  }
  assert.deepEqual(await everythingStored(), before);
});

test('secret and environment names that climb directories are refused, and nothing is stored', async () => {
  const before = await everythingStored();
  for (const name of CLIMBING) {
    assertRefused(await admin('PUT', `/api/v1/projects/alpha/secrets/${name}`, { value: 'x' }), `secret "${name}"`);
    assertRefused(await admin('DELETE', `/api/v1/projects/alpha/secrets/${name}`), `secret "${name}" deleted`);
    assertRefused(await admin('PUT', '/api/v1/projects/alpha/secrets/FINE', { value: 'x', environment: decodeURIComponent(name) }), `environment "${name}"`);
    assertRefused(await admin('DELETE', `/api/v1/projects/alpha/secrets/ALPHA_TOKEN?environment=${name}`), `environment "${name}" deleted`);
  }
  assert.deepEqual(await everythingStored(), before);
});

test('job keys that climb directories are refused, in a pipeline and in every route that takes one; nothing is stored but the failed run', async () => {
  const climbing = gitRepo({ '.deploylite.yml': 'jobs:\n  "../../escape":\n    steps:\n      - run: touch escaped\n' });
  await expectStatus(admin('POST', '/api/v1/projects', { name: 'climbing', repository: climbing.path }), 201);
  const before = await everythingStored();
  const triggered = await admin('POST', '/api/v1/projects/climbing/runs', {});
  assert.ok(triggered.status === 201 || (triggered.status >= 400 && triggered.status < 500), triggered.text);
  for (const key of CLIMBING) {
    assertRefused(await admin('GET', `/api/v1/runs/${runA}/jobs/${key}/logs`), `log of job "${key}"`);
    assertRefused(await admin('GET', `/api/v1/logs/${runA}:${key}/events`), `events of job "${key}"`);
    assertRefused(await admin('POST', `/api/v1/runs/${runA}/retry`, { job: decodeURIComponent(key) }), `retry of job "${key}"`);
  }
  // The server may keep a run that failed with the pipeline's error (as GitHub shows an invalid
  // workflow), but never a job of that key.
  const recorded = (await admin('GET', '/api/v1/runs?project=climbing')).json<{ runs: { id: number; status: string; error: string }[] }>().runs;
  for (const run of recorded) {
    assert.equal(run.status, 'failed');
    assert.match(run.error, /invalid job id "\.\.\/\.\.\/escape"/);
    assert.deepEqual((await admin('GET', `/api/v1/runs/${run.id}`)).json<{ jobs: unknown[] }>().jobs, []);
  }
  const stored = (await everythingStored()) as { runs: number[] };
  assert.deepEqual({ ...stored, runs: stored.runs.filter((id) => !recorded.some((run) => run.id === id)) }, before);
});

test('a matrix value that looks like a path stays data: the job’s key is not made of it, and it runs inside the runner’s work directory', async () => {
  const repo = gitRepo({ '.deploylite.yml': 'jobs:\n  build:\n    matrix:\n      target: ["../../../escape", "/tmp/escape"]\n    steps:\n      - run: echo "${{ matrix.target }}"; pwd -P\n' });
  await expectStatus(admin('POST', '/api/v1/projects', { name: 'matrix-paths', repository: repo.path }), 201);
  const { id } = (await expectStatus(admin('POST', '/api/v1/projects/matrix-paths/runs', {}), 201)).json<{ id: number }>();
  const run = await waitForRun(server, id, isFinal);
  assert.equal(run.status, 'success', JSON.stringify(run));
  const job = (run.jobs as unknown as { key: string; name: string }[]).find((j) => j.name.includes('../../../escape'));
  assert.match(job?.key ?? '', /^build\[\d+\]$/, JSON.stringify(run.jobs));
  const key = job?.key as string;
  const lines = (await jobLog(server, id, key)).map((line) => line.text);
  assert.ok(lines.includes('../../../escape'), lines.join('\n'));
  // The job ran in a workspace directly inside the built-in runner's work directory.
  const workRoot = realpathSync(join(server.dataDir, 'builtin-runner'));
  const workspace = lines.find((line) => line.startsWith('/')) ?? '';
  assert.equal(dirname(workspace), workRoot, lines.join('\n'));
});

// --- Password guessing ------------------------------------------------------------------------

const guess = (username: string, password: string, from: string) => call(server, 'POST', '/api/v1/auth/login', { body: { username, password }, from });
const loginFailures = (reason: string) => metric(server, 'deploylite_security_login_failures_total', `reason="${reason}"`);

test('1,000 wrong passwords in a row are throttled after ten, while the server keeps answering and the user can still sign in elsewhere', async () => {
  const [hashedBefore, throttledBefore] = await Promise.all([loginFailures('password'), loginFailures('throttled')]);
  let flooding = true;
  const health: number[] = [];
  const probe = (async () => {
    while (flooding) {
      health.push((await call(server, 'GET', '/healthz')).status);
      await sleep(20);
    }
  })();
  const statuses: number[] = [];
  const retryAfter = new Set<string>();
  for (let attempt = 0; attempt < 1000; attempt++) {
    const reply = await guess('victim', `wrong password ${attempt}`, '127.0.0.3');
    statuses.push(reply.status);
    if (reply.status === 429) retryAfter.add(String(reply.headers['retry-after']));
  }
  flooding = false;
  await probe;

  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
  assert.deepEqual(new Set(statuses.slice(10)), new Set([429]));
  assert.ok([...retryAfter].every((seconds) => Number(seconds) >= 1), [...retryAfter].join());
  // Only ten guesses were checked (and hashed); the rest were refused before.
  assert.equal((await loginFailures('password')) - hashedBefore, 10);
  assert.equal((await loginFailures('throttled')) - throttledBefore, 990);
  assert.ok(health.length > 0 && health.every((status) => status === 200), health.join());

  await expectStatus(guess('victim', PASSWORD, '127.0.0.3'), 429);
  await expectStatus(guess('victim', PASSWORD, '127.0.0.4'), 200);
});

test('wrong passwords sent all at once are throttled as if sent one after another', async () => {
  const hashedBefore = await loginFailures('password');
  const replies = await Promise.all(Array.from({ length: 30 }, (_, attempt) => guess('ghost', `wrong password ${attempt}`, '127.0.0.6')));
  const statuses = replies.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 401).length, 10, statuses.join());
  assert.equal(statuses.filter((s) => s === 429).length, 20, statuses.join());
  assert.equal((await loginFailures('password')) - hashedBefore, 10);
});

// --- Secrets ----------------------------------------------------------------------------------

/** The forms a leak would show: raw, base64 (without padding), URL-encoded. */
function assertNoSecret(where: string, text: string): void {
  for (const form of [SECRET, Buffer.from(SECRET).toString('base64').replace(/=+$/, ''), encodeURIComponent(SECRET)]) {
    assert.ok(!text.includes(form), `${where} shows the secret as "${form}":\n${text.slice(0, 2000)}`);
  }
}

test('a secret’s value is in no API response or error, no server log line, metric or audit entry', async () => {
  const texts: Record<string, string> = {};
  texts['the answer to storing it'] = (await expectStatus(admin('PUT', '/api/v1/projects/alpha/secrets/DEPLOY_KEY', { value: SECRET }), 200)).text;
  texts['a refused write'] = (await admin('PUT', '/api/v1/projects/alpha/secrets/DEPLOY_KEY', { value: SECRET, environment: '../prod' })).text;
  texts['a malformed write'] = (await admin('PUT', '/api/v1/projects/alpha/secrets/DEPLOY_KEY', `{"value": "${SECRET}"`)).text;
  texts['a write without a credential'] = (await as(undefined, 'PUT', '/api/v1/projects/alpha/secrets/DEPLOY_KEY', { body: { value: SECRET } })).text;
  texts['the list'] = (await admin('GET', '/api/v1/projects/alpha/secrets')).text;
  texts['the project'] = (await admin('GET', '/api/v1/projects/alpha')).text;
  texts['the audit export'] = (await admin('GET', '/api/v1/audit?format=jsonl')).text;
  texts['the metrics'] = (await call(server, 'GET', '/metrics')).text;
  texts['the server log'] = server.cli.stdout() + server.cli.stderr();
  assert.ok(texts['the audit export']?.includes('secret:alpha/DEPLOY_KEY'), 'the audit log records the write');
  for (const [where, text] of Object.entries(texts)) assertNoSecret(where, text);
});

test('a job gets the secrets its pipeline references, and its log shows them only masked', async () => {
  await expectStatus(admin('POST', '/api/v1/projects', { name: 'vault', repository: gitRepo({ '.deploylite.yml': USES_SECRET }).path }), 201);
  await expectStatus(admin('PUT', '/api/v1/projects/vault/secrets/DEPLOY_KEY', { value: SECRET }), 200);
  const { id } = (await expectStatus(admin('POST', '/api/v1/projects/vault/runs', {}), 201)).json<{ id: number }>();
  const run = await waitForRun(server, id, isFinal);
  const log = (await jobLog(server, id, 'build')).map((line) => line.text).join('\n');
  assert.equal(run.status, 'success', JSON.stringify(run));
  assert.match(log, /the job has the secret/, log);
  assertNoSecret('the job log', log);
  assertNoSecret('the run', JSON.stringify(run));
  assertNoSecret('the server log', server.cli.stdout() + server.cli.stderr());
});

/** The stored row of a secret, read from the server's SQLite database. */
function storedSecret(name: string): { ciphertext: string; nonce: string; data_key_id: number } {
  const db = new Database(join(server.dataDir, 'deploylite.db'), { readonly: true });
  try {
    return db.prepare('select ciphertext, nonce, data_key_id from secrets where name = ?').get(name) as { ciphertext: string; nonce: string; data_key_id: number };
  } finally {
    db.close();
  }
}

test('rotating the master key re-encrypts every secret without downtime, and each still decrypts', async () => {
  await expectStatus(admin('PUT', '/api/v1/projects/alpha/secrets/ROTATED', { value: SECRET }), 200);
  const before = storedSecret('ROTATED');
  const rotated = await runCli(['secrets', 'rotate-key'], { cwd: workdir(), env: { DEPLOYLITE_DATA_DIR: server.dataDir } });
  assert.equal(rotated.code, 0, rotated.stdout + rotated.stderr);
  const after = storedSecret('ROTATED');
  assert.notEqual(after.ciphertext, before.ciphertext);
  assert.notEqual(after.data_key_id, before.data_key_id);

  const store = await openControlStore({ sqlitePath: join(server.dataDir, 'deploylite.db') });
  try {
    const vault = new SecretVault(store.secrets, loadMasterKeys(server.dataDir), systemClock);
    assert.deepEqual(await vault.resolve(alphaId, null, ['ROTATED']), { ROTATED: SECRET });
  } finally {
    await store.close();
  }
  // The running server goes on writing secrets, under the new key.
  await expectStatus(admin('PUT', '/api/v1/projects/alpha/secrets/AFTER_ROTATION', { value: 'written after' }), 200);
  assert.equal(storedSecret('AFTER_ROTATION').data_key_id, after.data_key_id);
});

// --- Audit log --------------------------------------------------------------------------------

interface AuditEntry {
  actor: string;
  action: string;
  resource: string;
  status: string;
  httpStatus: number | null;
  traceId: string;
  sourceIp: string;
}

async function auditEntries(): Promise<AuditEntry[]> {
  return (await admin('GET', '/api/v1/audit?limit=1000')).json<{ entries: AuditEntry[] }>().entries;
}

test('every mutation and every refused request is in the audit log with actor, action, resource, status, trace id and source address', async () => {
  const trace = (name: string) => ({ 'x-trace-id': `audit-${name}-${randomBytes(4).toString('hex')}` });
  const calls = {
    created: { headers: trace('created') },
    forbidden: { headers: trace('forbidden'), from: '127.0.0.8' },
    anonymous: { headers: trace('anonymous'), from: '127.0.0.9' },
    hidden: { headers: trace('hidden') },
    wrongPassword: { headers: trace('wrong-password'), from: '127.0.0.12' },
    webhook: { headers: trace('webhook') },
  };
  await expectStatus(as(server.token, 'POST', '/api/v1/projects', { body: { name: 'audited', repository: bravoRepository }, ...calls.created }), 201);
  await expectStatus(as(viewer.accessToken, 'POST', '/api/v1/projects/alpha/runs', { body: {}, ...calls.forbidden }), 403);
  await expectStatus(as(undefined, 'GET', '/api/v1/projects', calls.anonymous), 401);
  await expectStatus(as(dev.accessToken, 'GET', '/api/v1/projects/bravo', calls.hidden), 404);
  await expectStatus(call(server, 'POST', '/api/v1/auth/login', { body: { username: 'dev', password: 'not the password' }, ...calls.wrongPassword }), 401);
  await expectStatus(upgrade(server, `/api/v1/logs/${runB}:build/stream`, dev.accessToken), 404);
  const hooked = gitRepo({ '.deploylite.yml': `on: push\n${HELLO}` });
  const { webhookSecret } = (await expectStatus(admin('POST', '/api/v1/projects', { name: 'hooked', repository: hooked.path }), 201)).json<{ webhookSecret: string }>();
  const fixture = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/webhooks/github/push.json'), 'utf8')) as object;
  const push = JSON.stringify({ ...fixture, ref: 'refs/heads/main', after: hooked.sha });
  const signature = `sha256=${createHmac('sha256', webhookSecret).update(push).digest('hex')}`;
  const headers = { ...calls.webhook.headers, 'x-github-event': 'push', 'x-github-delivery': randomBytes(8).toString('hex'), 'x-hub-signature-256': signature };
  const { runId } = (await expectStatus(call(server, 'POST', '/api/v1/projects/hooked/webhooks/github', { body: push, headers }), 201)).json<{ runId: number }>();

  const entries = await auditEntries();
  const entry = (options: { headers: Record<string, string> }) => entries.find((e) => e.traceId === options.headers['x-trace-id']);
  const fields = (e: AuditEntry | undefined) => e && { actor: e.actor, action: e.action, resource: e.resource, status: e.status, httpStatus: e.httpStatus, sourceIp: e.sourceIp };
  assert.deepEqual(fields(entry(calls.created)), { actor: 'admin-token', action: 'project:create', resource: 'project:audited', status: 'ok', httpStatus: 201, sourceIp: '127.0.0.1' });
  assert.deepEqual(fields(entry(calls.forbidden)), { actor: 'viewer', action: 'run:trigger', resource: 'project:alpha', status: 'denied', httpStatus: 403, sourceIp: '127.0.0.8' });
  assert.deepEqual(fields(entry(calls.anonymous)), { actor: 'anonymous', action: 'project:list', resource: '/api/v1/projects', status: 'denied', httpStatus: 401, sourceIp: '127.0.0.9' });
  assert.deepEqual(fields(entry(calls.hidden)), { actor: 'dev', action: 'project:read', resource: 'project:bravo', status: 'denied', httpStatus: 404, sourceIp: '127.0.0.1' });
  assert.deepEqual(fields(entry(calls.wrongPassword)), { actor: 'dev', action: 'session:login', resource: '/api/v1/auth/login', status: 'denied', httpStatus: 401, sourceIp: '127.0.0.12' });
  assert.deepEqual(fields(entry(calls.webhook)), { actor: 'webhook:github', action: 'webhook:deliver', resource: `run:${runId}`, status: 'ok', httpStatus: 201, sourceIp: '127.0.0.1' });
  const stream = entries.find((e) => e.actor === 'dev' && e.action === 'run:read' && e.resource === `run:${runB}`);
  assert.deepEqual(stream && { status: stream.status, httpStatus: stream.httpStatus, sourceIp: stream.sourceIp }, { status: 'denied', httpStatus: 404, sourceIp: '127.0.0.1' });
  assert.notEqual(stream?.traceId, '', 'a refused WebSocket has a trace id');
});

test('the SQLite database refuses to change or delete audit entries', async () => {
  await expectStatus(as(undefined, 'GET', '/api/v1/projects'), 401);
  const db = new Database(join(server.dataDir, 'deploylite.db'));
  try {
    const count = () => (db.prepare('select count(*) as n from audit_log').get() as { n: number }).n;
    const entries = count();
    assert.ok(entries > 0);
    assert.throws(() => db.prepare("update audit_log set actor = 'nobody'").run(), /append-only/);
    assert.throws(() => db.prepare('delete from audit_log').run(), /append-only/);
    assert.equal(count(), entries);
  } finally {
    db.close();
  }
});

test('PostgreSQL refuses to change or delete audit entries too', async () => {
  const database = await freshDatabase();
  const onPostgres = await startServer({ args: ['--no-runner'], env: { DEPLOYLITE_DB_DSN: database.dsn } });
  const client = new pg.Client({ connectionString: database.dsn });
  try {
    await expectStatus(call(onPostgres, 'GET', '/api/v1/projects'), 401);
    await client.connect();
    const count = async () => Number((await client.query<{ n: string }>('select count(*) as n from audit_log')).rows[0]?.n);
    const entries = await count();
    assert.ok(entries > 0);
    await assert.rejects(client.query("update audit_log set actor = 'nobody'"), /append-only/);
    await assert.rejects(client.query('delete from audit_log'), /append-only/);
    assert.equal(await count(), entries);
  } finally {
    await client.end();
    await onPostgres.stop();
    await database.drop();
  }
});

// --- Security metrics -------------------------------------------------------------------------

test('security metrics count refused requests, failed logins and refresh-token replays', async () => {
  const denied = () => metric(server, 'deploylite_security_policy_denied_total', 'action="run:trigger"');
  const replays = () => metric(server, 'deploylite_security_refresh_token_replays_total');
  const [deniedBefore, failedBefore, replaysBefore] = await Promise.all([denied(), loginFailures('password'), replays()]);

  await expectStatus(as(viewer.accessToken, 'POST', '/api/v1/projects/alpha/runs', { body: {} }), 403);
  await expectStatus(guess('nobody-at-all', 'wrong password', '127.0.0.13'), 401);
  const session = await login(server, 'viewer', PASSWORD, '127.0.0.13');
  await expectStatus(refresh(session.refreshToken), 200);
  await expectStatus(refresh(session.refreshToken), 401);

  assert.equal((await denied()) - deniedBefore, 1);
  assert.equal((await loginFailures('password')) - failedBefore, 1);
  assert.equal((await replays()) - replaysBefore, 1);
});
