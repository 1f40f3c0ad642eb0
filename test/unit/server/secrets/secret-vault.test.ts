import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { sql } from 'kysely';
import { addMasterKey, loadMasterKeys, retireOldMasterKeys } from '../../../../src/server/secrets/master-keys.js';
import { SecretVault } from '../../../../src/server/secrets/secret-vault.js';
import { openControlStore } from '../../../../src/store/index.js';
import type { KyselyControlStore, ProjectRecord } from '../../../../src/store/index.js';

const clock = { now: () => 1_700_000_000_000 };

async function setUp(t: TestContext): Promise<{ dir: string; store: KyselyControlStore; vault: SecretVault; web: ProjectRecord; api: ProjectRecord }> {
  const dir = mkdtempSync(join(tmpdir(), 'dl-vault-'));
  const store = await openControlStore({ sqlitePath: join(dir, 'db.sqlite') });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.migrate();
  const project = (name: string) =>
    store.createProject({ name, repository: '/r', pipelinePath: '.deploylite.yml', defaultBranch: 'main', webhookSecret: 's', maxConcurrentJobs: null }, 0);
  return { dir, store, vault: new SecretVault(store.secrets, loadMasterKeys(dir), clock), web: await project('web'), api: await project('api') };
}

const rawRows = (store: KyselyControlStore) => store.secrets.listSecrets(1).then((rows) => rows.map((r) => r.ciphertext));

test('a stored secret is only ciphertext in the database and comes back only when asked for by name', async (t) => {
  const { store, vault, web } = await setUp(t);
  const info = await vault.put(web.id, null, 'DB_PASSWORD', 'hunter2-very-secret', 'ada');
  assert.deepEqual(Object.keys(info).sort(), ['createdAt', 'environment', 'name', 'updatedAt', 'updatedBy']);
  const [row] = await store.secrets.listSecrets(web.id);
  assert.doesNotMatch(JSON.stringify(row), /hunter2/);
  assert.doesNotMatch(Buffer.from(row?.ciphertext ?? '', 'base64').toString('latin1'), /hunter2/);
  assert.deepEqual(await vault.resolve(web.id, null, ['DB_PASSWORD', 'MISSING']), { DB_PASSWORD: 'hunter2-very-secret' });
  assert.deepEqual(await vault.resolve(web.id, null, []), {});
});

test("an environment's secret overrides the project-wide one only in that environment", async (t) => {
  const { vault, web } = await setUp(t);
  await vault.put(web.id, null, 'TOKEN', 'project-wide', 'ada');
  await vault.put(web.id, 'production', 'TOKEN', 'prod-only', 'ada');
  assert.deepEqual(await vault.resolve(web.id, 'production', ['TOKEN']), { TOKEN: 'prod-only' });
  assert.deepEqual(await vault.resolve(web.id, 'staging', ['TOKEN']), { TOKEN: 'project-wide' });
  assert.deepEqual(await vault.resolve(web.id, null, ['TOKEN']), { TOKEN: 'project-wide' });
});

test("a ciphertext copied onto another project's row does not decrypt there", async (t) => {
  const { store, vault, web, api } = await setUp(t);
  await vault.put(web.id, null, 'TOKEN', 'web-secret', 'ada');
  await vault.put(api.id, null, 'TOKEN', 'api-secret', 'ada');
  const [webRow] = await store.secrets.listSecrets(web.id);
  const db = (store as unknown as { db: Parameters<ReturnType<typeof sql>['execute']>[0] }).db;
  await sql`update secrets set ciphertext = ${webRow?.ciphertext}, nonce = ${webRow?.nonce} where project_id = ${api.id}`.execute(db);
  await assert.rejects(vault.resolve(api.id, null, ['TOKEN']), /cannot be decrypted/);
});

test('rotating the master key changes every ciphertext, the secrets still decrypt, and the old key can be retired', async (t) => {
  const { dir, store, vault, web } = await setUp(t);
  await vault.put(web.id, null, 'A', 'value-a', 'ada');
  await vault.put(web.id, 'production', 'B', 'value-b', 'ada');
  const before = await rawRows(store);
  const oldMaster = loadMasterKeys(dir).current().id;

  addMasterKey(dir);
  const report = await vault.rotate();
  assert.equal(report.resealed, 2);
  assert.equal(report.dataKeysRewrapped, 1);
  const after = await rawRows(store);
  assert.notDeepEqual(after[0], before[0]);
  assert.notDeepEqual(after[1], before[1]);
  assert.ok((await store.secrets.listDataKeys()).every((k) => k.masterKeyId === report.masterKeyId && k.masterKeyId !== oldMaster));

  retireOldMasterKeys(dir);
  const restarted = new SecretVault(store.secrets, loadMasterKeys(dir), clock);
  assert.deepEqual(await restarted.resolve(web.id, 'production', ['A', 'B']), { A: 'value-a', B: 'value-b' });
});

test('without the master key the data key was wrapped under, reading a secret is a clear error', async (t) => {
  const { store, vault, web } = await setUp(t);
  await vault.put(web.id, null, 'A', 'value-a', 'ada');
  const otherDir = mkdtempSync(join(tmpdir(), 'dl-vault-other-'));
  t.after(() => rmSync(otherDir, { recursive: true, force: true }));
  const stranger = new SecretVault(store.secrets, loadMasterKeys(otherDir), clock);
  await assert.rejects(stranger.resolve(web.id, null, ['A']), /wrapped under master key [0-9a-f]{16}, which .* does not hold/);
});

test('a queued job\'s sealed secrets open only for that job, also after the master key rotated', async (t) => {
  const { dir, store, vault } = await setUp(t);
  const sealed = await vault.seal({ secrets: { A: 'value-a' } }, 'run=1:job=build');
  assert.doesNotMatch(sealed, /value-a/);
  await assert.rejects(vault.open(sealed, 'run=1:job=deploy'), /belong to another job/);
  addMasterKey(dir);
  await vault.rotate();
  retireOldMasterKeys(dir);
  const restarted = new SecretVault(store.secrets, loadMasterKeys(dir), clock);
  assert.deepEqual(await restarted.open(sealed, 'run=1:job=build'), { secrets: { A: 'value-a' } });
});
