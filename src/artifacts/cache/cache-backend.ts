import type { CacheStore } from './cache-store.js';

export interface CacheRequest {
  readonly key: string;
  readonly restoreKeys: readonly string[];
  /** See `cacheVersion`. */
  readonly version: string;
}

export interface FoundCache {
  readonly kind: 'hit' | 'partial';
  /** The key the entry was saved under. */
  readonly key: string;
  /** For `partial`: the restore key (prefix) that matched. */
  readonly restoreKey?: string;
  readonly size: number;
  /** The archive; a stream error means the download failed and what was extracted must not be trusted. */
  open(signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

/**
 * Where a job's caches are looked up and saved, already scoped to the job's project and branch: the local store
 * for `deploylite run`, the server's cache API for a runner. Failures reject; the caller turns them into warnings.
 */
export interface CacheBackend {
  lookup(request: CacheRequest, signal: AbortSignal): Promise<FoundCache | undefined>;
  /** `saved: false` when the key exists already (another job saved it first); the archive is then not stored. */
  save(request: Omit<CacheRequest, 'restoreKeys'>, archive: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<{ readonly saved: boolean; readonly size: number }>;
}

export interface CacheScope {
  readonly project: string;
  /** Where saves go and lookups start. */
  readonly branch: string;
  /** Lookups fall back to it (read only), as GitHub's caches do. */
  readonly defaultBranch?: string;
}

/** A CacheBackend over a CacheStore in this process (`deploylite run`, and the server behind its API). */
export function cacheStoreBackend(store: CacheStore, scope: CacheScope): CacheBackend {
  const scopes = [scope.branch, ...(scope.defaultBranch !== undefined ? [scope.defaultBranch] : [])];
  return {
    async lookup(request) {
      const match = await store.lookup({ ...request, project: scope.project, scopes });
      if (!match) return undefined;
      const { entry } = match;
      return {
        kind: match.kind,
        key: entry.key,
        ...(match.kind === 'partial' ? { restoreKey: match.restoreKey } : {}),
        size: entry.size,
        open: async () => store.open(entry),
      };
    },
    async save(request, archive, signal) {
      const target = { ...request, project: scope.project, scope: scope.branch };
      if (await store.exists(target)) return { saved: false, size: 0 };
      return store.save(target, archive, signal);
    },
  };
}
