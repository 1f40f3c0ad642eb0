import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { globSync } from 'tinyglobby';

/**
 * `hashFiles()` as GitHub's runner computes it: the files matching the globs, each hashed
 * with SHA-256, then the SHA-256 of the concatenated raw digests, in hex; '' when nothing
 * matches. Synchronous because the expression evaluator is.
 *
 * Patterns are relative to `root`; a pattern starting with `!` excludes; each argument may
 * hold several patterns on separate lines and `#` starts a comment line (the runner hands
 * its arguments to @actions/glob joined by newlines). Like @actions/glob, dot files match
 * and braces and extglobs are literal. Unlike it, `!` patterns exclude regardless of their
 * position in the list. Files are sorted by path so the result does not depend on the order
 * the file system lists them in. A match outside `root` — through `..`, an absolute path
 * or a symbolic link — is never read.
 */
export function hashFiles(root: string, patterns: readonly string[]): string {
  const lines = patterns.flatMap((pattern) => pattern.split(/\r?\n/)).map((line) => line.trim());
  const usable = lines.filter((line) => line !== '' && !line.startsWith('#'));
  const include = usable.filter((line) => !line.startsWith('!'));
  const ignore = usable.filter((line) => line.startsWith('!')).map((line) => line.slice(1));
  if (include.length === 0) return '';

  const realRoot = realpathSync(root);
  const files = globSync(include, {
    cwd: root,
    ignore,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    braceExpansion: false,
    extglob: false,
    absolute: true,
  })
    .filter((file) => isInside(realRoot, file))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (files.length === 0) return '';

  const combined = createHash('sha256');
  for (const file of files) combined.update(createHash('sha256').update(readFileSync(file)).digest());
  return combined.digest('hex');
}

/** True for a regular file whose real location (symbolic links resolved) lies under `realRoot`. */
function isInside(realRoot: string, file: string): boolean {
  let real: string;
  try {
    real = realpathSync(file);
    if (!statSync(real).isFile()) return false;
  } catch {
    // A dangling symbolic link, or a file removed since the glob ran: nothing to hash.
    return false;
  }
  const rel = relative(realRoot, resolve(real));
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
