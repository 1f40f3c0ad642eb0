import type { CacheEntry, CacheIndex, CacheLookup, CacheMatch } from '../../artifacts/index.js';
import { parseBlobDigest, selectCacheEntry } from '../../artifacts/index.js';
import type { CacheIndexStore, CacheRecord } from '../../store/index.js';

/**
 * The server's CacheIndex: rows of the control store (`caches`), projects named by their id. The lookup reads
 * the project's entries of the version in the scopes asked for and applies actions/cache's rules to them
 * (selectCacheEntry); the budget bounds how many there are.
 */
export class StoreCacheIndex implements CacheIndex {
  constructor(private readonly store: CacheIndexStore) {}

  async find(lookup: CacheLookup): Promise<CacheMatch | undefined> {
    const rows = await this.store.listCaches(Number(lookup.project), { version: lookup.version, scopes: lookup.scopes });
    return selectCacheEntry(rows.map(toEntry), lookup);
  }

  add(entry: CacheEntry): Promise<boolean> {
    return this.store.addCache(toRecord(entry));
  }

  touch(entry: CacheEntry, at: Date): Promise<void> {
    return this.store.touchCache(toRecord(entry), at.getTime());
  }

  async list(project: string): Promise<CacheEntry[]> {
    return (await this.store.listCaches(Number(project))).map(toEntry);
  }

  remove(entry: CacheEntry): Promise<void> {
    return this.store.removeCache(toRecord(entry));
  }

  references(digest: string): Promise<boolean> {
    return this.store.cacheReferences(digest);
  }
}

function toEntry(row: CacheRecord): CacheEntry {
  return { ...row, project: String(row.projectId), digest: parseBlobDigest(row.digest), createdAt: new Date(row.createdAt), lastUsedAt: new Date(row.lastUsedAt) };
}

function toRecord(entry: CacheEntry): CacheRecord {
  return {
    projectId: Number(entry.project),
    scope: entry.scope,
    key: entry.key,
    version: entry.version,
    digest: entry.digest,
    size: entry.size,
    createdAt: entry.createdAt.getTime(),
    lastUsedAt: entry.lastUsedAt.getTime(),
  };
}
