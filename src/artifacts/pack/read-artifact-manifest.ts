import { createHash } from 'node:crypto';
import { extract as tarExtract } from 'tar-stream';
import type { ArtifactManifest } from './artifact-manifest.js';
import { feedWritable } from './feed-writable.js';
import { MANIFEST_ENTRY_NAME, parseManifest, UnsafeArtifactError } from './artifact-manifest.js';

/** Text files read along (npm lockfiles for the SBOM) are capped at this size each. */
const MAX_TEXT_BYTES = 32 * 1024 * 1024;

/**
 * Reads an artifact archive's manifest, and the text of the files `wantText` picks (checked against
 * their manifest digests), without writing anything anywhere. Stops reading after the manifest when
 * no file is wanted, so for most artifacts only the first few kilobytes are read.
 */
export async function readArtifactManifest(
  source: AsyncIterable<Uint8Array>,
  wantText: (path: string) => boolean = () => false,
): Promise<{ manifest: ArtifactManifest; texts: Map<string, string> }> {
  const extract = tarExtract();
  const texts = new Map<string, string>();
  let manifest: ArtifactManifest | undefined;
  let wanted = new Set<string>();
  const feeding = feedWritable(source, extract);
  feeding.catch(() => {});
  try {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      if (manifest === undefined) {
        if (entry.header.name !== MANIFEST_ENTRY_NAME) throw new UnsafeArtifactError('not a DeployLite artifact: the archive does not start with its manifest', 'artifact.invalid-manifest');
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        manifest = parseManifest(Buffer.concat(chunks).toString('utf8'));
        wanted = new Set(manifest.entries.filter((item) => item.type === 'file' && wantText(item.path)).map((item) => item.path));
        if (wanted.size === 0) break;
        continue;
      }
      const listed = manifest.entries.find((item) => item.path === entry.header.name);
      if (!wanted.has(entry.header.name) || listed?.type !== 'file' || listed.size > MAX_TEXT_BYTES) {
        entry.resume();
        continue;
      }
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      if (createHash('sha256').update(bytes).digest('hex') !== listed.sha256) throw new UnsafeArtifactError(`"${listed.path}" does not match the SHA-256 in its manifest`, 'artifact.corrupted');
      texts.set(listed.path, bytes.toString('utf8'));
      wanted.delete(listed.path);
      if (wanted.size === 0) break;
    }
  } finally {
    extract.destroy(new Error('done reading'));
    await feeding.catch(() => {});
  }
  if (manifest === undefined) throw new UnsafeArtifactError('not a DeployLite artifact: the archive is empty', 'artifact.invalid-manifest');
  return { manifest, texts };
}
