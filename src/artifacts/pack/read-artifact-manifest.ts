import { createHash } from 'node:crypto';
import { extract as tarExtract } from 'tar-stream';
import { feedWritable } from '../../core/index.js';
import type { ArtifactManifest } from './artifact-manifest.js';
import { MANIFEST_ENTRY_NAME, MAX_MANIFEST_BYTES, parseManifest, UnsafeArtifactError } from './artifact-manifest.js';

/**
 * The text files read along (npm lockfiles for the SBOM) are held in memory together, so they are capped in
 * all: an artifact's content is the job's to choose, and a hundred 30 MB lockfiles must not exhaust the server.
 */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/**
 * Reads an artifact archive's manifest, and the text of the files `wantText` picks (checked against
 * their manifest digests), without writing anything anywhere. Stops reading after the manifest when
 * no file is wanted, so for most artifacts only the first few kilobytes are read. Wanted files adding up to
 * more than `maxTextBytes` are refused (`artifact.lockfiles-too-large`), as is a manifest above 64 MiB.
 */
export async function readArtifactManifest(
  source: AsyncIterable<Uint8Array>,
  wantText: (path: string) => boolean = () => false,
  options: { readonly maxTextBytes?: number } = {},
): Promise<{ manifest: ArtifactManifest; texts: Map<string, string> }> {
  const maxTextBytes = options.maxTextBytes ?? MAX_TEXT_BYTES;
  let textBytes = 0;
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
        if (entry.header.name !== MANIFEST_ENTRY_NAME || entry.header.type !== 'file') throw new UnsafeArtifactError('not a DeployLite artifact: the archive does not start with its manifest', 'artifact.invalid-manifest');
        if ((entry.header.size ?? 0) > MAX_MANIFEST_BYTES) throw new UnsafeArtifactError('the archive\'s manifest is too large', 'artifact.invalid-manifest');
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        manifest = parseManifest(Buffer.concat(chunks).toString('utf8'));
        wanted = new Set(manifest.entries.filter((item) => item.type === 'file' && wantText(item.path)).map((item) => item.path));
        if (wanted.size === 0) break;
        continue;
      }
      const listed = manifest.entries.find((item) => item.path === entry.header.name);
      if (!wanted.has(entry.header.name) || listed?.type !== 'file') {
        entry.resume();
        continue;
      }
      textBytes += listed.size;
      if (textBytes > maxTextBytes) {
        throw new UnsafeArtifactError(`refusing "${listed.path}": the npm lockfiles in this artifact add up to more than ${maxTextBytes} bytes, more than the SBOM is built from`, 'artifact.lockfiles-too-large');
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
