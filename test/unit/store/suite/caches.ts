import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CacheRecord } from '../../../../src/store/index.js';
import { createProject, withStore } from './fixtures.js';
import type { OpenEmptyStore } from './fixtures.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

export function describeCaches(openEmpty: OpenEmptyStore): void {
  const it = (name: string, body: Parameters<typeof withStore>[1]) => test(name, withStore(openEmpty, body));

  describe('caches', () => {
    it('the first save of a key stays; listing filters by version and scope; touch and remove act on one entry', async (store) => {
      const project = await createProject(store);
      const entry: CacheRecord = { projectId: project.id, scope: 'main', key: 'npm-abc', version: 'v1', digest: digest('a'), size: 3_000_000_000, createdAt: 100, lastUsedAt: 100 };
      assert.equal(await store.caches.addCache(entry), true);
      assert.equal(await store.caches.addCache({ ...entry, digest: digest('b') }), false, 'a second save of the key is refused');
      await store.caches.addCache({ ...entry, scope: 'topic', version: 'v2' });
      assert.deepEqual(await store.caches.listCaches(project.id, { version: 'v1', scopes: ['main', 'topic'] }), [entry]);
      assert.equal((await store.caches.listCaches(project.id)).length, 2);
      await store.caches.touchCache(entry, 500);
      assert.equal((await store.caches.listCaches(project.id, { version: 'v1', scopes: ['main'] }))[0]?.lastUsedAt, 500);
      assert.equal(await store.caches.cacheReferences(digest('a'), project.id), true);
      assert.equal(await store.caches.cacheReferences(digest('a'), project.id + 1), false, 'another project does not reach it');
      await store.caches.removeCache(entry);
      assert.equal(await store.caches.cacheReferences(digest('a')), true, 'the topic entry still names the blob');
      await store.caches.removeCache({ ...entry, scope: 'topic', version: 'v2' });
      assert.equal(await store.caches.cacheReferences(digest('a')), false);
    });
  });
}
