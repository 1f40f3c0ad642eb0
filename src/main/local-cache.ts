import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UsageError, systemClock } from '../core/index.js';
import { CacheStore, cacheStoreBackend, createCacheJobFiles, DiskBlobStore, FileCacheIndex } from '../artifacts/index.js';
import type { Executor, JobFiles } from '../engine/index.js';

const run = promisify(execFile);

export interface LocalCacheOptions {
  /** The run store's state directory (`.deploylite`); caches go under `cache/` in it. */
  readonly stateDir: string;
  /** The checkout, whose branch scopes the caches. */
  readonly cwd: string;
  readonly executor: Executor;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The caches of `deploylite run`: an index file and a disk blob store in `.deploylite/cache/`, scoped to the
 * checkout's branch with read fallback to the default branch (origin's HEAD, else `main`). `~/…` paths are
 * cached with the local executor only: the sandbox gives each step a private, memory-backed home.
 */
export async function openLocalCaches(options: LocalCacheOptions): Promise<JobFiles> {
  const root = join(options.stateDir, 'cache');
  const budget = parseBudget(options.env.DEPLOYLITE_CACHE_BUDGET);
  const store = new CacheStore({
    index: new FileCacheIndex(join(root, 'index.json')),
    blobs: new DiskBlobStore({ root }),
    clock: systemClock,
    ...(budget !== undefined ? { budgetBytes: budget } : {}),
  });
  const defaultBranch = await gitOutput(options.cwd, ['symbolic-ref', '--short', 'refs/remotes/origin/HEAD']).then((ref) => ref?.replace(/^origin\//, '') ?? 'main');
  // symbolic-ref: also on a branch with no commit yet; fails on a detached HEAD, which takes the default branch.
  const branch = (await gitOutput(options.cwd, ['symbolic-ref', '--short', 'HEAD'])) ?? defaultBranch;
  const homeDir = options.executor.name === 'local' ? (options.env.HOME ?? homedir()) : undefined;
  return createCacheJobFiles(cacheStoreBackend(store, { project: 'local', branch, defaultBranch }), homeDir !== undefined ? { homeDir } : {});
}

async function gitOutput(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd });
    return stdout.trim() || undefined;
  } catch {
    return undefined; // not a checkout, no origin, no commit yet: the defaults do
  }
}

/** A cache budget: bytes, or with a unit (`500M`, `10G`, `2GiB`; binary multiples). */
export function parseBudget(text: string | undefined, setting = 'DEPLOYLITE_CACHE_BUDGET'): number | undefined {
  if (text === undefined || text === '') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!match) throw new UsageError(`${setting}: expected a size such as 2G or 500M, got "${text}"`);
  const power = ' KMGT'.indexOf((match[2] || ' ').toUpperCase());
  return Math.floor(Number(match[1]) * 1024 ** power);
}
