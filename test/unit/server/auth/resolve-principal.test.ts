import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { PrincipalResolver } from '../../../../src/server/auth/resolve-principal.js';
import type { SessionService } from '../../../../src/server/auth/sessions.js';
import { hashToken, newToken } from '../../../../src/server/auth/tokens.js';
import { openControlStore } from '../../../../src/store/index.js';
import type { TokenKind } from '../../../../src/store/index.js';

async function setUp(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'dl-principals-'));
  const store = await openControlStore({ sqlitePath: join(dir, 'db.sqlite') });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.migrate();
  let now = 1_700_000_000_000;
  const resolver = new PrincipalResolver(store, {} as SessionService, { now: () => now });
  const owner = await store.identity.createUser({ username: 'ada', passwordHash: 'unused', isAdmin: false, createdAt: now });
  const runner = await store.createRunner({ name: 'r1', labels: [], capacity: 1, version: 'test', createdAt: now });
  const token = async (kind: TokenKind, expiresAt: number | null = null) => {
    const text = newToken(kind === 'runner' ? 'runner' : 'api');
    const record = await store.createToken({
      name: kind,
      kind,
      tokenHash: hashToken(text),
      runnerId: kind === 'runner' ? runner.id : null,
      userId: kind === 'api' ? owner.id : null,
      createdAt: now,
      expiresAt,
    });
    return { text, id: record.id };
  };
  const who = (text: string) => resolver.fromHeader(`Bearer ${text}`).then(
    (principal) => principal.kind,
    (error: { code?: string }) => error.code,
  );
  return { store, token, who, advance: (ms: number) => (now += ms), now: () => now };
}

test('a revoked runner token keeps working for at most five seconds; a revoked API token stops at once', async (t) => {
  const { store, token, who, advance, now } = await setUp(t);
  const runner = await token('runner');
  const api = await token('api');
  assert.deepEqual([await who(runner.text), await who(api.text)], ['runner', 'api']);
  await store.revokeToken(runner.id, now());
  await store.revokeToken(api.id, now());
  advance(4_000);
  assert.deepEqual([await who(runner.text), await who(api.text)], ['runner', 'unauthorized']);
  advance(1_000);
  assert.equal(await who(runner.text), 'unauthorized');
});

test('a runner token stops working when it expires, whatever was remembered of it', async (t) => {
  const { token, who, advance, now } = await setUp(t);
  const runner = await token('runner', now() + 2_000);
  assert.equal(await who(runner.text), 'runner');
  advance(2_000);
  assert.equal(await who(runner.text), 'unauthorized');
});
