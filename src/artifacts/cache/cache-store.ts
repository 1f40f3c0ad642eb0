import type { Clock } from '../../core/index.js';
import type { BlobDigest, BlobInfo, BlobStore } from '../blob-store/index.js';
import { startsLikeCacheArchive } from './cache-archive.js';
import type { CacheEntry, CacheLookup, CacheMatch } from './cache-entry.js';
import { planCacheEviction } from './cache-entry.js';
import type { CacheIndex } from './cache-index.js';

/** GitHub's budget per repository; the local default is the same. */
export const DEFAULT_CACHE_BUDGET_BYTES = 10 * 1024 ** 3;

export interface CacheStoreOptions {
  readonly index: CacheIndex;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  /** Per project: once the entries add up to more, the least recently used are evicted. */
  readonly budgetBytes?: number;
  /**
   * Whether eviction deletes an archive no cache entry names any more (the default). The server says no: its
   * blob store also holds artifacts, SBOMs and signatures, which the cache index does not know of, and a runner
   * can commit any digest the store holds; its cleaner's orphan sweep, which knows every name and spares
   * young blobs, deletes evicted archives instead.
   */
  readonly deleteEvictedArchives?: boolean;
}

export interface CacheSaveTarget {
  readonly project: string;
  readonly scope: string;
  readonly key: string;
  readonly version: string;
}

/**
 * Caches: archives in a blob store, named by an index. Saving stores the archive first and adds the entry
 * after, so a lookup never finds an archive still being written; a second save of the same key finds the entry
 * there and keeps the first (entries are immutable, as in actions/cache).
 */
export class CacheStore {
  readonly budgetBytes: number;

  constructor(private readonly options: CacheStoreOptions) {
    this.budgetBytes = options.budgetBytes ?? DEFAULT_CACHE_BUDGET_BYTES;
  }

  /** The entry to restore, made recently used; undefined on a miss. */
  async lookup(lookup: CacheLookup): Promise<CacheMatch | undefined> {
    const match = await this.options.index.find(lookup);
    if (match) await this.options.index.touch(match.entry, new Date(this.options.clock.now()));
    return match;
  }

  open(entry: CacheEntry): ReturnType<BlobStore['get']> {
    return this.openDigest(entry.digest);
  }

  openDigest(digest: BlobDigest): ReturnType<BlobStore['get']> {
    return this.options.blobs.get(digest);
  }

  stat(digest: BlobDigest): Promise<BlobInfo | undefined> {
    return this.options.blobs.stat(digest);
  }

  /** Stores an archive (not yet visible as a cache: `commit` makes it one). */
  storeArchive(archive: AsyncIterable<Uint8Array>, options?: Parameters<BlobStore['put']>[1]): Promise<BlobInfo> {
    return this.options.blobs.put(archive, options);
  }

  async exists(target: CacheSaveTarget): Promise<boolean> {
    const match = await this.options.index.find({ ...target, restoreKeys: [], scopes: [target.scope] });
    return match?.kind === 'hit';
  }

  /**
   * Whether a runner of `project` may make the stored blob `digest` one of its caches. It names the digest, and a
   * digest is no capability: the store also holds other projects' caches and, on the server, every artifact, SBOM
   * and signature, which a cache entry would let it download. So: an archive the project's caches name already,
   * or one no other project's cache names that is a cache archive at all (artifacts and the rest are not zstd).
   */
  async isCommittable(project: string, digest: BlobDigest): Promise<boolean> {
    if ((await this.options.index.list(project)).some((entry) => entry.digest === digest)) return true;
    if (await this.options.index.references(digest)) return false;
    const stream = await this.options.blobs.get(digest);
    const head: Uint8Array[] = [];
    try {
      for await (const chunk of stream as AsyncIterable<Uint8Array>) {
        head.push(chunk);
        if (Buffer.concat(head).length >= 4) break;
      }
    } finally {
      stream.destroy();
    }
    return startsLikeCacheArchive(Buffer.concat(head));
  }

  /** Makes a stored archive a cache entry, then evicts down to the budget. False when the key was saved meanwhile. */
  async commit(target: CacheSaveTarget, archive: Pick<BlobInfo, 'digest' | 'size'>): Promise<boolean> {
    const now = new Date(this.options.clock.now());
    const added = await this.options.index.add({ ...target, digest: archive.digest, size: archive.size, createdAt: now, lastUsedAt: now });
    await this.evict(target.project);
    return added;
  }

  async save(target: CacheSaveTarget, archive: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<{ readonly saved: boolean; readonly size: number }> {
    const stored = await this.storeArchive(archive, signal ? { signal } : {});
    const saved = await this.commit(target, stored);
    return { saved, size: stored.size };
  }

  /** Least recently used first, until the project's entries fit; a blob goes once no entry names it (unless the sweep owns that). */
  async evict(project: string): Promise<CacheEntry[]> {
    const evicted = planCacheEviction(await this.options.index.list(project), this.budgetBytes);
    for (const entry of evicted) {
      await this.options.index.remove(entry);
      if (this.options.deleteEvictedArchives === false) continue;
      if (!(await this.options.index.references(entry.digest))) await this.options.blobs.delete(entry.digest);
    }
    return evicted;
  }
}
