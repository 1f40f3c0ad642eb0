import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { BlobDigest } from '../blob-store/digest.js';
import { ContentHasher } from '../blob-store/hashing.js';
import type { ArtifactManifest } from './artifact-manifest.js';
import { packArtifact } from './pack-artifact.js';

/**
 * Packs `manifest`'s files under `root` into the file `target`, hashing the archive as it is written (one
 * pass, constant memory). A file on disk rather than a stream straight to the server, so that an upload cut
 * short can resume from an offset and the digest is known before the first byte is sent.
 */
export async function writeArtifactArchive(root: string, manifest: ArtifactManifest, target: string): Promise<{ digest: BlobDigest; size: number }> {
  const hasher = new ContentHasher();
  await pipeline(
    packArtifact(root, manifest).stream,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hasher.update(chunk);
        yield chunk;
      }
    },
    createWriteStream(target, { flags: 'wx', mode: 0o600 }),
  );
  return { digest: hasher.digest(), size: hasher.size };
}
