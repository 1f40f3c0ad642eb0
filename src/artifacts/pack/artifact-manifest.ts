import { posix } from 'node:path';
import { z } from 'zod';
import { DeployliteError } from '../../core/index.js';

/** The first entry of every artifact archive: what the archive holds, checked entry by entry on unpack. */
export const MANIFEST_ENTRY_NAME = '.deploylite-manifest.json';

/** A manifest larger than this is refused from its tar header, before it is read into memory. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** A regular file: its bytes are checked against `size` and `sha256` as they are written. */
export interface ManifestFile {
  readonly path: string;
  readonly type: 'file';
  readonly size: number;
  /** Permission bits only (0o777): set-id and sticky bits are never restored. */
  readonly mode: number;
  /** 64 lowercase hex digits. */
  readonly sha256: string;
}

/** A symbolic link, relative, whose target stays inside the artifact. */
export interface ManifestSymlink {
  readonly path: string;
  readonly type: 'symlink';
  readonly target: string;
}

export type ManifestEntry = ManifestFile | ManifestSymlink;

export interface ArtifactManifest {
  readonly version: 1;
  readonly entries: readonly ManifestEntry[];
}

/** An archive or a path that would escape its directory, or that does not match its manifest. */
export class UnsafeArtifactError extends DeployliteError {
  constructor(message: string, code = 'artifact.unsafe-entry') {
    super(code, message);
  }
}

const ManifestSchema = z.object({
  version: z.literal(1),
  entries: z.array(
    z.discriminatedUnion('type', [
      z.object({ path: z.string(), type: z.literal('file'), size: z.number().int().min(0), mode: z.number().int().min(0).max(0o777), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
      z.object({ path: z.string(), type: z.literal('symlink'), target: z.string().min(1).max(4096) }),
    ]),
  ),
});

/** The manifest as read from an archive: malformed JSON or shape is an UnsafeArtifactError, never a crash. */
export function parseManifest(text: string): ArtifactManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UnsafeArtifactError('the archive\'s manifest is not JSON', 'artifact.invalid-manifest');
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw new UnsafeArtifactError(`the archive's manifest is invalid: ${parsed.error.issues[0]?.message ?? 'bad shape'}`, 'artifact.invalid-manifest');
  for (const entry of parsed.data.entries) {
    safeRelativePath(entry.path);
    if (entry.type === 'symlink') symlinkProblem(entry.path, entry.target, true);
  }
  return parsed.data;
}

/**
 * Checks a path from an archive or a user (`a/b.txt`) before it touches the file system: relative, `/`
 * separated, no `.`/`..` or empty segments, no NUL or backslash. This is the zip-slip guard.
 */
export function safeRelativePath(path: string): string {
  const shown = JSON.stringify(path.slice(0, 200));
  if (path === '' || path.includes('\0')) throw new UnsafeArtifactError(`refusing an empty or NUL-holding path ${shown}`);
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw new UnsafeArtifactError(`refusing the absolute path ${shown}`);
  if (path.includes('\\')) throw new UnsafeArtifactError(`refusing the path ${shown}: backslashes are not path separators here`);
  const segments = path.split('/');
  if (segments.includes('..')) throw new UnsafeArtifactError(`refusing the path ${shown}: ".." would leave the directory`);
  if (segments.some((segment) => segment === '' || segment === '.')) throw new UnsafeArtifactError(`refusing the path ${shown}: it is not normalised`);
  if (path === MANIFEST_ENTRY_NAME) throw new UnsafeArtifactError(`refusing the path ${shown}: the name is reserved for the manifest`);
  return path;
}

/** Why a link at `path` to `target` would point outside the artifact's directory, or undefined when it stays inside. */
export function symlinkProblem(path: string, target: string, throwIt = false): string | undefined {
  let problem: string | undefined;
  if (target.startsWith('/') || target.includes('\0')) problem = `the symbolic link "${path}" points to the absolute path "${target}"`;
  else {
    const resolved = posix.normalize(posix.join(posix.dirname(path), target));
    if (resolved === '..' || resolved.startsWith('../')) problem = `the symbolic link "${path}" points outside the artifact ("${target}")`;
  }
  if (problem !== undefined && throwIt) throw new UnsafeArtifactError(`refusing ${problem}`);
  return problem;
}
