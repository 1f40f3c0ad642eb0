import { constants } from 'node:fs';
import { link, open, realpath, symlink, unlink } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { clearForEntry, feedWritable, formatBytes, makeDirectoriesInside } from '../../core/index.js';

/** Most entries taken from the pod: the unpack keeps the path of every file it wrote. */
const MAX_ENTRIES = 1_000_000;

export interface UnpackPodWorkspaceOptions {
  /** Most bytes of tar (after gunzip) taken; more fails the unpack. */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
}

/** What was left out: links that would lead out of the workspace. */
export interface UnpackedPodWorkspace {
  readonly warnings: readonly string[];
}

/** A refused entry: the archive from the pod tried to reach outside the workspace, or is not what it should be. */
export class UnsafePodArchiveError extends Error {}

/**
 * Unpacks a gzip'd tar the job's pod made of its workspace into the runner's `target`. The pod runs the job's code
 * (a pull request's, possibly), so the archive is treated as hostile, and tar-stream parses it rather than a tar
 * program with its own ideas about links and owners:
 * - names must be relative without `..` (a leading `./` is fine); `.git/` is left alone: the runner's checkout keeps
 *   its own git data (the pod's `.git/config` lost its credentials on the way in, and hooks must not come back);
 * - only directories, regular files, symbolic links and hard links; devices, FIFOs and the rest fail the unpack;
 * - a symbolic link that is absolute or climbs out of the workspace is not created, and once all is written every
 *   link is resolved on disk and removed if it leads out, into `.git` or nowhere (a warning says so; a virtualenv's
 *   `python -> /usr/bin/python3` is common and harmless in the pod); a hard link must name a file this archive wrote;
 * - no directory on an entry's way may be a symbolic link (wherever it came from), and files are created with
 *   O_EXCL|O_NOFOLLOW after the old one is removed, so nothing is written through a link;
 * - modes keep only the permission bits (no set-uid); owners and times are not restored;
 * - more than `maxBytes` packed or unpacked, or more than MAX_ENTRIES entries, fails the unpack (a gzip bomb stops
 *   there).
 * Files the archive holds replace those in `target`; files it lacks stay. Throws an UnsafePodArchiveError naming
 * the first refused entry; what was unpacked before it stays.
 */
export async function unpackPodWorkspace(source: AsyncIterable<Uint8Array> | Readable, target: string, options: UnpackPodWorkspaceOptions): Promise<UnpackedPodWorkspace> {
  const tarStream = gunzipAtMost(source, options.maxBytes);
  const extract = tarExtract();
  const feeding = feedWritable(tarStream, extract);
  feeding.catch(() => {}); // a feeding error destroys the extractor with it, so the loop below throws it
  const warnings: string[] = [];
  const written = new Set<string>();
  const links: string[] = [];
  let entries = 0;
  try {
    for await (const entry of extract) {
      options.signal?.throwIfAborted();
      // The paths of written files are kept (for hard links): their number is bounded, not only the bytes.
      if (++entries > MAX_ENTRIES) throw new UnsafePodArchiveError(`the pod's workspace holds more than ${MAX_ENTRIES.toLocaleString('en')} entries, the most the kubernetes executor takes back`);
      const { header } = entry;
      const path = entryPath(header.name);
      if (path === undefined || isGitData(path)) {
        entry.resume();
        continue;
      }
      switch (header.type) {
        case 'directory':
          entry.resume();
          await makeDirectories(target, path, path.split('/').length);
          break;
        case 'file':
        case 'contiguous-file':
          await makeDirectories(target, path, path.split('/').length - 1);
          await removeOld(target, path);
          await writeFile(entry as AsyncIterable<Buffer>, join(target, path), header.mode ?? 0o644);
          written.add(path);
          break;
        case 'symlink': {
          entry.resume();
          const linkTarget = header.linkname ?? '';
          if (leavesWorkspace(path, linkTarget)) {
            warnings.push(`the pod's symbolic link "${path}" -> "${linkTarget}" leads out of the workspace; not brought back`);
            break;
          }
          await makeDirectories(target, path, path.split('/').length - 1);
          await removeOld(target, path);
          await symlink(linkTarget, join(target, path));
          written.delete(path);
          links.push(path);
          break;
        }
        case 'link': {
          entry.resume();
          const original = entryPath(header.linkname ?? '');
          if (original === undefined || !written.has(original)) throw new UnsafePodArchiveError(`refusing the hard link "${path}" to "${header.linkname ?? ''}": not a file the pod's archive holds`);
          await makeDirectories(target, path, path.split('/').length - 1);
          await removeOld(target, path);
          await link(join(target, original), join(target, path));
          written.add(path);
          break;
        }
        default:
          throw new UnsafePodArchiveError(`refusing "${path}": a ${header.type ?? 'unknown entry'} is not brought back from the pod (only files, directories and links)`);
      }
    }
    await feeding;
    warnings.push(...(await removeEscapingLinks(target, links)));
  } catch (thrown) {
    // Stops the source too (pipeline), so a caller feeding it sees it destroyed.
    tarStream.destroy();
    extract.destroy();
    // What was unpacked before the refused entry stays; links leading out of the workspace do not.
    await removeEscapingLinks(target, links).catch(() => []);
    const code = (thrown as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') throw new UnsafePodArchiveError(`the pod's workspace archive is not a complete gzip'd tar: ${(thrown as Error).message}`);
    throw thrown;
  }
  return { warnings };
}

/**
 * `source` gunzipped; the stream fails once more than `maxBytes` went in or came out: a gzip bomb stops there, and so
 * does an endless run of empty gzip members that unpacks to nothing.
 */
function gunzipAtMost(source: AsyncIterable<Uint8Array> | Readable, maxBytes: number): Readable {
  const counter = (what: string) => {
    let total = 0;
    return new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        total += chunk.length;
        if (total > maxBytes) callback(new UnsafePodArchiveError(`the pod's workspace is more than ${formatBytes(maxBytes)} ${what}, the most the kubernetes executor takes back`));
        else callback(null, chunk);
      },
    });
  };
  const unpacked = counter('unpacked');
  // Errors reach `unpacked`, which pipeline destroys with them; its reader sees them.
  pipeline(source, counter('packed'), createGunzip(), unpacked).catch(() => {});
  return unpacked;
}

/** The entry's name relative to the workspace, checked; undefined for the workspace itself (`./`). */
function entryPath(name: string): string | undefined {
  const shown = JSON.stringify(name.slice(0, 200));
  if (name.includes('\0')) throw new UnsafePodArchiveError(`refusing the name ${shown}: it holds a NUL byte`);
  if (name.startsWith('/')) throw new UnsafePodArchiveError(`refusing the absolute path ${shown}`);
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw new UnsafePodArchiveError(`refusing the path ${shown}: ".." would leave the workspace`);
  return segments.length === 0 ? undefined : segments.join('/');
}

/** `.git` and what is under it, in any case: on a case-insensitive file system (macOS) `.GIT/hooks` is `.git/hooks`. */
function isGitData(path: string): boolean {
  return (path.split('/')[0] ?? '').normalize('NFC').toLowerCase() === '.git';
}

function leavesWorkspace(path: string, linkTarget: string): boolean {
  if (linkTarget === '' || linkTarget.startsWith('/') || linkTarget.includes('\0')) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(path), linkTarget));
  return resolved === '..' || resolved.startsWith('../') || isGitData(resolved);
}

/**
 * The textual check of each link target cannot see links it passes through: `d -> .` then `up -> d/..` leaves the
 * workspace though each target looks harmless. Once every entry is written, each link the archive made is resolved
 * on disk; one that ends outside the workspace, in its `.git`, or nowhere is removed.
 */
async function removeEscapingLinks(target: string, links: readonly string[]): Promise<string[]> {
  const root = await realpath(target);
  const warnings: string[] = [];
  const escaping: string[] = [];
  for (const path of links) {
    const resolved = await realpath(join(target, path)).catch(() => undefined);
    const inside = resolved === undefined ? undefined : relative(root, resolved);
    const fine = inside !== undefined && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside) && !isGitData(inside.split(sep).join('/'));
    if (!fine) escaping.push(path);
  }
  for (const path of escaping) {
    await unlink(join(target, path)).catch(() => {});
    warnings.push(`the pod's symbolic link "${path}" does not lead to a file or folder in the workspace; not brought back`);
  }
  return warnings;
}

/** The error for an entry at `path` that cannot be written where it goes. */
const refusing = (path: string) => (reason: string) => new UnsafePodArchiveError(`refusing "${path}" from the pod: ${reason}`);

/** Creates the first `count` directories of `path` inside `target`, refusing any that is a symbolic link or a file. */
function makeDirectories(target: string, path: string, count: number): Promise<void> {
  return makeDirectoriesInside(target, path.split('/').slice(0, count), refusing(path));
}

/** Removes the file or link at `path` that the entry replaces; a directory in the way is an error. */
function removeOld(target: string, path: string): Promise<void> {
  return clearForEntry(join(target, path), refusing(path));
}

async function writeFile(entry: AsyncIterable<Buffer>, absolute: string, mode: number): Promise<void> {
  // O_EXCL|O_NOFOLLOW: if anything put a link here since the old file was removed, the open fails instead of following it.
  const handle = await open(absolute, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    for await (const chunk of entry) await handle.write(chunk);
    await handle.chmod(mode & 0o777);
  } finally {
    await handle.close();
  }
}


