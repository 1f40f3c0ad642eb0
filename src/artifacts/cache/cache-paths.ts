import { createHash } from 'node:crypto';
import { posix } from 'node:path';

/** Where a cached path lives: the job's workspace, or the home directory of the user its steps run as. */
export type CacheRoot = 'workspace' | 'home';

export interface CachePath {
  readonly root: CacheRoot;
  /** Normalised, relative to the root, never `.`, never climbing out of it (`..`). */
  readonly path: string;
  /** As the pipeline wrote it, for messages. */
  readonly written: string;
}

/** The folder names the two roots take inside an archive; no other name is ever extracted. */
export const ARCHIVE_ROOT_NAMES: Readonly<Record<CacheRoot, string>> = { workspace: 'ws', home: 'home' };

/**
 * Reads a `cache.paths` entry: relative to the workspace, or `~/…` for the home directory. Absolute paths,
 * paths that climb out of their root and the root itself are refused, with a sentence naming the path:
 * a cache restores files into these places, so nothing it names may be outside them.
 */
export function parseCachePath(written: string): CachePath | string {
  const text = written.trim();
  const home = text === '~' || text.startsWith('~/');
  const rest = home ? text.slice(1).replace(/^\/+/, '') : text;
  if (!home && (rest.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rest))) return `cache path "${written}" is absolute: give it relative to the workspace, or as ~/… for the home directory`;
  if (rest.includes('*') || rest.includes('?') || rest.includes('[')) return `cache path "${written}" holds a wildcard: name directories or files`;
  const normalised = posix.normalize(rest.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (normalised === '..' || normalised.startsWith('../')) return `cache path "${written}" leaves the ${home ? 'home directory' : 'workspace'}`;
  if (normalised === '.' || normalised === '') return `cache path "${written}" is the whole ${home ? 'home directory' : 'workspace'}: name a directory inside it`;
  return { root: home ? 'home' : 'workspace', path: normalised, written };
}

/**
 * The cache version: entries saved with other paths (or another archive format) never match, whatever
 * their key, because their archive holds other files. actions/cache does the same (its `version` hashes the
 * paths and the compression method).
 */
export function cacheVersion(paths: readonly CachePath[]): string {
  const described = paths.map((path) => `${path.root}:${path.path}`).sort();
  return createHash('sha256').update(JSON.stringify(['tar+zstd', ...described])).digest('hex').slice(0, 32);
}
