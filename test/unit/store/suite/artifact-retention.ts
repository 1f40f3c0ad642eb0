import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ControlStore } from '../../../../src/store/index.js';
import { createProject, createServerRun, withStore } from './fixtures.js';
import type { OpenEmptyStore } from './fixtures.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

async function commit(store: ControlStore, fields: { runId: number; projectId: number; name: string; size: number; digestChar: string; expiresAt?: number | null }) {
  const id = `${fields.runId}-${fields.name}`;
  await store.artifacts.startUpload({ id, runId: fields.runId, projectId: fields.projectId, jobKey: 'build', name: fields.name, digest: digest(fields.digestChar), size: fields.size, expiresAt: null, createdAt: 100 });
  return store.artifacts.commitArtifact(id, {
    runId: fields.runId,
    projectId: fields.projectId,
    jobKey: 'build',
    name: fields.name,
    digest: digest(fields.digestChar),
    size: fields.size,
    fileCount: 1,
    sbomDigest: digest('f'),
    // 4 base64 characters: each signature file is 5 bytes with its newline.
    signature: 'c2ln',
    sbomSignature: 'c2ln',
    createdAt: 200,
    expiresAt: fields.expiresAt ?? null,
  });
}

export function describeArtifactRetention(openEmpty: OpenEmptyStore): void {
  const it = (name: string, body: Parameters<typeof withStore>[1]) => test(name, withStore(openEmpty, body));

  describe('artifact retention', () => {
    it('lists every artifact with its project, pipeline, last use and expiry; a deleted one is gone once', async (store) => {
      const project = await createProject(store, 'shop');
      const run = await createServerRun(store, project.id, { name: 'release' });
      const dist = await commit(store, { runId: run.id, projectId: project.id, name: 'dist', size: 1000, digestChar: 'a', expiresAt: 9000 });
      await commit(store, { runId: run.id, projectId: project.id, name: 'docs', size: 10, digestChar: 'b' });
      await store.artifacts.markArtifactUsed(dist.id, 700);

      const listed = await store.artifactRetention.listRetentionCandidates();
      assert.deepEqual(
        listed.map((a) => [a.projectName, a.pipeline, a.runId, a.name, a.size, a.lastUsedAt, a.expiresAt, a.sbomSize]),
        [
          ['shop', 'release', run.id, 'dist', 1000, 700, 9000, null],
          ['shop', 'release', run.id, 'docs', 10, 200, null, null],
        ],
      );
      assert.equal(await store.artifactRetention.deleteArtifact(dist.id), true);
      assert.equal(await store.artifactRetention.deleteArtifact(dist.id), false, 'a second cleaner finds it gone');
      assert.deepEqual((await store.artifacts.listArtifacts(run.id)).map((a) => a.name), ['docs']);
    });

    it('stored bytes per project add archives, recorded SBOM sizes and signature files, largest project first', async (store) => {
      const shop = await createProject(store, 'shop');
      const blog = await createProject(store, 'blog');
      const shopRun = await createServerRun(store, shop.id);
      const blogRun = await createServerRun(store, blog.id);
      const big = await commit(store, { runId: shopRun.id, projectId: shop.id, name: 'dist', size: 5_000_000_000, digestChar: 'a' });
      await commit(store, { runId: blogRun.id, projectId: blog.id, name: 'site', size: 100, digestChar: 'b' });
      assert.equal((await store.artifactRetention.listUnsizedSboms()).length, 2);
      await store.artifactRetention.recordSbomSize(big.id, 300);

      assert.deepEqual((await store.artifactRetention.listUnsizedSboms()).map((a) => a.sbomDigest), [digest('f')]);
      assert.deepEqual(await store.artifactRetention.storageBytesByProject(), [
        { projectName: 'shop', bytes: 5_000_000_000 + 300 + 10 },
        { projectName: 'blog', bytes: 100 + 10 },
      ]);
    });

    it('the digests caches name are listed once each', async (store) => {
      const project = await createProject(store);
      const entry = { projectId: project.id, version: 'v1', size: 10, createdAt: 1, lastUsedAt: 1 };
      await store.caches.addCache({ ...entry, scope: 'main', key: 'a', digest: digest('c') });
      await store.caches.addCache({ ...entry, scope: 'feature', key: 'a', digest: digest('c') });
      await store.caches.addCache({ ...entry, scope: 'main', key: 'b', digest: digest('d') });
      assert.deepEqual((await store.artifactRetention.listCacheDigests()).sort(), [digest('c'), digest('d')]);
    });

    it('a periodic run is claimed by one caller until it is due again', async (store) => {
      assert.equal(await store.artifactRetention.claimPeriodicRun('cleanup', 1000, 5000), true, 'the first claim');
      assert.equal(await store.artifactRetention.claimPeriodicRun('cleanup', 1001, 5001), false, 'another server in the same period');
      assert.equal(await store.artifactRetention.claimPeriodicRun('other-duty', 1001, 5001), true, 'duties are claimed apart');
      assert.equal(await store.artifactRetention.claimPeriodicRun('cleanup', 5000, 9000), true, 'due again');
      assert.equal(await store.artifactRetention.claimPeriodicRun('cleanup', 5000, 9000), false);
    });
  });
}
