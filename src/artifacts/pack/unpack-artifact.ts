import { constants } from 'node:fs';
import { open, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { extract as tarExtract } from 'tar-stream';
import { clearForEntry, feedWritable, makeDirectoriesInside } from '../../core/index.js';
import { ContentHasher } from '../blob-store/hashing.js';
import type { ArtifactManifest, ManifestEntry } from './artifact-manifest.js';
import { MANIFEST_ENTRY_NAME, MAX_MANIFEST_BYTES, parseManifest, safeRelativePath, symlinkProblem, UnsafeArtifactError } from './artifact-manifest.js';

export interface UnpackOptions {
  readonly signal?: AbortSignal;
}

/**
 * Unpacks an artifact archive (packArtifact's format) into `target`, streaming, verifying every entry
 * against the manifest that comes first: its path (relative, no `..`), type (regular files and links
 * inside the artifact only: no devices, FIFOs, hard links), size and SHA-256. Files are created with
 * O_NOFOLLOW|O_EXCL after checking that no directory on the way is a symbolic link, so nothing can be
 * written through a link, wherever it came from (the archive or the workspace). Existing files at an
 * entry's path are replaced, as GitLab does when it restores artifacts over a checkout. Throws an
 * UnsafeArtifactError naming the entry on the first problem; a file that failed its check is removed.
 */
export async function unpackArtifact(source: AsyncIterable<Uint8Array> | NodeJS.ReadableStream, target: string, options: UnpackOptions = {}): Promise<ArtifactManifest> {
  const extract = tarExtract();
  const feeding = feedWritable(source, extract);
  feeding.catch(() => {}); // awaited below; a source error also ends the loop through the extractor
  let manifest: ArtifactManifest | undefined;
  const expected = new Map<string, ManifestEntry>();
  try {
    for await (const entry of extract) {
      options.signal?.throwIfAborted();
      const { header } = entry;
      if (manifest === undefined) {
        if (header.name !== MANIFEST_ENTRY_NAME || header.type !== 'file') throw new UnsafeArtifactError('not a DeployLite artifact: the archive does not start with its manifest', 'artifact.invalid-manifest');
        if ((header.size ?? 0) > MAX_MANIFEST_BYTES) throw new UnsafeArtifactError('the archive\'s manifest is too large', 'artifact.invalid-manifest');
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        manifest = parseManifest(Buffer.concat(chunks).toString('utf8'));
        for (const item of manifest.entries) {
          if (expected.has(item.path)) throw new UnsafeArtifactError(`the manifest lists "${item.path}" twice`, 'artifact.invalid-manifest');
          expected.set(item.path, item);
        }
        continue;
      }
      const path = safeRelativePath(header.name);
      const listed = expected.get(path);
      if (header.type !== 'file' && header.type !== 'symlink') {
        throw new UnsafeArtifactError(`refusing "${path}": a ${header.type ?? 'unknown entry'} is not allowed in an artifact (only files and symbolic links)`);
      }
      if (!listed) throw new UnsafeArtifactError(`refusing "${path}": it is not in the manifest (or appears twice)`);
      expected.delete(path);
      if (listed.type !== header.type) throw new UnsafeArtifactError(`refusing "${path}": the manifest says ${listed.type}, the archive has a ${header.type}`);
      await prepareParents(target, path);
      if (listed.type === 'symlink') {
        if (header.linkname !== listed.target) throw new UnsafeArtifactError(`refusing "${path}": its link target differs from the manifest's`);
        symlinkProblem(path, listed.target, true);
        entry.resume();
        await replaceable(join(target, path), path);
        await symlink(listed.target, join(target, path));
      } else {
        await writeVerifiedFile(entry as AsyncIterable<Buffer>, join(target, path), listed);
      }
    }
    await feeding;
  } catch (thrown) {
    extract.destroy(new Error('unpacking stopped'));
    await feeding.catch(() => {});
    throw thrown;
  }
  if (manifest === undefined) throw new UnsafeArtifactError('not a DeployLite artifact: the archive is empty', 'artifact.invalid-manifest');
  const missing = [...expected.keys()];
  if (missing.length > 0) throw new UnsafeArtifactError(`the archive is missing "${missing[0]}" that its manifest lists (truncated?)`, 'artifact.incomplete');
  return manifest;
}

/** The error for an entry at `path` that cannot be written where it goes. */
const refusing = (path: string) => (reason: string) => new UnsafeArtifactError(`refusing "${path}": ${reason}`);

/** Creates the directories above `path` inside `target`, refusing any that is a symbolic link or not a directory. */
function prepareParents(target: string, path: string): Promise<void> {
  return makeDirectoriesInside(target, path.split('/').slice(0, -1), refusing(path));
}

/** Removes a file or link already at `absolute` (a checked-out file the artifact replaces); never a directory. */
function replaceable(absolute: string, path: string): Promise<void> {
  return clearForEntry(absolute, refusing(path));
}

async function writeVerifiedFile(entry: AsyncIterable<Buffer>, absolute: string, listed: Extract<ManifestEntry, { type: 'file' }>): Promise<void> {
  await replaceable(absolute, listed.path);
  // O_EXCL|O_NOFOLLOW: if anything put a link here since the check, the open fails instead of following it.
  const handle = await open(absolute, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, listed.mode & 0o777);
  const hasher = new ContentHasher();
  let ok = false;
  try {
    for await (const chunk of entry) {
      hasher.update(chunk);
      if (hasher.size > listed.size) break;
      await handle.write(chunk);
    }
    if (hasher.size !== listed.size) throw new UnsafeArtifactError(`"${listed.path}" is ${hasher.size} bytes in the archive, its manifest says ${listed.size}`, 'artifact.corrupted');
    if (hasher.digest() !== `sha256:${listed.sha256}`) throw new UnsafeArtifactError(`"${listed.path}" does not match the SHA-256 in its manifest`, 'artifact.corrupted');
    await handle.chmod(listed.mode & 0o777);
    ok = true;
  } finally {
    await handle.close();
    if (!ok) await rm(absolute, { force: true });
  }
}
