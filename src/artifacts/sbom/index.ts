export { buildArtifactSbom, type ArtifactSbom, type BuildSbomOptions, type SbomSubject } from './build-artifact-sbom.js';
export { npmPurl, parseNpmLockfile, type LockedPackage, type NpmLockfile } from './npm-lockfile.js';
export { isNpmLockfilePath, sbomInputFromDirectory, sbomInputFromManifest, type SbomFile, type SbomInput, type SbomLockfile } from './sbom-input.js';
