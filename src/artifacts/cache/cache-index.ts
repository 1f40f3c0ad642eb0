import type { BlobDigest } from '../blob-store/index.js';
import type { CacheEntry, CacheLookup, CacheMatch } from './cache-entry.js';

/**
 * Where cache entries are listed: a JSON file for `deploylite run`, a table of the control store for the
 * server. An entry is added only once its archive is stored whole, so a cache being written is never found.
 * All methods may be called concurrently.
 */
export interface CacheIndex {
  find(lookup: CacheLookup): Promise<CacheMatch | undefined>;
  /** False (and nothing changed) when the project already has an entry of this scope, key and version. */
  add(entry: CacheEntry): Promise<boolean>;
  touch(entry: CacheEntry, at: Date): Promise<void>;
  list(project: string): Promise<CacheEntry[]>;
  remove(entry: CacheEntry): Promise<void>;
  /** Whether any entry (of any project) still names the blob. */
  references(digest: BlobDigest): Promise<boolean>;
}
