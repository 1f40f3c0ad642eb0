export {
  MANIFEST_ENTRY_NAME,
  parseManifest,
  safeRelativePath,
  UnsafeArtifactError,
  type ArtifactManifest,
  type ManifestEntry,
  type ManifestFile,
  type ManifestSymlink,
} from './artifact-manifest.js';
export { collectArtifactFiles, packArtifact, type PackedArtifact } from './pack-artifact.js';
export { unpackArtifact, type UnpackOptions } from './unpack-artifact.js';
export { readArtifactManifest } from './read-artifact-manifest.js';
export { artifactName, artifactToKeep, jobIdOfKey, keepsArtifacts, type KeptArtifactJob } from './artifact-name.js';
export { writeArtifactArchive } from './write-artifact-archive.js';
