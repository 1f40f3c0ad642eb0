import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRefKey } from './artifact-layout.js';
import { isBlobDigest, parseBlobDigest, type BlobDigest } from './digest.js';
import type { BlobRef, RefStore } from './ref-store.js';

/**
 * References as small files under `<root>/refs/<key>` holding the digest, next to the DiskBlobStore's
 * `blobs/`. A set writes a temporary file in `<root>/uploads/` and renames it over the key: atomic.
 */
export class DiskRefStore implements RefStore {
  private readonly refsDir: string;
  private readonly uploadsDir: string;

  constructor(options: { readonly root: string }) {
    this.refsDir = join(options.root, 'refs');
    this.uploadsDir = join(options.root, 'uploads');
  }

  async set(key: string, digest: BlobDigest): Promise<void> {
    const path = this.pathOf(key);
    parseBlobDigest(digest);
    await mkdir(this.uploadsDir, { recursive: true });
    await mkdir(join(path, '..'), { recursive: true });
    const temp = join(this.uploadsDir, `${randomUUID()}.ref.part`);
    await writeFile(temp, `${digest}\n`, { flag: 'wx', flush: true });
    try {
      await rename(temp, path);
    } catch (thrown) {
      await unlink(temp).catch(() => undefined);
      throw thrown;
    }
  }

  async resolve(key: string): Promise<BlobDigest | undefined> {
    try {
      const text = (await readFile(this.pathOf(key), 'utf8')).trim();
      return parseBlobDigest(text);
    } catch (thrown) {
      if (isMissing(thrown)) return undefined;
      throw thrown;
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      await unlink(this.pathOf(key));
      return true;
    } catch (thrown) {
      if (isMissing(thrown)) return false;
      throw thrown;
    }
  }

  async *list(prefix = ''): AsyncGenerator<BlobRef> {
    const entries = await readdir(this.refsDir, { recursive: true, withFileTypes: true }).catch((thrown: unknown) => {
      if (isMissing(thrown)) return [];
      throw thrown;
    });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = join(entry.parentPath ?? entry.path, entry.name).slice(this.refsDir.length + 1);
      if (!key.startsWith(prefix)) continue;
      const digest = await this.resolve(key).catch(() => undefined);
      if (digest !== undefined && isBlobDigest(digest)) yield { key, digest };
    }
  }

  private pathOf(key: string): string {
    return join(this.refsDir, parseRefKey(key));
  }
}

function isMissing(thrown: unknown): boolean {
  const code = (thrown as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
