import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { createAccessTokenSigner } from '../../../../src/server/auth/access-tokens.js';
import { LoginThrottle } from '../../../../src/server/auth/login-throttle.js';
import { hashPassword } from '../../../../src/server/auth/passwords.js';
import { SessionService } from '../../../../src/server/auth/sessions.js';
import { openControlStore } from '../../../../src/store/index.js';

const PASSWORD = 'correct horse battery staple';

async function setUp(t: TestContext, limits = { perUserAndAddress: 3, perAddress: 100, windowSeconds: 60 }) {
  const dir = mkdtempSync(join(tmpdir(), 'dl-sessions-'));
  const store = await openControlStore({ sqlitePath: join(dir, 'db.sqlite') });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.migrate();
  let now = 1_700_000_000_000;
  const clock = { now: () => now };
  const events = { failed: [] as string[], replays: 0 };
  const sessions = new SessionService({
    identity: store.identity,
    signer: createAccessTokenSigner(Buffer.alloc(32, 3)),
    throttle: new LoginThrottle(limits),
    clock,
    events: { loginFailed: (reason) => events.failed.push(reason), refreshReplayed: () => events.replays++ },
  });
  const ada = await store.identity.createUser({ username: 'ada', passwordHash: await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }), isAdmin: false, createdAt: now });
  return { store, sessions, events, ada, advance: (ms: number) => (now += ms) };
}

test('a login returns tokens that authenticate; a weakly hashed password is re-hashed on the way', async (t) => {
  const { store, sessions, ada } = await setUp(t);
  const tokens = await sessions.login('ada', PASSWORD, '10.0.0.1');
  assert.equal(tokens.user.username, 'ada');
  assert.equal((await sessions.authenticate(tokens.accessToken)).user.id, ada.id);
  assert.match((await store.identity.getUser(ada.id))?.passwordHash ?? '', /^scrypt\$32768\$8\$3\$/);
});

test('a wrong password and an unknown user get the same answer', async (t) => {
  const { sessions, events } = await setUp(t);
  await assert.rejects(sessions.login('ada', 'wrong password!', '10.0.0.1'), { code: 'unauthorized', message: 'wrong user name or password' });
  await assert.rejects(sessions.login('nobody', PASSWORD, '10.0.0.1'), { code: 'unauthorized', message: 'wrong user name or password' });
  assert.deepEqual(events.failed, ['password', 'password']);
});

test('refresh rotates the token; presenting the old one again revokes the whole session', async (t) => {
  const { sessions, events } = await setUp(t);
  const first = await sessions.login('ada', PASSWORD, '10.0.0.1');
  const second = await sessions.refresh(first.refreshToken);
  assert.notEqual(second.refreshToken, first.refreshToken);
  await sessions.authenticate(second.accessToken);

  await assert.rejects(sessions.refresh(first.refreshToken), /already used/);
  assert.equal(events.replays, 1);
  await assert.rejects(sessions.refresh(second.refreshToken), /unknown or revoked/);
  await assert.rejects(sessions.authenticate(second.accessToken), /session has ended/);
});

test('logout ends the session: its access token stops working before it expires', async (t) => {
  const { sessions } = await setUp(t);
  const tokens = await sessions.login('ada', PASSWORD, '10.0.0.1');
  const other = await sessions.login('ada', PASSWORD, '10.0.0.2');
  await sessions.logout((await sessions.authenticate(tokens.accessToken)).sessionId);
  await assert.rejects(sessions.authenticate(tokens.accessToken), /session has ended/);
  await assert.rejects(sessions.refresh(tokens.refreshToken), /unknown or revoked/);
  await sessions.authenticate(other.accessToken);
});

test('an access token expires after 15 minutes and a refresh token after its lifetime', async (t) => {
  const { sessions, advance } = await setUp(t);
  const tokens = await sessions.login('ada', PASSWORD, '10.0.0.1');
  advance(15 * 60 * 1000 + 1000);
  await assert.rejects(sessions.authenticate(tokens.accessToken), /expired/);
  const renewed = await sessions.refresh(tokens.refreshToken);
  advance(15 * 24 * 60 * 60 * 1000);
  await assert.rejects(sessions.refresh(renewed.refreshToken), /expired/);
});

test('after too many failures from one address even the right password waits; another address still signs in', async (t) => {
  const { sessions, events } = await setUp(t);
  for (let i = 0; i < 3; i++) await assert.rejects(sessions.login('ada', `guess ${i} guess`, '10.0.0.9'), /wrong/);
  await assert.rejects(sessions.login('ada', PASSWORD, '10.0.0.9'), { code: 'auth.throttled' });
  assert.equal(events.failed.at(-1), 'throttled');
  await sessions.login('ada', PASSWORD, '10.0.0.1');
});

test('a disabled account cannot sign in, and its live sessions stop working', async (t) => {
  const { store, sessions, ada, advance } = await setUp(t);
  const tokens = await sessions.login('ada', PASSWORD, '10.0.0.1');
  await store.identity.updateUser(ada.id, { disabledAt: advance(1) });
  await assert.rejects(sessions.login('ada', PASSWORD, '10.0.0.1'), /disabled/);
  await assert.rejects(sessions.authenticate(tokens.accessToken), /disabled/);
  await assert.rejects(sessions.refresh(tokens.refreshToken), /disabled/);
});
