import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ContentHasher } from '../blob-store/hashing.js';

/** A file of an artifact as its manifest lists it: a relative `/`-separated path and the SHA-256 of its bytes. */
export interface SbomFile {
  readonly path: string;
  /** 64 lowercase hex digits. */
  readonly sha256: string;
}

/** An npm lockfile found in the artifact, with its text. */
export interface SbomLockfile {
  readonly path: string;
  readonly text: string;
}

/**
 * What an SBOM is built from. Where the artifact carries npm lockfiles, its components are the packages
 * they list (and `files` is empty: listing every file of `node_modules` would bury the packages); otherwise
 * each file is a component with its hash.
 */
export interface SbomInput {
  readonly lockfiles: readonly SbomLockfile[];
  readonly files: readonly SbomFile[];
}

const LOCKFILE_NAMES = new Set(['package-lock.json', 'npm-shrinkwrap.json']);

/** A lockfile of a project in the artifact; `node_modules/.package-lock.json` and lockfiles of installed packages are not. */
export function isNpmLockfilePath(path: string): boolean {
  const parts = path.split('/');
  return LOCKFILE_NAMES.has(parts.at(-1)!) && !parts.includes('node_modules');
}

/** From an artifact's manifest; `readText` reads one of its files (only lockfiles are read). */
export async function sbomInputFromManifest(
  entries: readonly SbomFile[],
  readText: (path: string) => Promise<string>,
): Promise<SbomInput> {
  const lockfilePaths = entries.map((entry) => entry.path).filter(isNpmLockfilePath).sort();
  if (lockfilePaths.length === 0) return { lockfiles: [], files: [...entries].sort((a, b) => compare(a.path, b.path)) };
  const lockfiles: SbomLockfile[] = [];
  for (const path of lockfilePaths) lockfiles.push({ path, text: await readText(path) });
  return { lockfiles, files: [] };
}

/**
 * From the artifact's files on disk. Regular files only: symbolic links are not followed (one could point
 * outside the artifact), so what the SBOM lists is what the artifact holds. Files are hashed one at a time,
 * streaming, so memory stays flat however large they are.
 */
export async function sbomInputFromDirectory(directory: string): Promise<SbomInput> {
  const found = await readdir(directory, { recursive: true, withFileTypes: true });
  const paths = found
    .filter((entry) => entry.isFile())
    .map((entry) => ({ path: relative(directory, `${entry.parentPath}${sep}${entry.name}`).split(sep).join('/'), absolute: `${entry.parentPath}${sep}${entry.name}` }))
    .sort((a, b) => compare(a.path, b.path));
  const lockfiles = paths.filter((file) => isNpmLockfilePath(file.path));
  if (lockfiles.length > 0) {
    return { lockfiles: await Promise.all(lockfiles.map(async (file) => ({ path: file.path, text: await readFile(file.absolute, 'utf8') }))), files: [] };
  }
  const files: SbomFile[] = [];
  for (const file of paths) files.push({ path: file.path, sha256: await sha256OfFile(file.absolute) });
  return { lockfiles: [], files };
}

async function sha256OfFile(path: string): Promise<string> {
  const hasher = new ContentHasher();
  await pipeline(createReadStream(path), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) hasher.update(chunk);
  });
  return hasher.digest().slice('sha256:'.length);
}

// Code-point order, so the SBOM lists files the same on every machine whatever its locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
