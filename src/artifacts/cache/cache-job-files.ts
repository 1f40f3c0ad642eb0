import { coerceError, formatBytes } from '../../core/index.js';
import type { CacheBackend } from './cache-backend.js';
import { existingCachePaths, packCacheArchive, unpackCacheArchive, type CacheRootDirs } from './cache-archive.js';
import { cacheVersion, parseCachePath, type CachePath } from './cache-paths.js';

/**
 * The parts of the engine's `JobFilesJob` a cache needs (this folder does not import the engine; the object
 * `createCacheJobFiles` returns is a `JobFiles` by its shape).
 */
export interface CacheJob {
  readonly cache?: { readonly key: string; readonly restoreKeys: readonly string[]; readonly paths: readonly string[] };
  readonly log: (stream: 'system', text: string) => void;
  readonly signal: AbortSignal;
}

export interface CacheJobFilesOptions {
  /**
   * The home directory of the user the steps run as, for `~/…` paths, when the files there outlive the step
   * and this process can reach them (the local executor). Absent: `~/…` paths are skipped with a warning.
   */
  readonly homeDir?: string;
}

interface RestoredState {
  readonly paths: readonly CachePath[];
  readonly version: string;
  /** The exact key was restored: nothing to save (actions/cache saves only on a miss). */
  readonly exactHit: boolean;
}

/**
 * The cache part of a job's `JobFiles`, with actions/cache's behaviour: before the first step, restore the exact
 * key or else the newest entry under a restore key; after a successful job whose exact key missed, save. Every
 * cache failure is a warning in the job's log and never fails the job.
 */
export function createCacheJobFiles(backend: CacheBackend, options: CacheJobFilesOptions = {}) {
  const restored = new WeakMap<CacheJob, RestoredState>();
  return {
    /**
     * Returns, for a job with a cache, its result as variables for the steps (the engine's `RestoredFiles`):
     * DEPLOYLITE_CACHE_HIT is `true` only when the exact key was restored (actions/cache's `cache-hit`), and
     * DEPLOYLITE_CACHE_MATCHED_KEY the key of the entry restored, exact or under a restore key (empty on a miss).
     */
    async restore(job: CacheJob, workspace: { readonly dir: string }): Promise<{ env: Record<string, string> } | undefined> {
      if (!job.cache) return undefined;
      const result = (exactHit: boolean, matchedKey = '') => ({ env: { DEPLOYLITE_CACHE_HIT: String(exactHit), DEPLOYLITE_CACHE_MATCHED_KEY: matchedKey } });
      const paths = usablePaths(job, options);
      if (paths.length === 0) return result(false);
      const version = cacheVersion(paths);
      const roots = rootsOf(workspace, options);
      const { key, restoreKeys } = job.cache;
      try {
        const found = await backend.lookup({ key, restoreKeys, version }, job.signal);
        if (!found) {
          restored.set(job, { paths, version, exactHit: false });
          job.log('system', `cache miss: ${key}`);
          return result(false);
        }
        await unpackCacheArchive(await found.open(job.signal), paths, roots, job.signal);
        restored.set(job, { paths, version, exactHit: found.kind === 'hit' });
        job.log('system', found.kind === 'hit' ? `cache hit: ${key}` : `cache restored from ${found.key} (restore key ${found.restoreKey ?? ''})`);
        return result(found.kind === 'hit', found.key);
      } catch (thrown) {
        if (job.signal.aborted) throw thrown;
        restored.set(job, { paths, version, exactHit: false });
        job.log('system', `warning: cache not restored: ${coerceError(thrown).message}`);
        return result(false);
      }
    },

    async save(job: CacheJob, workspace: { readonly dir: string }, status: 'success' | 'failed' | 'cancelled'): Promise<void> {
      const state = restored.get(job);
      if (!job.cache || !state || state.exactHit || status !== 'success') return;
      const { key } = job.cache;
      try {
        const roots = rootsOf(workspace, options);
        const present = await existingCachePaths(state.paths, roots);
        if (present.length === 0) {
          job.log('system', `warning: cache not saved: none of ${state.paths.map((path) => path.written).join(', ')} exists`);
          return;
        }
        // The version names every path, also those missing now, so the lookup that missed finds this entry next time.
        const result = await backend.save({ key, version: state.version }, packCacheArchive(present, roots, job.signal), job.signal);
        job.log('system', result.saved ? `cache saved: ${key} (${formatBytes(result.size)})` : `cache not saved: ${key} was saved by another job meanwhile`);
      } catch (thrown) {
        job.log('system', `warning: cache not saved: ${coerceError(thrown).message}`);
      }
    },
  };
}

function usablePaths(job: CacheJob, options: CacheJobFilesOptions): CachePath[] {
  const paths: CachePath[] = [];
  for (const written of job.cache?.paths ?? []) {
    const parsed = parseCachePath(written);
    if (typeof parsed === 'string') job.log('system', `warning: ${parsed}; not cached`);
    else if (parsed.root === 'home' && options.homeDir === undefined) job.log('system', `warning: cache path "${written}": this executor's home directory does not outlive the job; not cached`);
    else paths.push(parsed);
  }
  return paths;
}

function rootsOf(workspace: { readonly dir: string }, options: CacheJobFilesOptions): CacheRootDirs {
  return { workspace: workspace.dir, ...(options.homeDir !== undefined ? { home: options.homeDir } : {}) };
}
