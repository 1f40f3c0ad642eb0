import type { BlobDigest } from '../blob-store/index.js';

/** One saved cache: its key, the scope it was saved in, and the archive's blob. */
export interface CacheEntry {
  /** The project (server) or the checkout (`deploylite run`: always `local`). */
  readonly project: string;
  /** The branch the job ran on. */
  readonly scope: string;
  readonly key: string;
  /** See `cacheVersion`: entries of other paths never match. */
  readonly version: string;
  readonly digest: BlobDigest;
  readonly size: number;
  readonly createdAt: Date;
  /** Restores and saves make an entry young; eviction removes the least recently used first. */
  readonly lastUsedAt: Date;
}

export interface CacheLookup {
  readonly project: string;
  readonly key: string;
  readonly restoreKeys: readonly string[];
  readonly version: string;
  /** The branch first, then the default branch (read fallback, as GitHub's cache scopes); duplicates are fine. */
  readonly scopes: readonly string[];
}

/** `hit`: the exact key; `partial`: the newest entry under a restore-keys prefix. */
export type CacheMatch = { readonly kind: 'hit'; readonly entry: CacheEntry } | { readonly kind: 'partial'; readonly entry: CacheEntry; readonly restoreKey: string };

/**
 * actions/cache's lookup: in each scope in turn (the branch, then the default branch), the exact key, then
 * the key and each restore key in order as a prefix, taking the newest entry that starts with it. Keys compare exactly
 * (GitHub compares case-insensitively; DeployLite keeps the user's spelling, which hashes make moot).
 */
export function selectCacheEntry(entries: readonly CacheEntry[], lookup: CacheLookup): CacheMatch | undefined {
  const candidates = entries.filter((entry) => entry.project === lookup.project && entry.version === lookup.version);
  for (const scope of new Set(lookup.scopes)) {
    const inScope = candidates.filter((entry) => entry.scope === scope);
    const exact = newest(inScope.filter((entry) => entry.key === lookup.key));
    if (exact) return { kind: 'hit', entry: exact };
    // GitHub tries the key itself as a prefix before the restore keys.
    for (const restoreKey of [lookup.key, ...lookup.restoreKeys]) {
      const prefixed = newest(inScope.filter((entry) => entry.key.startsWith(restoreKey)));
      if (prefixed) return { kind: 'partial', entry: prefixed, restoreKey };
    }
  }
  return undefined;
}

/**
 * The entries to evict so that what stays fits in `budgetBytes`: least recently used first. An entry larger
 * than the whole budget is evicted too (it would only push everything else out).
 */
export function planCacheEviction(entries: readonly CacheEntry[], budgetBytes: number): CacheEntry[] {
  let total = entries.reduce((sum, entry) => sum + entry.size, 0);
  const evicted: CacheEntry[] = [];
  const byAge = [...entries].sort((a, b) => a.lastUsedAt.getTime() - b.lastUsedAt.getTime());
  for (const entry of byAge) {
    if (total <= budgetBytes) break;
    evicted.push(entry);
    total -= entry.size;
  }
  return evicted;
}

function newest(entries: readonly CacheEntry[]): CacheEntry | undefined {
  return entries.reduce<CacheEntry | undefined>((best, entry) => (!best || entry.createdAt > best.createdAt ? entry : best), undefined);
}
