import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { digestHex, S3BlobStore, S3RefStore, type S3BlobStoreOptions } from '../../../src/artifacts/index.js';
import { chunksOf, describeBlobStoreConformance, patternBytes, readAll, sha256Of } from './blob-store-suite.js';
import { describeRefStoreConformance } from './ref-store-suite.js';
import { startS3TestServer, type S3TestServer } from './support/s3-test-server.js';

let server: S3TestServer;
before(async () => {
  server = await startS3TestServer();
});
after(() => server.stop());

function rawClient(options: S3BlobStoreOptions): S3Client {
  return new S3Client({ region: options.region, endpoint: options.endpoint, forcePathStyle: true, credentials: options.credentials });
}

describeBlobStoreConformance('s3', async () => {
  const options = server.storeOptions();
  const store = new S3BlobStore(options);
  const client = rawClient(options);
  return {
    store,
    corrupt: async (digest, bytes) => {
      const hex = digestHex(digest);
      await client.send(new PutObjectCommand({ Bucket: options.bucket, Key: `${options.prefix}blobs/sha256/${hex.slice(0, 2)}/${hex}`, Body: bytes }));
    },
    childConfig: { kind: 's3', options },
    // A put killed mid-stream leaves an incomplete multipart upload; the test server cannot list those.
    killLeavesTemporaryUpload: false,
    dispose: async () => {
      store.close();
      client.destroy();
    },
  };
});

test('a presigned URL downloads the blob with a plain fetch, and a tampered one is refused', async () => {
  const store = new S3BlobStore(server.storeOptions());
  try {
    const bytes = patternBytes(300_000);
    const { digest } = await store.put(chunksOf(bytes));
    const url = await store.downloadUrl(digest, { expiresInSeconds: 60, fileName: 'app v1".tar.gz' });
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-disposition'), 'attachment; filename="app v1_.tar.gz"');
    assert.equal(sha256Of(Buffer.from(await response.arrayBuffer())), digest);
    const tampered = new URL(url);
    tampered.searchParams.set('X-Amz-Expires', '600000');
    assert.equal((await fetch(tampered)).status, 403);
  } finally {
    store.close();
  }
});

test('a presigned URL is only given for a stored blob, for 1 s to 7 days', async () => {
  const store = new S3BlobStore(server.storeOptions());
  try {
    await assert.rejects(store.downloadUrl(sha256Of(Buffer.from('absent'))), { code: 'not-found' });
    const { digest } = await store.put(chunksOf(Buffer.from('present')));
    await assert.rejects(store.downloadUrl(digest, { expiresInSeconds: 8 * 24 * 3600 }), /1 to 604800 seconds/);
  } finally {
    store.close();
  }
});

test('above maxCopyObjectBytes the copy into place is a multipart UploadPartCopy', async () => {
  const store = new S3BlobStore(server.storeOptions({ maxCopyObjectBytes: 6 * 1024 * 1024, copyPartSizeBytes: 5 * 1024 * 1024 }));
  try {
    const bytes = patternBytes(11 * 1024 * 1024 + 17, 3);
    const { digest } = await store.put(chunksOf(bytes));
    assert.ok((await readAll(await store.get(digest))).equals(bytes));
  } finally {
    store.close();
  }
});

test('wrong credentials are refused by the server, and the error names no secret', async () => {
  const options = server.storeOptions({ credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'not-the-secret-key' } });
  const store = new S3BlobStore(options);
  try {
    await assert.rejects(store.put(chunksOf(Buffer.from('x'))), (error: Error) => {
      assert.match(error.name, /SignatureDoesNotMatch/);
      assert.doesNotMatch(`${error.message} ${error.stack}`, /not-the-secret-key/);
      return true;
    });
  } finally {
    store.close();
  }
});

test('a key prefix that could escape its folder is refused at configuration', () => {
  assert.throws(() => new S3BlobStore({ bucket: 'b', region: 'us-east-1', prefix: '../other/' }), /S3 key prefix/);
});

describeRefStoreConformance('s3', async () => {
  const refs = new S3RefStore(server.storeOptions());
  return { refs, dispose: async () => refs.close() };
});

test('cleanup deletes temporary objects an upload killed between upload and copy left behind, and says what it could not check', async () => {
  const options = server.storeOptions();
  const store = new S3BlobStore(options);
  const client = rawClient(options);
  try {
    await client.send(new PutObjectCommand({ Bucket: options.bucket, Key: `${options.prefix}uploads/left-behind`, Body: 'partial' }));
    assert.equal((await store.removeIncompleteUploads()).removed, 0, 'younger than the grace period');
    const cleanup = await store.removeIncompleteUploads({ olderThanMs: 0 });
    assert.equal(cleanup.removed, 1);
    assert.match(cleanup.unsupported ?? '', /AbortIncompleteMultipartUpload/);
    assert.equal((await store.removeIncompleteUploads({ olderThanMs: 0 })).removed, 0);
  } finally {
    store.close();
    client.destroy();
  }
});
