import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import type { ApiStandIn, RecordedRequest } from './support/api-stand-in.js';
import { closedPortUrl, sendJson, startApiStandIn } from './support/api-stand-in.js';
import { deployctl, tempConfigPath } from './support/test-context.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const MINUTE = 60_000;

let server: ApiStandIn;
/** The number of the pair of tokens the stand-in issued last: only that pair is valid. */
let issued: number;

/** What /auth/login and /auth/refresh answer: the n-th pair of tokens. */
function tokens(n: number, accessTokenExpiresAt = NOW + 15 * MINUTE) {
  return {
    accessToken: `access-${n}`,
    accessTokenExpiresAt,
    refreshToken: `dls_refresh-${n}`,
    refreshTokenExpiresAt: NOW + 14 * 24 * 60 * MINUTE,
    user: { id: 2, username: 'alice', isAdmin: false },
  };
}

/** A session saved as `login --user alice` saves it: the n-th pair, the current one. */
function savedSession(config: string, n: number, accessTokenExpiresAt = NOW + 15 * MINUTE) {
  issued = n;
  mkdirSync(dirname(config), { recursive: true });
  const t = tokens(n, accessTokenExpiresAt);
  const session = { username: 'alice', refreshToken: t.refreshToken, accessTokenExpiresAt, refreshTokenExpiresAt: t.refreshTokenExpiresAt };
  writeFileSync(config, JSON.stringify({ server: server.url, token: t.accessToken, session }));
}

const saved = (config: string) => JSON.parse(readFileSync(config, 'utf8')) as { token: string; session?: { refreshToken: string } };
const calls = (path: string) => server.requests.filter((r) => r.path === path);

before(async () => {
  server = await startApiStandIn();
});
after(() => server.close());

beforeEach(() => {
  issued = 0;
  server.requests.length = 0;
  server.on('POST', '/api/v1/auth/login', (request, response) => {
    const { password } = request.body as { password: string };
    if (password === 'right password') sendJson(response, 200, tokens(++issued));
    else sendJson(response, 401, { error: { code: 'unauthorized', message: 'wrong user name or password' } });
  });
  server.on('POST', '/api/v1/auth/refresh', (request, response) => {
    const { refreshToken } = request.body as { refreshToken: string };
    if (refreshToken === `dls_refresh-${issued}`) sendJson(response, 200, tokens(++issued));
    else sendJson(response, 401, { error: { code: 'unauthorized', message: 'this refresh token was already used; every session it belongs to is now signed out' } });
  });
  // Only the newest access token is accepted, as a server whose older ones expired.
  server.on('GET', '/api/v1/runners', (request, response) => {
    if (request.authorization === `Bearer access-${issued}`) sendJson(response, 200, { runners: [] });
    else sendJson(response, 401, { error: { code: 'unauthorized', message: 'the access token has expired; refresh it' } });
  });
  server.json('GET', '/api/v1/whoami', 200, { name: 'alice', kind: 'user', username: 'alice', isAdmin: false, projects: { web: 'developer', api: 'viewer' } });
});

test('login --user reads the password from stdin and saves the session, never the password', async () => {
  const config = tempConfigPath();
  const result = await deployctl(['login', '--server', server.url, '--user', 'alice', '--password-stdin'], { configPath: config, stdin: 'right password\n' });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `logged in to ${server.url} as alice\n`);
  assert.deepEqual(calls('/api/v1/auth/login')[0]?.body, { username: 'alice', password: 'right password' });
  assert.equal(calls('/api/v1/auth/login')[0]?.authorization, undefined, 'login sends no credential');
  const file = readFileSync(config, 'utf8');
  assert.deepEqual(JSON.parse(file), {
    server: server.url,
    token: 'access-1',
    session: { username: 'alice', refreshToken: 'dls_refresh-1', accessTokenExpiresAt: NOW + 15 * MINUTE, refreshTokenExpiresAt: tokens(1).refreshTokenExpiresAt },
  });
  assert.ok(!file.includes('right password'));
});

test('login --user on a terminal asks for the password at a prompt', async () => {
  const config = tempConfigPath();
  const result = await deployctl(['login', '--server', server.url, '--user', 'alice', '--json'], { configPath: config, typed: ['right password'] });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.prompts, [`Password for alice on ${server.url}: `]);
  assert.deepEqual(JSON.parse(result.stdout), { server: server.url, user: { id: 2, username: 'alice', isAdmin: false } }, '--json shows no token');
});

test('a refused login saves nothing; --password-stdin without --user is a usage error', async () => {
  const config = tempConfigPath();
  const refused = await deployctl(['login', '--server', server.url, '--user', 'alice', '--password-stdin'], { configPath: config, stdin: 'wrong\n' });
  assert.deepEqual([refused.code, refused.stderr], [1, `deployctl: the server at ${server.url} refused the login: wrong user name or password; nothing was saved\n`]);
  assert.equal(existsSync(config), false);
  const misuse = await deployctl(['login', '--server', server.url, '--password-stdin'], { configPath: config, stdin: 'x' });
  assert.deepEqual([misuse.code, misuse.stderr], [2, 'deployctl: --password-stdin goes with --user NAME\n']);
});

test('a 401 to an expired access token refreshes once, and the new refresh token is saved before the new access token is sent', async () => {
  const config = tempConfigPath();
  savedSession(config, 1);
  let savedWhenUsed: string | undefined;
  server.on('GET', '/api/v1/runners', (request, response) => {
    if (request.authorization === 'Bearer access-2') {
      savedWhenUsed = saved(config).session?.refreshToken;
      sendJson(response, 200, { runners: [] });
    } else sendJson(response, 401, { error: { code: 'unauthorized', message: 'the access token has expired; refresh it' } });
  });
  const result = await deployctl(['runners', 'list'], { configPath: config, now: NOW });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(
    server.requests.map((r: RecordedRequest) => `${r.method} ${r.path} ${r.authorization ?? '-'}`),
    ['GET /api/v1/runners Bearer access-1', 'POST /api/v1/auth/refresh -', 'GET /api/v1/runners Bearer access-2'],
  );
  assert.deepEqual(calls('/api/v1/auth/refresh')[0]?.body, { refreshToken: 'dls_refresh-1' });
  assert.equal(savedWhenUsed, 'dls_refresh-2');
  assert.equal(saved(config).token, 'access-2');
});

test('an access token about to expire is renewed before the request, not after a 401', async () => {
  const config = tempConfigPath();
  savedSession(config, 1, NOW + 10_000);
  const result = await deployctl(['runners', 'list'], { configPath: config, now: NOW });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(
    server.requests.map((r) => `${r.method} ${r.path}`),
    ['POST /api/v1/auth/refresh', 'GET /api/v1/runners'],
  );
});

test('a lock file left behind by a deployctl that died does not block the refresh for good', async () => {
  const config = tempConfigPath();
  savedSession(config, 1, NOW - MINUTE);
  writeFileSync(`${config}.lock`, '4242\n');
  const anHourAgo = new Date(Date.now() - 60 * MINUTE);
  utimesSync(`${config}.lock`, anHourAgo, anHourAgo);
  const result = await deployctl(['runners', 'list'], { configPath: config, now: NOW });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(saved(config).session?.refreshToken, 'dls_refresh-2');
  assert.equal(existsSync(`${config}.lock`), false, 'the lock is released');
});

test('a refresh the server refuses says the session ended and how to sign in again', async () => {
  const config = tempConfigPath();
  savedSession(config, 1);
  issued = 5;
  const result = await deployctl(['runners', 'list'], { configPath: config, now: NOW });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `deployctl: your session on ${server.url} has ended (this refresh token was already used; every session it belongs to is now signed out): ` +
      `log in again with \`deployctl login --server ${server.url} --user alice\`\n`,
  );
});

test('a token from --token is not refreshed: its 401 is the answer', async () => {
  const config = tempConfigPath();
  savedSession(config, 1);
  const result = await deployctl(['runners', 'list', '--token', 'tok-fixed'], { configPath: config, now: NOW });
  assert.equal(result.code, 1);
  assert.equal(calls('/api/v1/auth/refresh').length, 0);
});

test('whoami prints the user, the admin flag and the project roles', async () => {
  const config = tempConfigPath();
  savedSession(config, 1);
  const result = await deployctl(['whoami'], { configPath: config, now: NOW });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    ['user        alice', 'admin       no', 'credential  user', `server      ${server.url}`, 'PROJECT  ROLE', 'api      viewer', 'web      developer', ''].join('\n'),
  );
});

test('logout ends the session with its access token and removes the saved login', async () => {
  const config = tempConfigPath();
  savedSession(config, 1);
  server.on('POST', '/api/v1/auth/logout', (_request, response) => {
    response.writeHead(204);
    response.end();
  });
  const result = await deployctl(['logout'], { configPath: config, now: NOW });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(calls('/api/v1/auth/logout')[0]?.authorization, 'Bearer access-1');
  assert.equal(existsSync(config), false);
});

test('logout of a token login only forgets it; with nothing saved it says so', async () => {
  const config = tempConfigPath();
  mkdirSync(dirname(config), { recursive: true });
  writeFileSync(config, JSON.stringify({ server: server.url, token: 'tok-1' }));
  const result = await deployctl(['logout'], { configPath: config });
  assert.equal(result.stdout, `removed the saved login for ${server.url}; the token itself stays valid until revoked (deployctl tokens revoke ID)\n`);
  assert.equal(server.requests.length, 0);
  assert.equal((await deployctl(['logout'], { configPath: config })).stdout, `not logged in (no saved login in ${config})\n`);
});

test('logout when the server cannot be reached still removes the saved login, and says the session lives on', async () => {
  const config = tempConfigPath();
  mkdirSync(dirname(config), { recursive: true });
  const session = { username: 'alice', refreshToken: 'dls_r', accessTokenExpiresAt: NOW + MINUTE * 10, refreshTokenExpiresAt: Date.parse('2025-06-15T12:00:00Z') };
  writeFileSync(config, JSON.stringify({ server: await closedPortUrl(), token: 'access-x', session }));
  const result = await deployctl(['logout'], { configPath: config, now: NOW });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^deployctl: removed the saved login, but could not end the session on the server \(cannot reach .*\); it stays usable .* until 2025-06-15 12:00:00 UTC\n$/);
  assert.equal(existsSync(config), false);
});
