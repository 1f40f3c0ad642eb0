import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
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

test('adoptFile moves an already hashed file into place without a copy; a file of another size is refused and left alone', async () => {
  const root = await mkdtemp(join(tmpdir(), 'disk-blob-store-'));
  try {
    const store = new DiskBlobStore({ root });
    const bytes = patternBytes(5000);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as const;
    const staged = join(root, 'staged.part');
    await writeFile(staged, bytes);
    await assert.rejects(store.adoptFile(staged, { digest, size: 4999 }), { code: 'blob.size-mismatch' });
    assert.equal(await store.has(digest), false);
    const inode = (await stat(staged)).ino;
    assert.equal((await store.adoptFile(staged, { digest, size: 5000 }))?.digest, digest);
    const hex = digestHex(digest);
    assert.equal((await stat(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex))).ino, inode);
    assert.deepEqual(await readdir(root).then((names) => names.filter((name) => name.endsWith('.part'))), []);
    const read: Buffer[] = [];
    for await (const chunk of await store.get(digest)) read.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(read), Buffer.from(bytes));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
