/**
 * What the control plane keeps about caches (the archives are in the blob store): one row per saved cache,
 * added only once its archive is stored whole, so a cache being written is never found. Part of the
 * ControlStore (`store.caches`). The lookup rules (exact key, restore-key prefixes, branch then default
 * branch) are applied by the caller over `listCaches`; eviction too, least recently used first.
 */
export interface CacheRecord {
  readonly projectId: number;
  /** The branch the job ran on. */
  readonly scope: string;
  readonly key: string;
  readonly version: string;
  /** `sha256:…` of the archive. */
  readonly digest: string;
  readonly size: number;
  readonly createdAt: number;
  readonly lastUsedAt: number;
}

export interface CacheIndexStore {
  /** The project's entries of this version in these scopes. */
  listCaches(projectId: number, filter?: { readonly version: string; readonly scopes: readonly string[] }): Promise<CacheRecord[]>;
  /** False when the project has an entry of this scope, key and version already (the first one stays). */
  addCache(record: CacheRecord): Promise<boolean>;
  touchCache(record: Pick<CacheRecord, 'projectId' | 'scope' | 'key' | 'version'>, now: number): Promise<void>;
  removeCache(record: Pick<CacheRecord, 'projectId' | 'scope' | 'key' | 'version'>): Promise<void>;
  /** Whether any entry (of any project) names the blob; `projectId`: of that project only. */
  cacheReferences(digest: string, projectId?: number): Promise<boolean>;
}
