import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { systemClock, type Clock } from '../../core/index.js';
import { BlobDigestMismatchError, BlobNotFoundError, BlobSizeMismatchError } from './blob-errors.js';
import {
  DEFAULT_INCOMPLETE_UPLOAD_GRACE_MS,
  type BlobInfo,
  type BlobStore,
  type IncompleteUploadCleanup,
  type PutBlobOptions,
} from './blob-store.js';
import { digestHex, isBlobDigest, parseBlobDigest, type BlobDigest } from './digest.js';
import { ContentHasher, VerifyingStream } from './hashing.js';

export interface DiskBlobStoreOptions {
  /** The directory that holds `blobs/` and `uploads/`; created on the first put. */
  readonly root: string;
  readonly clock?: Clock;
}

const HEX = /^[0-9a-f]{64}$/;

/**
 * The default BlobStore: files named by their SHA-256 under `<root>/blobs/sha256/<first two hex>/<hex>`
 * (the fan-out keeps directories small). An upload is written to `<root>/uploads/<uuid>.part` on the same
 * file system, hashed as it streams, fsynced, and renamed into place only when its digest is known and
 * checked; rename is atomic, so a blob is either absent or whole. A killed upload leaves only its `.part`
 * file, which nothing reads and `removeIncompleteUploads` deletes. Stored files are made read-only.
 */
export class DiskBlobStore implements BlobStore {
  readonly description: string;
  private readonly blobsDir: string;
  private readonly uploadsDir: string;
  private readonly clock: Clock;

  constructor(options: DiskBlobStoreOptions) {
    this.description = `disk ${options.root}`;
    this.blobsDir = join(options.root, 'blobs', 'sha256');
    this.uploadsDir = join(options.root, 'uploads');
    this.clock = options.clock ?? systemClock;
  }

  async put(source: AsyncIterable<Uint8Array>, options: PutBlobOptions = {}): Promise<BlobInfo> {
    options.signal?.throwIfAborted();
    await mkdir(this.uploadsDir, { recursive: true });
    const tempPath = join(this.uploadsDir, `${randomUUID()}.part`);
    let placed = false;
    try {
      const hasher = new ContentHasher();
      const { expectedSize } = options;
      await pipelineAsync(
        source,
        async function* hash(chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            hasher.update(chunk);
            // Stop as soon as the sender overruns what it announced, instead of writing the rest.
            if (expectedSize !== undefined && hasher.size > expectedSize) throw new BlobSizeMismatchError(expectedSize, hasher.size);
            yield chunk;
          }
        },
        // `wx`: a fresh file of our own; `flush`: fsync before close, so the rename below publishes whole bytes.
        createWriteStream(tempPath, { flags: 'wx', mode: 0o600, flush: true }),
        ...(options.signal ? [{ signal: options.signal }] : []),
      );
      const digest = hasher.digest();
      if (expectedSize !== undefined && hasher.size !== expectedSize) throw new BlobSizeMismatchError(expectedSize, hasher.size);
      if (options.expectedDigest !== undefined && digest !== options.expectedDigest) {
        throw new BlobDigestMismatchError(options.expectedDigest, digest, hasher.size);
      }
      // Renamed into place even when these bytes are stored already: still one copy, and the fresh, verified
      // file replaces one that may have rotted, with a new mtime, so the cleaner's grace period protects a
      // blob that this put is about to hand to a new reference.
      const finalPath = this.pathOf(digest);
      await mkdir(join(finalPath, '..'), { recursive: true });
      await chmod(tempPath, 0o444);
      await rename(tempPath, finalPath);
      placed = true;
      await syncPath(join(finalPath, '..'));
      return { digest, size: hasher.size, storedAt: new Date(this.clock.now()) };
    } catch (thrown) {
      throw options.signal?.aborted ? options.signal.reason : thrown; // the caller's reason, not a generic AbortError
    } finally {
      if (!placed) await unlink(tempPath).catch(() => undefined);
    }
  }

  async adoptFile(path: string, blob: { readonly digest: BlobDigest; readonly size: number }): Promise<BlobInfo | undefined> {
    const finalPath = this.pathOf(blob.digest);
    const held = (await stat(path)).size;
    if (held !== blob.size) throw new BlobSizeMismatchError(blob.size, held);
    await syncPath(path);
    await mkdir(dirname(finalPath), { recursive: true });
    // A fresh mtime, as a put gives: the cleaner's grace period protects the blob until its reference is written.
    const now = new Date(this.clock.now());
    await utimes(path, now, now);
    await chmod(path, 0o444);
    try {
      await rename(path, finalPath);
    } catch (thrown) {
      if ((thrown as NodeJS.ErrnoException).code !== 'EXDEV') throw thrown;
      await chmod(path, 0o600);
      return undefined;
    }
    await syncPath(dirname(finalPath));
    return { digest: blob.digest, size: blob.size, storedAt: now };
  }

  async get(digest: BlobDigest): Promise<Readable> {
    let file;
    try {
      file = await open(this.pathOf(digest), 'r');
    } catch (thrown) {
      if (isNotFound(thrown)) throw new BlobNotFoundError(digest);
      throw thrown;
    }
    const verifying = new VerifyingStream(digest);
    // A reader that stops early destroys `verifying`; pipeline then closes the file too.
    pipeline(file.createReadStream({ highWaterMark: 256 * 1024 }), verifying, () => undefined);
    return verifying;
  }

  async stat(digest: BlobDigest): Promise<BlobInfo | undefined> {
    try {
      const info = await stat(this.pathOf(digest));
      return { digest, size: info.size, storedAt: info.mtime };
    } catch (thrown) {
      if (isNotFound(thrown)) return undefined;
      throw thrown;
    }
  }

  async has(digest: BlobDigest): Promise<boolean> {
    return (await this.stat(digest)) !== undefined;
  }

  async delete(digest: BlobDigest): Promise<boolean> {
    try {
      await unlink(this.pathOf(digest));
      return true;
    } catch (thrown) {
      if (isNotFound(thrown)) return false;
      throw thrown;
    }
  }

  async *list(): AsyncGenerator<BlobInfo> {
    for (const fanOut of await readdirIfExists(this.blobsDir)) {
      if (!/^[0-9a-f]{2}$/.test(fanOut)) continue;
      for (const name of await readdirIfExists(join(this.blobsDir, fanOut))) {
        const digest = `sha256:${name}`;
        if (!HEX.test(name) || !name.startsWith(fanOut) || !isBlobDigest(digest)) continue;
        const info = await this.stat(digest);
        if (info) yield info; // deleted since readdir otherwise
      }
    }
  }

  async downloadUrl(): Promise<undefined> {
    return undefined; // the server streams `get` itself
  }

  async removeIncompleteUploads(options: { readonly olderThanMs?: number } = {}): Promise<IncompleteUploadCleanup> {
    const olderThanMs = options.olderThanMs ?? DEFAULT_INCOMPLETE_UPLOAD_GRACE_MS;
    let removed = 0;
    for (const name of await readdirIfExists(this.uploadsDir)) {
      if (!name.endsWith('.part')) continue;
      const path = join(this.uploadsDir, name);
      try {
        // mtime, not ctime: a live upload keeps writing, so only an abandoned one grows old.
        if (this.clock.now() - (await stat(path)).mtimeMs < olderThanMs) continue;
        await unlink(path);
        removed += 1;
      } catch (thrown) {
        if (!isNotFound(thrown)) throw thrown; // finished or removed meanwhile
      }
    }
    return { removed };
  }

  private pathOf(digest: BlobDigest): string {
    const hex = digestHex(parseBlobDigest(digest)); // the type is a promise, the check makes it a path-safe fact
    return join(this.blobsDir, hex.slice(0, 2), hex);
  }
}

/** fsync of a file, or of a directory to make a rename durable: the entry is on disk once this resolves. */
async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readdirIfExists(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (thrown) {
    if (isNotFound(thrown)) return [];
    throw thrown;
  }
}

function isNotFound(thrown: unknown): boolean {
  return (thrown as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
