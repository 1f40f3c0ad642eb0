import { join } from 'node:path';
import type { Clock } from '../../core/index.js';
import { CacheStore, DiskBlobStore, type BlobStore } from '../../artifacts/index.js';
import type { ControlStore } from '../../store/index.js';
import { StoreCacheIndex } from './store-cache-index.js';

/**
 * The server's caches: the index in the control store, the archives in the blob store (by default the disk
 * store in `<dataDir>/blobs`, where `blobs.dir` points by default), evicted per project beyond the budget. An
 * evicted entry's archive stays until the artifact cleaner's orphan sweep (the store is shared with artifacts).
 */
export function createServerCaches(options: { store: ControlStore; dataDir: string; clock: Clock; blobs?: BlobStore; budgetBytes?: number }): CacheStore {
  return new CacheStore({
    index: new StoreCacheIndex(options.store.caches),
    blobs: options.blobs ?? new DiskBlobStore({ root: join(options.dataDir, 'blobs'), clock: options.clock }),
    clock: options.clock,
    deleteEvictedArchives: false,
    ...(options.budgetBytes !== undefined ? { budgetBytes: options.budgetBytes } : {}),
  });
}
