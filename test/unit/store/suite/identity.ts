import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import type { KyselyControlStore } from '../../../../src/store/index.js';
import { createProject, withStore } from './fixtures.js';
import type { OpenEmptyStore } from './fixtures.js';

const newUser = (store: KyselyControlStore, username: string, isAdmin = false) =>
  store.identity.createUser({ username, passwordHash: `scrypt$hash-of-${username}`, isAdmin, createdAt: 100 });

export function describeIdentity(openEmpty: OpenEmptyStore): void {
  const it = (name: string, body: Parameters<typeof withStore>[1]) => test(name, withStore(openEmpty, body));

  describe('users and memberships', () => {
    it('a user name is unique; a second user with the same name is a conflict', async (store) => {
      const ada = await newUser(store, 'ada', true);
      assert.deepEqual(await store.identity.getUserByName('ada'), ada);
      assert.equal(ada.isAdmin, true);
      await assert.rejects(newUser(store, 'ada'), { code: 'user.exists' });
      assert.deepEqual((await store.identity.listUsers()).map((u) => u.username), ['ada']);
    });

    it('disabling a user and changing the password keep everything else', async (store) => {
      const ada = await newUser(store, 'ada');
      const changed = await store.identity.updateUser(ada.id, { passwordHash: 'scrypt$new', disabledAt: 500 });
      assert.deepEqual(changed, { ...ada, passwordHash: 'scrypt$new', disabledAt: 500 });
    });

    it("memberships give each user a role per project; setting again changes the role; a project's members are listed by name", async (store) => {
      const web = await createProject(store, 'web');
      const api = await createProject(store, 'api');
      const ada = await newUser(store, 'ada');
      const bob = await newUser(store, 'bob');
      await store.identity.setMembership(web.id, ada.id, 'owner', 100);
      await store.identity.setMembership(web.id, bob.id, 'viewer', 100);
      await store.identity.setMembership(api.id, bob.id, 'developer', 100);
      await store.identity.setMembership(web.id, bob.id, 'maintainer', 200);
      assert.deepEqual([...(await store.identity.rolesOf(bob.id))].sort(), [[web.id, 'maintainer'], [api.id, 'developer']].sort());
      assert.deepEqual((await store.identity.listMembers(web.id)).map((m) => [m.username, m.role]), [['ada', 'owner'], ['bob', 'maintainer']]);
      assert.equal(await store.identity.removeMembership(web.id, bob.id), true);
      assert.equal(await store.identity.removeMembership(web.id, bob.id), false);
      assert.deepEqual([...(await store.identity.rolesOf(bob.id))], [[api.id, 'developer']]);
    });
  });

  describe('refresh-token families', () => {
    it('a refresh token rotates once; the second rotation (a replay) fails and revoking the family ends it', async (store) => {
      const ada = await newUser(store, 'ada');
      const first = await store.identity.createRefreshToken({ familyId: 'f1', userId: ada.id, tokenHash: 'h1', createdAt: 100, expiresAt: 10_000 });
      assert.equal(await store.identity.markRefreshTokenRotated(first.id, 200), true);
      await store.identity.createRefreshToken({ familyId: 'f1', userId: ada.id, tokenHash: 'h2', createdAt: 200, expiresAt: 10_000 });
      assert.equal(await store.identity.refreshFamilyActive('f1', 300), true);
      assert.equal(await store.identity.markRefreshTokenRotated(first.id, 300), false);
      await store.identity.revokeRefreshFamily('f1', 300);
      assert.equal(await store.identity.refreshFamilyActive('f1', 300), false);
      assert.equal((await store.identity.findRefreshToken('h2'))?.revokedAt, 300);
    });

    it('a family whose last token expired is not active', async (store) => {
      const ada = await newUser(store, 'ada');
      await store.identity.createRefreshToken({ familyId: 'f1', userId: ada.id, tokenHash: 'h1', createdAt: 100, expiresAt: 1_000 });
      assert.equal(await store.identity.refreshFamilyActive('f1', 999), true);
      assert.equal(await store.identity.refreshFamilyActive('f1', 1_000), false);
    });
  });

  describe('secrets', () => {
    it('putting a secret again replaces it in place; names are per project and environment', async (store) => {
      const web = await createProject(store, 'web');
      const key = await store.secrets.addDataKey({ wrapped: 'w', nonce: 'n', masterKeyId: 'm1', createdAt: 100 });
      const base = { projectId: web.id, name: 'DB_PASSWORD', nonce: 'n', dataKeyId: key.id, updatedBy: 'ada' };
      const first = await store.secrets.putSecret({ ...base, environment: '', ciphertext: 'c1', updatedAt: 100 });
      await store.secrets.putSecret({ ...base, environment: 'production', ciphertext: 'c2', updatedAt: 100 });
      const replaced = await store.secrets.putSecret({ ...base, environment: '', ciphertext: 'c3', updatedAt: 200 });
      assert.equal(replaced.id, first.id);
      assert.equal(replaced.createdAt, 100);
      assert.deepEqual((await store.secrets.listSecrets(web.id)).map((s) => [s.environment, s.ciphertext]), [['', 'c3'], ['production', 'c2']]);
      assert.equal(await store.secrets.deleteSecret(web.id, 'production', 'DB_PASSWORD'), true);
      assert.equal(await store.secrets.deleteSecret(web.id, 'production', 'DB_PASSWORD'), false);
    });

    it('resealing loses to a write that came in between; a data key can be re-wrapped under another master key', async (store) => {
      const web = await createProject(store, 'web');
      const old = await store.secrets.addDataKey({ wrapped: 'w1', nonce: 'n', masterKeyId: 'm1', createdAt: 100 });
      const secret = await store.secrets.putSecret({ projectId: web.id, environment: '', name: 'A', ciphertext: 'c1', nonce: 'n', dataKeyId: old.id, updatedAt: 100, updatedBy: 'ada' });
      const current = await store.secrets.addDataKey({ wrapped: 'w2', nonce: 'n', masterKeyId: 'm2', createdAt: 200 });
      assert.equal((await store.secrets.currentDataKey())?.id, current.id);
      assert.equal(await store.secrets.resealSecret(secret.id, 99, { ciphertext: 'c2', nonce: 'n2', dataKeyId: current.id }), false);
      assert.equal(await store.secrets.resealSecret(secret.id, 100, { ciphertext: 'c2', nonce: 'n2', dataKeyId: current.id }), true);
      assert.deepEqual((await store.secrets.listSecretsByDataKey(current.id)).map((s) => s.ciphertext), ['c2']);
      await store.secrets.rewrapDataKey(old.id, 'w1-again', 'n2', 'm2');
      assert.deepEqual(await store.secrets.getDataKey(old.id), { ...old, wrapped: 'w1-again', nonce: 'n2', masterKeyId: 'm2' });
      assert.deepEqual((await store.secrets.listDataKeys()).map((k) => k.id), [old.id, current.id]);
    });
  });

  describe('audit log', () => {
    it('entries are filtered by actor, action, status, resource prefix and time, newest first', async (store) => {
      const entry = { actor: 'ada', action: 'run:trigger', resource: 'project:web', status: 'ok' as const, httpStatus: 201, traceId: 't', sourceIp: '127.0.0.1', detail: { ref: 'main' } };
      await store.audit.append({ ...entry, time: 100 });
      await store.audit.append({ ...entry, time: 200, actor: 'bob', status: 'denied', httpStatus: 403, resource: 'run:7' });
      await store.audit.append({ ...entry, time: 300, action: 'run:cancel', resource: 'run:8' });
      assert.deepEqual((await store.audit.query({ limit: 10 })).map((e) => e.time), [300, 200, 100]);
      assert.deepEqual((await store.audit.query({ limit: 10, actor: 'ada' })).map((e) => e.time), [300, 100]);
      assert.deepEqual((await store.audit.query({ limit: 10, status: 'denied' })).map((e) => [e.actor, e.httpStatus]), [['bob', 403]]);
      assert.deepEqual((await store.audit.query({ limit: 10, resource: 'run:' })).map((e) => e.resource), ['run:8', 'run:7']);
      assert.deepEqual((await store.audit.query({ limit: 10, resource: 'RUN:' })).length, 0);
      assert.deepEqual((await store.audit.query({ limit: 10, since: 150, until: 300 })).map((e) => e.time), [200]);
      const [newest] = await store.audit.query({ limit: 1 });
      assert.deepEqual((await store.audit.query({ limit: 10, beforeId: newest?.id })).map((e) => e.time), [200, 100]);
      assert.deepEqual(newest?.detail, { ref: 'main' });
    });

    it('the database itself refuses to change or delete an audit entry', async (store) => {
      await store.audit.append({ time: 100, actor: 'ada', action: 'run:trigger', resource: 'project:web', status: 'ok', httpStatus: 201, traceId: 't', sourceIp: '::1', detail: {} });
      const db = (store as unknown as { db: Parameters<ReturnType<typeof sql>['execute']>[0] }).db;
      await assert.rejects(sql`update audit_log set actor = 'mallory'`.execute(db), /append-only/);
      await assert.rejects(sql`delete from audit_log`.execute(db), /append-only/);
      if (store.dialect === 'postgres') await assert.rejects(sql`truncate audit_log`.execute(db), /append-only/);
      assert.equal((await store.audit.query({ limit: 10 }))[0]?.actor, 'ada');
    });
  });
}
