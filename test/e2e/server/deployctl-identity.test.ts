// deployctl for people: sign in with a password, sessions that renew themselves, users,
// members, secrets, tokens and the audit log, against a real server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { call, PASSWORD } from '../support/callers.js';
import type { CliResult } from '../support/cli.js';
import { assertExit, assertNoStackTrace, workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { startServer } from '../support/control-plane.js';
import { deployctl, readSavedSession } from '../support/deployctl-cli.js';

let server: ServerProcess;

before(async () => {
  server = await startServer({ env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } });
});
after(async () => {
  await server.stop();
});

/** A fresh place for a saved login: one per person (or terminal) in a test. */
const newConfig = () => join(workdir(), 'deployctl.json');

/** `deployctl ARGS` with the login saved in `config`; exit 0 expected unless told otherwise. */
async function as(config: string, args: readonly string[], input?: string, expected = 0): Promise<CliResult> {
  const result = await deployctl(args, { config, ...(input !== undefined && { input }) });
  assertNoStackTrace(result);
  assertExit(result, expected);
  return result;
}

async function loggedIn(username: string, password = PASSWORD): Promise<string> {
  const config = newConfig();
  await as(config, ['login', '--server', server.url, '--user', username, '--password-stdin'], `${password}\n`);
  return config;
}

async function newUser(admin: string, username: string, password = PASSWORD): Promise<string> {
  await as(admin, ['users', 'create', username, '--password-stdin'], `${password}\n`);
  return loggedIn(username, password);
}

/** The saved access token re-signed with the server's key to have expired 5 minutes ago. */
async function expireSavedAccessToken(config: string): Promise<void> {
  const saved = readSavedSession(config);
  const key = Buffer.from(readFileSync(join(server.dataDir, 'jwt-signing-key'), 'utf8').trim(), 'base64');
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({ ...decodeJwt(saved.token), iat: now - 1200, exp: now - 300 })
    .setProtectedHeader(decodeProtectedHeader(saved.token) as { alg: string })
    .sign(key);
  writeFileSync(config, JSON.stringify({ ...saved, token: expired }));
}

test('login with a user name and --password-stdin saves a session readable by its owner only', async () => {
  const config = newConfig();
  const login = await as(config, ['login', '--server', server.url, '--user', 'admin', '--password-stdin'], `${PASSWORD}\n`);
  assert.equal(login.stdout, `logged in to ${server.url} as admin (admin)\n`);
  assert.equal(statSync(config).mode & 0o777, 0o600);
  const saved = readSavedSession(config);
  assert.equal(saved.server, server.url);
  assert.match(saved.session.refreshToken, /^dls_/);
  assert.ok(saved.session.accessTokenExpiresAt > Date.now(), 'the access token expiry is saved');
  assert.ok(!readFileSync(config, 'utf8').includes(PASSWORD), 'the password is not saved');

  const whoami = await as(config, ['whoami']);
  assert.match(whoami.stdout, /^user +admin$/m);
  assert.match(whoami.stdout, /^admin +yes$/m);
});

test('a wrong password saves nothing and says so in one line', async () => {
  const config = newConfig();
  const result = await as(config, ['login', '--server', server.url, '--user', 'admin', '--password-stdin'], 'not the password\n', 1);
  assert.equal(result.stderr, `deployctl: the server at ${server.url} refused the login: wrong user name or password; nothing was saved\n`);
  assert.equal(existsSync(config), false);
});

test('without a terminal, login asks for --password-stdin instead of waiting for a password', async () => {
  const result = await as(newConfig(), ['login', '--server', server.url, '--user', 'admin'], undefined, 2);
  assert.equal(result.stderr, 'deployctl: no terminal to ask for the password: pipe it in and pass --password-stdin\n');
});

test('a command after the access token expired refreshes the session and saves the rotated refresh token', async () => {
  const config = await loggedIn('admin');
  await expireSavedAccessToken(config);
  const before = readSavedSession(config);
  const expired = await call(server, 'GET', '/api/v1/whoami', { token: before.token });
  assert.equal(expired.status, 401, 'the server itself refuses the saved access token');

  const result = await as(config, ['projects', 'list']);
  assert.doesNotMatch(result.stderr, /./);
  const after = readSavedSession(config);
  assert.notEqual(after.session.refreshToken, before.session.refreshToken, 'a new refresh token was saved');
  assert.notEqual(after.token, before.token);
  assert.equal((await call(server, 'GET', '/api/v1/whoami', { token: after.token })).status, 200, 'the saved access token is the new one');
});

test('an access token past its saved expiry is renewed before it is sent', async () => {
  const config = await loggedIn('admin');
  const before = readSavedSession(config);
  writeFileSync(config, JSON.stringify({ ...before, session: { ...before.session, accessTokenExpiresAt: Date.now() - 1000 } }));
  await as(config, ['whoami']);
  assert.notEqual(readSavedSession(config).session.refreshToken, before.session.refreshToken);
});

test('commands started together with an expired session refresh it once, without tripping the replay defence', async () => {
  const config = await loggedIn('admin');
  await expireSavedAccessToken(config);
  const results = await Promise.all([1, 2, 3, 4].map(() => deployctl(['whoami', '--json'], { config })));
  for (const result of results) assertExit(result, 0);
  // A replayed refresh token would have ended the session: this command would fail.
  await as(config, ['whoami']);
});

test('logout ends the session on the server, and the next command says how to log in', async () => {
  const config = await loggedIn('admin');
  const saved = readSavedSession(config);
  const logout = await as(config, ['logout']);
  assert.equal(logout.stdout, `logged out of ${server.url} (session ended, saved login removed)\n`);
  assert.equal(existsSync(config), false);
  assert.equal((await call(server, 'GET', '/api/v1/whoami', { token: saved.token })).status, 401, 'the access token stopped working');
  const refresh = await call(server, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: saved.session.refreshToken } });
  assert.equal(refresh.status, 401, 'the refresh token stopped working');

  const next = await as(config, ['projects', 'list'], undefined, 2);
  assert.match(next.stderr, /^deployctl: no server given: .*`deployctl login --server URL --user NAME`/);
});

test('a session the server ended is reported as such, with the command to sign in again', async () => {
  const admin = await loggedIn('admin');
  const dora = await newUser(admin, 'dora');
  await as(admin, ['users', 'disable', 'dora']);
  const refused = await as(dora, ['whoami'], undefined, 1);
  assert.equal(
    refused.stderr,
    `deployctl: your session on ${server.url} has ended (the refresh token is unknown or revoked): log in again with \`deployctl login --server ${server.url} --user dora\`\n`,
  );
});

test('users: an admin creates, lists, disables, enables, promotes and resets the password of a user', async () => {
  const admin = await loggedIn('admin');
  const created = await as(admin, ['users', 'create', 'bob', '--password-stdin'], `${PASSWORD}\n`);
  assert.match(created.stdout, /^created user bob \(id \d+\)$/m);
  assert.match((await as(admin, ['users', 'list'])).stdout, /^bob +\d+ +no +active +/m);

  await as(admin, ['users', 'disable', 'bob']);
  assert.match((await as(admin, ['users', 'list'])).stdout, /^bob +\d+ +no +disabled +/m);
  await as(newConfig(), ['login', '--server', server.url, '--user', 'bob', '--password-stdin'], `${PASSWORD}\n`, 1);
  await as(admin, ['users', 'enable', 'bob']);
  await as(admin, ['users', 'make-admin', 'bob']);
  assert.match((await as(admin, ['users', 'list'])).stdout, /^bob +\d+ +yes +active +/m);

  await as(admin, ['users', 'set-password', 'bob', '--password-stdin'], 'a brand new password\n');
  const bob = await loggedIn('bob', 'a brand new password');
  assert.match((await as(bob, ['whoami'])).stdout, /^admin +yes$/m);
});

test('password: a user changes their own password and stays signed in', async () => {
  const admin = await loggedIn('admin');
  const erin = await newUser(admin, 'erin');
  const wrong = await as(erin, ['password', '--password-stdin'], 'not my password\nerin has a new one\n', 1);
  assert.equal(wrong.stderr, 'deployctl: the current password is wrong; the password was not changed\n');
  const changed = await as(erin, ['password', '--password-stdin'], `${PASSWORD}\nerin has a new one\n`);
  assert.match(changed.stdout, /signed in again/);
  assert.match((await as(erin, ['whoami'])).stdout, /^user +erin$/m);
  await loggedIn('erin', 'erin has a new one');
});

test('a user who is not an admin gets the server\'s refusal, not a stack trace', async () => {
  const admin = await loggedIn('admin');
  const frank = await newUser(admin, 'frank');
  const refused = await as(frank, ['users', 'list'], undefined, 1);
  assert.match(refused.stderr, /^deployctl: .*admin/);
  assert.equal(refused.stderr.split('\n').length, 2, 'one line');
});

test('members: an owner adds a member, changes the role and removes them; the member sees it in whoami', async () => {
  const admin = await loggedIn('admin');
  const carol = await newUser(admin, 'carol');
  await as(admin, ['projects', 'create', 'team', '--repo', workdir()]);
  assert.equal((await as(admin, ['members', 'set', 'team', 'carol', 'developer'])).stdout, 'carol is now developer of project team\n');
  assert.match((await as(admin, ['members', 'list', 'team'])).stdout, /^carol +developer +\d{4}-/m);
  assert.match((await as(carol, ['whoami'])).stdout, /^team +developer$/m);

  await as(admin, ['members', 'set', 'team', 'carol', 'viewer']);
  assert.match((await as(carol, ['whoami'])).stdout, /^team +viewer$/m);
  await as(admin, ['members', 'remove', 'team', 'carol']);
  assert.doesNotMatch((await as(admin, ['members', 'list', 'team'])).stdout, /carol/);

  const lastOwner = await as(admin, ['members', 'remove', 'team', 'admin'], undefined, 2);
  assert.match(lastOwner.stderr, /^deployctl: this is the project's last owner/);
  const badRole = await as(admin, ['members', 'set', 'team', 'carol', 'boss'], undefined, 2);
  assert.match(badRole.stderr, /value 'boss' is invalid for argument 'role'\. Allowed choices are viewer, developer, maintainer, owner/);
});

test('secrets: a value set via stdin is stored, listed by name, deleted, and never printed or saved locally', async () => {
  const admin = await loggedIn('admin');
  await as(admin, ['projects', 'create', 'vault', '--repo', workdir()]);
  const value = `sk_live_${randomBytes(12).toString('hex')}`;
  const outputs: CliResult[] = [];
  outputs.push(await as(admin, ['secrets', 'set', 'vault', 'api_key'], `${value}\n`));
  outputs.push(await as(admin, ['secrets', 'set', 'vault', 'API_KEY', '--environment', 'prod', '--json'], value));
  const listed = await as(admin, ['secrets', 'list', 'vault']);
  outputs.push(listed, await as(admin, ['secrets', 'list', 'vault', '--json']), await as(admin, ['audit', '--jsonl']));
  assert.equal(outputs[0]?.stdout, 'saved secret API_KEY of project vault (project-wide)\n');
  assert.match(listed.stdout, /^API_KEY +\(project-wide\) +\d{4}-.* +admin$/m);
  assert.match(listed.stdout, /^API_KEY +prod +/m);

  await as(admin, ['secrets', 'delete', 'vault', 'API_KEY', '--environment', 'prod']);
  assert.doesNotMatch((await as(admin, ['secrets', 'list', 'vault'])).stdout, /prod/);
  for (const output of outputs) assert.ok(!output.stdout.includes(value) && !output.stderr.includes(value), 'the value is never printed');
  assert.ok(!readFileSync(admin, 'utf8').includes(value), 'the value is not in the saved config');
});

test('secrets set with nothing on stdin is a clear usage error', async () => {
  const admin = await loggedIn('admin');
  const result = await as(admin, ['secrets', 'set', 'vault', 'EMPTY'], '', 2);
  assert.match(result.stderr, /^deployctl: no value for EMPTY: pipe it in on stdin/);
});

test('tokens: a scoped API token is shown once, works within its scope, is listed, and stops working when revoked', async () => {
  const admin = await loggedIn('admin');
  await as(admin, ['projects', 'create', 'scoped', '--repo', workdir()]);
  const created = await as(admin, ['tokens', 'create', 'reader', '--projects', 'scoped', '--role', 'viewer', '--expires-in', '30d']);
  const [first, token] = created.stdout.split('\n');
  const id = /\(id (\d+),/.exec(first ?? '')?.[1];
  assert.match(created.stdout, /it acts for you as viewer on scoped/);
  assert.ok(token && id, created.stdout);

  const withToken = newConfig();
  assert.match((await as(withToken, ['projects', 'list', '--server', server.url, '--token', token])).stdout, /^scoped /m);
  const denied = await as(withToken, ['run', 'scoped', '--server', server.url, '--token', token], undefined, 1);
  assert.match(denied.stderr, /^deployctl: .+/);

  assert.match((await as(admin, ['tokens', 'list'])).stdout, new RegExp(`^${id} +reader +api +viewer on scoped +`, 'm'));
  assert.equal((await as(admin, ['tokens', 'revoke', id])).stdout, `revoked token ${id}\n`);
  const revoked = await as(withToken, ['projects', 'list', '--server', server.url, '--token', token], undefined, 1);
  assert.equal(revoked.stderr, 'deployctl: the server rejected the token (log in again with deployctl login)\n');

  const registration = await as(admin, ['tokens', 'create', 'build-box', '--registration']);
  assert.match(registration.stdout, /^created runner-registration token "build-box"/);
});

test('audit: a readable table, filters, and every match as JSON lines', async () => {
  const admin = await loggedIn('admin');
  const viewer = await newUser(admin, 'gail');
  await as(admin, ['projects', 'create', 'audited', '--repo', workdir()]);
  await as(admin, ['members', 'set', 'audited', 'gail', 'viewer']);
  await as(viewer, ['secrets', 'list', 'audited'], undefined, 1);

  const table = await as(admin, ['audit', '--actor', 'gail', '--status', 'denied', '--since', '1h']);
  assert.match(table.stdout, /^TIME +ACTOR +ACTION +RESOURCE +STATUS +HTTP +SOURCE$/m);
  assert.match(table.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +gail +secret:list +\S+ +denied +403 +127\.0\.0\.1$/m);

  const exported = await as(admin, ['audit', '--action', 'member:manage', '--jsonl']);
  const entries = exported.stdout.trim().split('\n').map((line) => JSON.parse(line) as { action: string; actor: string });
  assert.ok(entries.length >= 1);
  assert.ok(entries.every((entry) => entry.action === 'member:manage'));

  const page = JSON.parse((await as(admin, ['audit', '--limit', '1', '--json'])).stdout) as { entries: unknown[]; next: number | null };
  assert.equal(page.entries.length, 1);
  assert.equal(typeof page.next, 'number');

  const bad = await as(admin, ['audit', '--since', 'yesterday'], undefined, 2);
  assert.match(bad.stderr, /^deployctl: --since expects an ISO date or time .* or how long ago \(24h, 7d, 30m\), got "yesterday"$/m);
});
