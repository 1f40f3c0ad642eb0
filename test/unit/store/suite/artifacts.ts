import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewArtifact } from '../../../../src/store/index.js';
import { createProject, createServerRun, withStore } from './fixtures.js';
import type { OpenEmptyStore } from './fixtures.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

export function describeArtifacts(openEmpty: OpenEmptyStore): void {
  const it = (name: string, body: Parameters<typeof withStore>[1]) => test(name, withStore(openEmpty, body));

  describe('artifacts', () => {
    it('an upload is not an artifact until committed; committing replaces the upload atomically', async (store) => {
      const project = await createProject(store);
      const run = await createServerRun(store, project.id);
      const upload = await store.artifacts.startUpload({ id: 'u1', runId: run.id, projectId: project.id, jobKey: 'build', name: 'dist', digest: digest('a'), size: 10, expiresAt: null, createdAt: 100 });
      assert.equal(upload.received, 0);
      assert.equal(await store.artifacts.advanceUpload('u1', 0, 4, 110), true);
      assert.equal(await store.artifacts.advanceUpload('u1', 0, 8, 120), false, 'a stale offset does not move it');
      assert.deepEqual(await store.artifacts.listArtifacts(run.id), []);
      assert.deepEqual((await store.artifacts.listStaleUploads(111)).map((u) => u.id), ['u1'], 'last written at 110');
      assert.deepEqual(await store.artifacts.listStaleUploads(110), []);
      const artifact: NewArtifact = { runId: run.id, projectId: project.id, jobKey: 'build', name: 'dist', digest: digest('a'), size: 10, fileCount: 2, sbomDigest: digest('b'), signature: 'c2ln', sbomSignature: 'c2ln', createdAt: 200, expiresAt: 5000 };
      const committed = await store.artifacts.commitArtifact('u1', artifact);
      assert.deepEqual(committed, { ...artifact, id: committed.id, lastUsedAt: 200 });
      assert.deepEqual(await store.artifacts.listArtifacts(run.id), [committed]);
      assert.equal(await store.artifacts.getUpload('u1'), undefined);
      await assert.rejects(store.artifacts.commitArtifact('u1', artifact), { code: 'not-found' });
      await store.artifacts.markArtifactUsed(committed.id, 300);
      assert.equal((await store.artifacts.getArtifact(run.id, 'dist'))?.lastUsedAt, 300);
    });

    it('a new upload of the same name replaces the one in progress; a re-commit replaces the artifact', async (store) => {
      const project = await createProject(store);
      const run = await createServerRun(store, project.id);
      const base = { runId: run.id, projectId: project.id, jobKey: 'build', name: 'dist', size: 10, expiresAt: null, createdAt: 100 };
      await store.artifacts.startUpload({ ...base, id: 'u1', digest: digest('a') });
      await store.artifacts.startUpload({ ...base, id: 'u2', digest: digest('c') });
      assert.equal(await store.artifacts.getUpload('u1'), undefined);
      assert.equal((await store.artifacts.findUpload(run.id, 'dist'))?.id, 'u2');
    });

    it('a project keeps the first signing key stored', async (store) => {
      const project = await createProject(store);
      const first = await store.artifacts.putSigningKeyIfAbsent({ projectId: project.id, publicKeyPem: 'pub1', sealedPrivateKey: 's1', createdAt: 1 });
      const second = await store.artifacts.putSigningKeyIfAbsent({ projectId: project.id, publicKeyPem: 'pub2', sealedPrivateKey: 's2', createdAt: 2 });
      assert.deepEqual(second, first);
      assert.equal(first.publicKeyPem, 'pub1');
    });
  });
}
