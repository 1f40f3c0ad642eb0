import type { BlobDigest } from './digest.js';

/** A named reference: a handbook 5.8 key (artifact-layout.ts) and the blob it names. */
export interface BlobRef {
  readonly key: string;
  readonly digest: BlobDigest;
}

/**
 * The names over the content-addressed BlobStore: `artifacts/p/app/v1.2/app.tar.gz` → `sha256:…`. Many keys
 * may name one blob (deduplication). Lifecycle: store the blob first, then `set` the key, so a key never
 * names a missing blob; delete keys first and let the cleaner remove blobs no key names (after a grace
 * period, since a blob stored a moment ago may not be named yet). `set` replaces atomically: a reader sees
 * the old or the new digest, never a mix. Keys are checked with parseRefKey; a bad key is an
 * InvalidRequestError. All methods may be called concurrently.
 */
export interface RefStore {
  set(key: string, digest: BlobDigest): Promise<void>;
  resolve(key: string): Promise<BlobDigest | undefined>;
  /** True when a reference was removed. */
  delete(key: string): Promise<boolean>;
  /** Every reference whose key starts with `prefix` (`artifacts/p/`), in no particular order. */
  list(prefix?: string): AsyncIterable<BlobRef>;
}
