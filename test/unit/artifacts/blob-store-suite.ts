// The behaviour every BlobStore must have (src/artifacts/blob-store/blob-store.ts), run against each backend:
// the same tests, one instantiation per backend (disk-blob-store.test.ts, s3-blob-store.test.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import {
  BlobCorruptedError,
  BlobDigestMismatchError,
  BlobNotFoundError,
  BlobSizeMismatchError,
  type BlobDigest,
  type BlobInfo,
  type BlobStore,
} from '../../../src/artifacts/index.js';
import { InvalidRequestError } from '../../../src/core/index.js';

export interface BlobStoreFixture {
  readonly store: BlobStore;
  /** Replaces the stored bytes of a blob behind the store's back (bit rot, a manual edit). */
  corrupt(digest: BlobDigest, bytes: Buffer): Promise<void>;
  /** What tests/unit/artifacts/support/put-until-killed.ts needs to open the same store in a child process. */
  readonly childConfig: { readonly kind: 'disk' | 's3'; readonly options: unknown };
  /** Whether a killed put leaves a temporary file or object that cleanup finds (disk), or only an incomplete
   *  multipart upload that the test server cannot list (s3rver has no ListMultipartUploads). */
  readonly killLeavesTemporaryUpload: boolean;
  dispose(): Promise<void>;
}

const PUT_UNTIL_KILLED = fileURLToPath(new URL('./support/put-until-killed.ts', import.meta.url));

export function sha256Of(bytes: Buffer): BlobDigest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Deterministic bytes that differ chunk to chunk, so a misplaced chunk changes the digest. */
export function patternBytes(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE((Math.imul(i + seed, 2654435761) >>> 0) % 2 ** 32, Math.min(i, size - 4));
  return bytes;
}

export async function* chunksOf(bytes: Buffer, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += chunkSize) yield bytes.subarray(start, start + chunkSize);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listAll(store: BlobStore): Promise<BlobInfo[]> {
  const found: BlobInfo[] = [];
  for await (const blob of store.list()) found.push(blob);
  return found;
}

export function describeBlobStoreConformance(name: string, makeFixture: () => Promise<BlobStoreFixture>): void {
  const withStore = async (body: (fixture: BlobStoreFixture) => Promise<void>) => {
    const fixture = await makeFixture();
    try {
      await body(fixture);
    } finally {
      await fixture.dispose();
    }
  };

  describe(`BlobStore conformance: ${name}`, () => {
    test('a put streams the bytes in and a get gives the same bytes back under their SHA-256', () =>
      withStore(async ({ store }) => {
        const bytes = patternBytes(12 * 1024 * 1024 + 3); // more than two S3 parts of 5 MiB
        const stored = await store.put(chunksOf(bytes));
        assert.deepEqual([stored.digest, stored.size], [sha256Of(bytes), bytes.length]);
        assert.ok((await readAll(await store.get(stored.digest))).equals(bytes));
        assert.equal((await store.stat(stored.digest))?.size, bytes.length);
      }));

    test('an empty blob is a blob too', () =>
      withStore(async ({ store }) => {
        const stored = await store.put(chunksOf(Buffer.alloc(0)));
        assert.equal(stored.digest, sha256Of(Buffer.alloc(0)));
        assert.equal((await readAll(await store.get(stored.digest))).length, 0);
      }));

    test('the same content put twice, also at once, is stored once', () =>
      withStore(async ({ store }) => {
        const bytes = patternBytes(300_000);
        const [first, second] = await Promise.all([store.put(chunksOf(bytes)), store.put(chunksOf(bytes, 1000))]);
        const third = await store.put(chunksOf(bytes));
        assert.deepEqual([second.digest, third.digest], [first.digest, first.digest]);
        assert.deepEqual((await listAll(store)).map((blob) => [blob.digest, blob.size]), [[first.digest, bytes.length]]);
      }));

    test('content that does not match the digest the sender promised is rejected and nothing is left', () =>
      withStore(async ({ store }) => {
        const bytes = patternBytes(200_000);
        const promised = sha256Of(Buffer.from('something else'));
        await assert.rejects(store.put(chunksOf(bytes), { expectedDigest: promised }), (error: unknown) => {
          assert.ok(error instanceof BlobDigestMismatchError);
          assert.deepEqual([error.code, error.expected, error.actual], ['blob.digest-mismatch', promised, sha256Of(bytes)]);
          return true;
        });
        assert.equal(await store.has(sha256Of(bytes)), false);
        assert.deepEqual(await listAll(store), []);
        assert.equal((await store.removeIncompleteUploads({ olderThanMs: 0 })).removed, 0);
      }));

    test('content shorter or longer than the announced size is rejected and nothing is left', () =>
      withStore(async ({ store }) => {
        const bytes = patternBytes(100_000);
        await assert.rejects(store.put(chunksOf(bytes), { expectedSize: bytes.length + 1 }), BlobSizeMismatchError);
        await assert.rejects(store.put(chunksOf(bytes), { expectedSize: 1000 }), BlobSizeMismatchError);
        assert.deepEqual(await listAll(store), []);
      }));

    test('a put with the right expected digest and size is stored', () =>
      withStore(async ({ store }) => {
        const bytes = patternBytes(70_000);
        const stored = await store.put(chunksOf(bytes), { expectedDigest: sha256Of(bytes), expectedSize: bytes.length });
        assert.equal(await store.has(stored.digest), true);
      }));

    test('an aborted put rejects with the reason and leaves nothing', () =>
      withStore(async ({ store }) => {
        const controller = new AbortController();
        async function* slow(): AsyncGenerator<Uint8Array> {
          yield patternBytes(64 * 1024);
          controller.abort(new Error('client went away'));
          yield patternBytes(64 * 1024, 2);
        }
        await assert.rejects(store.put(slow(), { signal: controller.signal }), /client went away/);
        assert.deepEqual(await listAll(store), []);
      }));

    test('a corrupted blob is detected at get: the stream fails with BlobCorruptedError and is cut short', () =>
      withStore(async ({ store, corrupt }) => {
        const bytes = patternBytes(1024 * 1024);
        const { digest } = await store.put(chunksOf(bytes));
        const damaged = Buffer.from(bytes);
        damaged.writeUInt8(damaged.readUInt8(500_000) ^ 0xff, 500_000);
        await corrupt(digest, damaged);
        const received: Buffer[] = [];
        const stream = await store.get(digest);
        await assert.rejects(
          (async () => {
            for await (const chunk of stream) received.push(chunk as Buffer);
          })(),
          (error: unknown) => error instanceof BlobCorruptedError && error.code === 'blob.corrupted' && error.digest === digest,
        );
        assert.ok(Buffer.concat(received).length < bytes.length, 'the last bytes are held back, never delivered');
      }));

    test('putting the bytes of a corrupted blob again repairs it', () =>
      withStore(async ({ store, corrupt }) => {
        const bytes = patternBytes(100_000);
        const { digest } = await store.put(chunksOf(bytes));
        await corrupt(digest, Buffer.from('rotten'));
        await store.put(chunksOf(bytes));
        assert.ok((await readAll(await store.get(digest))).equals(bytes));
      }));

    test('a missing blob is BlobNotFoundError, and has/stat say no', () =>
      withStore(async ({ store }) => {
        const missing = sha256Of(Buffer.from('never stored'));
        await assert.rejects(store.get(missing), BlobNotFoundError);
        assert.deepEqual([await store.has(missing), await store.stat(missing)], [false, undefined]);
      }));

    test('a digest that is not sha256:<64 hex> is refused before it reaches a path or key', () =>
      withStore(async ({ store }) => {
        await assert.rejects(store.get('sha256:../../../etc/passwd' as BlobDigest), InvalidRequestError);
        await assert.rejects(store.stat(`sha256:${'A'.repeat(64)}` as BlobDigest), InvalidRequestError);
      }));

    test('delete removes a blob once and is idempotent', () =>
      withStore(async ({ store }) => {
        const { digest } = await store.put(chunksOf(Buffer.from('short-lived')));
        assert.deepEqual([await store.delete(digest), await store.delete(digest), await store.has(digest)], [true, false, false]);
      }));

    test('list gives every stored blob with its size, for the cleaner', () =>
      withStore(async ({ store }) => {
        const blobs = [Buffer.from('one'), patternBytes(10_000), patternBytes(20_000, 7)];
        for (const bytes of blobs) await store.put(chunksOf(bytes));
        const listed = (await listAll(store)).map((blob) => `${blob.digest} ${blob.size}`).sort();
        assert.deepEqual(listed, blobs.map((bytes) => `${sha256Of(bytes)} ${bytes.length}`).sort());
      }));

    test('a put killed with SIGKILL in the middle leaves nothing visible, and cleanup removes its leftovers', () =>
      withStore(async ({ store, childConfig, killLeavesTemporaryUpload }) => {
        const child = spawn(process.execPath, ['--import', 'tsx', PUT_UNTIL_KILLED, JSON.stringify(childConfig)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const exited = once(child, 'exit');
        for await (const line of child.stdout) if (String(line).includes('uploading')) break;
        child.kill('SIGKILL');
        assert.deepEqual(await exited, [null, 'SIGKILL']);
        assert.deepEqual(await listAll(store), []);
        assert.equal((await store.removeIncompleteUploads()).removed, 0, 'the default grace period spares recent uploads');
        const cleanup = await store.removeIncompleteUploads({ olderThanMs: 0 });
        assert.equal(cleanup.removed, killLeavesTemporaryUpload ? 1 : 0);
        assert.equal((await store.removeIncompleteUploads({ olderThanMs: 0 })).removed, 0);
        assert.deepEqual(await listAll(store), []);
      }));
  });
}
