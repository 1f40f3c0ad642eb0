export { cacheVersion, parseCachePath, type CachePath, type CacheRoot } from './cache-paths.js';
export { existingCachePaths, packCacheArchive, unpackCacheArchive, type CacheRootDirs } from './cache-archive.js';
export { planCacheEviction, selectCacheEntry, type CacheEntry, type CacheLookup, type CacheMatch } from './cache-entry.js';
export type { CacheIndex } from './cache-index.js';
export { CacheStore, DEFAULT_CACHE_BUDGET_BYTES, type CacheSaveTarget, type CacheStoreOptions } from './cache-store.js';
export { FileCacheIndex } from './file-cache-index.js';
export { cacheStoreBackend, type CacheBackend, type CacheRequest, type CacheScope, type FoundCache } from './cache-backend.js';
export { createCacheJobFiles, type CacheJob, type CacheJobFilesOptions } from './cache-job-files.js';
