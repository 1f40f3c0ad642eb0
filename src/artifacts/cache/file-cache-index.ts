import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BlobDigest } from '../blob-store/index.js';
import { isBlobDigest } from '../blob-store/index.js';
import type { CacheEntry, CacheLookup, CacheMatch } from './cache-entry.js';
import { selectCacheEntry } from './cache-entry.js';
import type { CacheIndex } from './cache-index.js';

interface StoredEntry extends Omit<CacheEntry, 'createdAt' | 'lastUsedAt'> {
  readonly createdAt: string;
  readonly lastUsedAt: string;
}

/**
 * The cache index of `deploylite run`: one JSON file, rewritten whole (to a temporary file, then renamed over
 * the old one, so a killed CLI leaves the old or the new index, never half of one). Changes within one process
 * are serialised; two CLIs saving caches in one checkout at the same moment may lose one of the two entries
 * (its archive stays until the blob store's cleaner), which costs a cache miss, never a wrong restore.
 */
export class FileCacheIndex implements CacheIndex {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  async find(lookup: CacheLookup): Promise<CacheMatch | undefined> {
    return selectCacheEntry(await this.read(), lookup);
  }

  add(entry: CacheEntry): Promise<boolean> {
    return this.change((entries) => {
      const same = entries.some((other) => other.project === entry.project && other.scope === entry.scope && other.key === entry.key && other.version === entry.version);
      return same ? { entries, result: false } : { entries: [...entries, entry], result: true };
    });
  }

  touch(entry: CacheEntry, at: Date): Promise<void> {
    return this.change((entries) => ({ entries: entries.map((other) => (sameEntry(other, entry) ? { ...other, lastUsedAt: at } : other)), result: undefined }));
  }

  async list(project: string): Promise<CacheEntry[]> {
    return (await this.read()).filter((entry) => entry.project === project);
  }

  remove(entry: CacheEntry): Promise<void> {
    return this.change((entries) => ({ entries: entries.filter((other) => !sameEntry(other, entry)), result: undefined }));
  }

  async references(digest: BlobDigest): Promise<boolean> {
    return (await this.read()).some((entry) => entry.digest === digest);
  }

  private change<T>(apply: (entries: CacheEntry[]) => { entries: CacheEntry[]; result: T }): Promise<T> {
    const next = this.queue.then(async () => {
      const { entries, result } = apply(await this.read());
      await this.write(entries);
      return result;
    });
    this.queue = next.catch(() => {});
    return next;
  }

  private async read(): Promise<CacheEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (thrown) {
      if ((thrown as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw thrown;
    }
    const parsed = JSON.parse(text) as { entries?: StoredEntry[] };
    return (parsed.entries ?? []).filter((entry) => isBlobDigest(entry.digest)).map((entry) => ({ ...entry, createdAt: new Date(entry.createdAt), lastUsedAt: new Date(entry.lastUsedAt) }));
  }

  private async write(entries: readonly CacheEntry[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    const stored: StoredEntry[] = entries.map((entry) => ({ ...entry, createdAt: entry.createdAt.toISOString(), lastUsedAt: entry.lastUsedAt.toISOString() }));
    await writeFile(temp, `${JSON.stringify({ entries: stored }, null, 1)}\n`);
    await rename(temp, this.file);
  }
}

function sameEntry(a: CacheEntry, b: CacheEntry): boolean {
  return a.project === b.project && a.scope === b.scope && a.key === b.key && a.version === b.version;
}
