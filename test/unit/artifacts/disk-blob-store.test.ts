import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { digestHex, DiskBlobStore, DiskRefStore } from '../../../src/artifacts/index.js';
import { chunksOf, describeBlobStoreConformance, patternBytes } from './blob-store-suite.js';
import { describeRefStoreConformance } from './ref-store-suite.js';

describeBlobStoreConformance('disk', async () => {
  const root = await mkdtemp(join(tmpdir(), 'disk-blob-store-'));
  return {
    store: new DiskBlobStore({ root }),
    corrupt: async (digest, bytes) => {
      const path = join(root, 'blobs', 'sha256', digestHex(digest).slice(0, 2), digestHex(digest));
      await chmod(path, 0o644);
      await writeFile(path, bytes);
    },
    childConfig: { kind: 'disk', options: { root } },
    killLeavesTemporaryUpload: true,
    dispose: () => rm(root, { recursive: true, force: true }),
  };
});

test('blobs sit under blobs/sha256/<first two hex digits>/<hex>, read-only, with no upload left behind', async () => {
  const root = await mkdtemp(join(tmpdir(), 'disk-blob-store-'));
  try {
    const { digest } = await new DiskBlobStore({ root }).put(chunksOf(patternBytes(5000)));
    const hex = digestHex(digest);
    assert.deepEqual(await readdir(join(root, 'blobs', 'sha256', hex.slice(0, 2))), [hex]);
    assert.deepEqual(await readdir(join(root, 'uploads')), []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

describeRefStoreConformance('disk', async () => {
  const root = await mkdtemp(join(tmpdir(), 'disk-ref-store-'));
  return { refs: new DiskRefStore({ root }), dispose: () => rm(root, { recursive: true, force: true }) };
});

test('a reader that stops early closes the blob file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'disk-blob-store-'));
  try {
    const store = new DiskBlobStore({ root });
    const { digest } = await store.put(chunksOf(patternBytes(2 * 1024 * 1024)));
    const openFiles = async () => (await readdir('/proc/self/fd')).length;
    const before = await openFiles();
    const stream = await store.get(digest);
    for await (const chunk of stream) {
      assert.ok((chunk as Buffer).length > 0);
      break; // leaving the loop destroys the stream
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await openFiles(), before);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
