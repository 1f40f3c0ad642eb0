import { createReadStream } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { pack as tarPack } from 'tar-stream';
import { glob } from 'tinyglobby';
import { ContentHasher } from '../blob-store/hashing.js';
import type { ArtifactManifest, ManifestEntry } from './artifact-manifest.js';
import { MANIFEST_ENTRY_NAME, safeRelativePath, symlinkProblem, UnsafeArtifactError } from './artifact-manifest.js';

export interface PackedArtifact {
  readonly manifest: ArtifactManifest;
  /** The tar archive: the manifest first, then every entry in manifest order. Read it once. */
  readonly stream: AsyncIterable<Buffer>;
}

/**
 * Finds the files under `root` that match `patterns` (globs relative to it) and describes them: regular
 * files with size, permission bits and SHA-256 (hashed one at a time, streaming), symbolic links whose
 * target stays inside `root`. A pattern that leaves `root` or a link pointing outside it is refused with
 * an UnsafeArtifactError: an artifact can never carry a file from outside its workspace.
 */
export async function collectArtifactFiles(root: string, patterns: readonly string[]): Promise<ArtifactManifest> {
  for (const pattern of patterns) {
    const bare = pattern.replace(/^!/, '');
    if (bare.startsWith('/') || bare.split('/').includes('..')) {
      throw new UnsafeArtifactError(`refusing the artifact path "${pattern}": it must stay inside the workspace (no "..", not absolute)`);
    }
  }
  const found = await glob([...patterns], { cwd: root, dot: true, onlyFiles: true, followSymbolicLinks: true, expandDirectories: true });
  const realRoot = await realpath(root);
  const entries: ManifestEntry[] = [];
  for (const path of [...new Set(found)].sort(compare)) {
    safeRelativePath(path);
    const absolute = join(root, path);
    // Links are followed while globbing so that a link itself can be kept as a link; a directory link on the
    // way must still land inside the workspace, or a `dist -> /etc` would carry /etc's files out.
    const parent = await realpath(dirname(absolute));
    if (parent !== realRoot && !parent.startsWith(realRoot + sep)) {
      throw new UnsafeArtifactError(`refusing to pack "${path}": it reaches outside the workspace through a symbolic link`);
    }
    const stats = await lstat(absolute);
    if (stats.isSymbolicLink()) {
      const target = await readlink(absolute);
      const problem = symlinkProblem(path, target);
      if (problem !== undefined) throw new UnsafeArtifactError(`refusing to pack ${problem}`);
      entries.push({ path, type: 'symlink', target });
    } else if (stats.isFile()) {
      entries.push({ path, type: 'file', size: stats.size, mode: stats.mode & 0o777, sha256: await sha256OfFile(absolute) });
    }
    // Sockets, FIFOs and devices are not files anyone wants to keep: skipped.
  }
  return { version: 1, entries };
}

/**
 * The tar archive of `manifest` (from collectArtifactFiles) read from `root`, streamed in constant memory:
 * one file open at a time, backpressure from whoever reads the stream. A file that changed since it was
 * hashed makes the stream fail (its size or digest no longer matches), so an archive never disagrees with
 * its own manifest.
 */
export function packArtifact(root: string, manifest: ArtifactManifest): PackedArtifact {
  const tar = tarPack();
  void (async () => {
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    await addEntry(tar, { name: MANIFEST_ENTRY_NAME, size: manifestBytes.length, mode: 0o644, type: 'file' }, manifestBytes);
    for (const entry of manifest.entries) {
      if (entry.type === 'symlink') {
        await addEntry(tar, { name: entry.path, type: 'symlink', linkname: entry.target, mode: 0o777 });
        continue;
      }
      const writable = tar.entry({ name: entry.path, size: entry.size, mode: entry.mode, type: 'file', mtime: new Date(0) });
      const finished = new Promise<void>((resolve, reject) => {
        writable.once('finish', resolve);
        writable.once('error', reject);
      });
      const hasher = new ContentHasher();
      // tar-stream's entries are streamx streams: written by hand, waiting for 'drain' (backpressure).
      for await (const chunk of createReadStream(join(root, entry.path), { start: 0, end: Math.max(entry.size - 1, 0) })) {
        const bytes = chunk as Buffer;
        if (entry.size === 0) break;
        hasher.update(bytes);
        if (hasher.size > entry.size) break;
        if (!writable.write(bytes)) await new Promise<void>((resolve) => writable.once('drain', () => resolve()));
      }
      if (hasher.size !== entry.size || hasher.digest() !== `sha256:${entry.sha256}`) {
        throw new UnsafeArtifactError(`"${entry.path}" changed while it was being packed`, 'artifact.changed');
      }
      writable.end(undefined);
      await finished;
    }
    tar.finalize();
  })().catch((thrown: unknown) => tar.destroy(thrown as Error));
  // A streamx Readable: async-iterable, which is all callers (a file write, an HTTP body) need.
  return { manifest, stream: tar as AsyncIterable<Buffer> };
}

function addEntry(tar: ReturnType<typeof tarPack>, header: Parameters<ReturnType<typeof tarPack>['entry']>[0], body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (body) tar.entry({ mtime: new Date(0), ...header }, body, done);
    else tar.entry({ mtime: new Date(0), ...header }, done);
  });
}

async function sha256OfFile(path: string): Promise<string> {
  const hasher = new ContentHasher();
  for await (const chunk of createReadStream(path)) hasher.update(chunk as Buffer);
  return hasher.digest().slice('sha256:'.length);
}

// Code-point order: the same archive on every machine, whatever the locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
