import type { Readable } from 'node:stream';
import type { BlobDigest } from './digest.js';

/** What is known about a stored blob. */
export interface BlobInfo {
  readonly digest: BlobDigest;
  readonly size: number;
  /** When the blob was stored; the cleaner spares blobs younger than its grace period. */
  readonly storedAt: Date;
}

export interface PutBlobOptions {
  /** The digest the sender computed; content that hashes otherwise is rejected and nothing is stored. */
  readonly expectedDigest?: BlobDigest;
  /** The size the sender announced (Content-Length); checked like the digest. */
  readonly expectedSize?: number;
  /** Aborting stops reading, removes what was written and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface DownloadUrlOptions {
  /** How long the URL works; default 15 minutes, at most 7 days (the SigV4 limit). */
  readonly expiresInSeconds?: number;
  /** The file name a browser saves the download as (Content-Disposition). */
  readonly fileName?: string;
}

export interface IncompleteUploadCleanup {
  /** Temporary files or objects of uploads that never finished, now removed. */
  readonly removed: number;
  /** Set when the backend could not look for some kind of leftover (e.g. a server without ListMultipartUploads). */
  readonly unsupported?: string;
}

/**
 * Content-addressed storage of immutable blobs, named by the SHA-256 of their bytes.
 *
 * Lifecycle and guarantees, the same for every backend (test/unit/artifacts/blob-store-suite.ts checks them):
 * - `put` streams its source in constant memory and resolves only once the blob is durable and visible
 *   under its digest. Until then nothing is visible: not to `get`, `has`, `stat` or `list`, also when the
 *   process is killed in the middle. A put whose content does not match `expectedDigest`/`expectedSize`
 *   rejects and leaves nothing. Storing content that is already there keeps one copy (deduplication): the
 *   freshly verified bytes replace the stored ones atomically and `storedAt` becomes now, so a blob that a
 *   put has just reused is as young as a new one for the cleaner. Concurrent puts of the same bytes are safe.
 * - `get` returns a stream that hashes the bytes as they pass. If the stored bytes do not match the digest,
 *   the stream is destroyed with a `BlobCorruptedError` after the last byte: a client must treat any stream
 *   error as failure and discard what it received (the HTTP layer aborts the response, so a download is cut
 *   short instead of completed). A missing blob rejects with `BlobNotFoundError` before any byte.
 * - `delete` is idempotent. Deleting a blob that a concurrent `put` is storing again is a race the caller
 *   (the cleaner) avoids with a grace period: it only deletes blobs older than it that nothing references.
 * - Leftovers of killed uploads (temporary files, temporary objects) are invisible and are removed by
 *   `removeIncompleteUploads` once older than its grace period, so live uploads are never touched.
 * All methods may be called concurrently.
 */
export interface BlobStore {
  /** A short description for logs, e.g. `disk /var/lib/deploylite/blobs` or `s3 bucket/prefix`. No secrets. */
  readonly description: string;
  put(source: AsyncIterable<Uint8Array>, options?: PutBlobOptions): Promise<BlobInfo>;
  /**
   * Optional, for backends that keep files: moves `path`, a file whose bytes the caller hashed as it wrote
   * them, into the store under that digest without copying it (a multi-GB upload is then written once). The
   * caller vouches for the digest; the store checks the size, makes the file durable and publishes it
   * atomically like `put`. Resolves undefined, leaving the file where it was, when it cannot move it (another
   * file system): the caller then `put`s a copy.
   */
  adoptFile?(path: string, blob: { readonly digest: BlobDigest; readonly size: number }): Promise<BlobInfo | undefined>;
  get(digest: BlobDigest): Promise<Readable>;
  stat(digest: BlobDigest): Promise<BlobInfo | undefined>;
  has(digest: BlobDigest): Promise<boolean>;
  /** True when a blob was removed. */
  delete(digest: BlobDigest): Promise<boolean>;
  /** Every stored blob, in no particular order; for the cleaner, which compares it with the references. */
  list(): AsyncIterable<BlobInfo>;
  /**
   * A URL that downloads the blob without passing through this server (S3 presigned GET), or undefined where
   * the backend has none (disk: the server streams `get`). The URL's bytes are not verified by the store, so
   * the client checks them against the digest it was given with the URL.
   */
  downloadUrl(digest: BlobDigest, options?: DownloadUrlOptions): Promise<string | undefined>;
  removeIncompleteUploads(options?: { readonly olderThanMs?: number }): Promise<IncompleteUploadCleanup>;
}

/** Uploads idle longer than this are taken as dead: a live upload keeps writing. */
export const DEFAULT_INCOMPLETE_UPLOAD_GRACE_MS = 60 * 60 * 1000;
export const DEFAULT_DOWNLOAD_URL_SECONDS = 15 * 60;
export const MAX_DOWNLOAD_URL_SECONDS = 7 * 24 * 60 * 60;
