import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BlobDigest } from '../../../src/artifacts/index.js';
import { DiskBlobStore, sweepOrphanBlobs } from '../../../src/artifacts/index.js';
import { chunksOf, patternBytes } from './blob-store-suite.js';

const HOUR = 60 * 60 * 1000;

async function withStore(work: (store: DiskBlobStore) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'orphan-sweep-'));
  try {
    await work(new DiskBlobStore({ root }));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('unnamed blobs older than the grace period are deleted; named ones stay; a dry run only reports', async () => {
  await withStore(async (store) => {
    const named = await store.put(chunksOf(patternBytes(3000, 1)));
    const orphan = await store.put(chunksOf(patternBytes(2000, 2)));
    const options = { referenced: new Set<BlobDigest>([named.digest]), graceMs: HOUR, now: Date.now() + 2 * HOUR };

    const dry = await sweepOrphanBlobs(store, { ...options, dryRun: true });
    assert.deepEqual(dry, { orphans: 1, orphanBytes: 2000, referencedBlobs: 1, referencedBytes: 3000, spared: 0 });
    assert.equal(await store.has(orphan.digest), true, 'a dry run deletes nothing');

    const real = await sweepOrphanBlobs(store, { ...options, dryRun: false });
    assert.equal(real.orphans, 1);
    assert.equal(await store.has(orphan.digest), false);
    assert.equal(await store.has(named.digest), true);
  });
});

test('an unnamed blob younger than the grace period is spared: its name may not be written yet', async () => {
  await withStore(async (store) => {
    const fresh = await store.put(chunksOf(patternBytes(1000, 3)));
    const report = await sweepOrphanBlobs(store, { referenced: new Set(), graceMs: HOUR, now: Date.now(), dryRun: false });
    assert.deepEqual(report, { orphans: 0, orphanBytes: 0, referencedBlobs: 0, referencedBytes: 0, spared: 1 });
    assert.equal(await store.has(fresh.digest), true);
  });
});
