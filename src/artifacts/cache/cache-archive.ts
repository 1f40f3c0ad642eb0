import { spawn, type ChildProcess } from 'node:child_process';
import { lstat, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ARCHIVE_ROOT_NAMES, type CachePath, type CacheRoot } from './cache-paths.js';

/** The directories the archive's two roots stand for in this job; `home` is absent where steps have no home we can reach. */
export type CacheRootDirs = Readonly<Record<'workspace', string>> & { readonly home?: string };

/**
 * A cache archive is GNU tar piped through zstd, as actions/cache makes it, with every member under one of
 * two names: `ws/…` (the workspace) and `home/…` (the home directory). Both programs are spawned and joined
 * by an OS pipe, so the files never pass through JavaScript; only the compressed stream does, on its way into
 * the blob store (which hashes it).
 *
 * The archive is made in a scratch directory holding two symbolic links, `ws` and `home`, to the real roots:
 * tar follows a link in the middle of a name it is given but stores the files under the name, so one archive
 * holds both roots and the names say which is which. tar also follows a link in the middle of a path's own
 * name, and it runs on the runner's host: a job in a container that made `x -> /` could otherwise cache the
 * host's `x/etc/…` for a later job to restore. So every path's parent directories must resolve inside its root.
 */
export async function* packCacheArchive(paths: readonly CachePath[], roots: CacheRootDirs, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  for (const path of paths) await checkStaysInside(path, roots, 'not saved');
  const stage = await makeStage(roots);
  const children: ChildProcess[] = [];
  try {
    const tar = spawn('tar', ['-c', '-C', stage, '--', ...paths.map(memberName)], { stdio: ['ignore', 'pipe', 'pipe'], signal });
    children.push(tar);
    const zstd = spawn('zstd', ['-q', '-T0', '-c'], { stdio: [tar.stdout, 'pipe', 'pipe'], signal });
    children.push(zstd);
    tar.stdout.destroy(); // zstd holds the pipe now; this process's copy would keep tar's 'close' from coming
    const finished = Promise.all([exitOf(tar, 'tar'), exitOf(zstd, 'zstd')]);
    finished.catch(() => {}); // awaited below; a failure before the stream ends is reported there
    for await (const chunk of zstd.stdout as AsyncIterable<Uint8Array>) yield chunk;
    await finished;
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(stage, { recursive: true, force: true });
  }
}

/**
 * Extracts a cache archive into the job's roots: only the members of `paths` (an archive can never write
 * anywhere else), and only where the path's existing parent directories resolve inside their root (a checkout
 * may hold a symbolic link such as `node_modules -> /etc`; tar would write through it). Links inside the
 * archive are GNU tar's to make safe: it refuses `..` and absolute member names, and creates a link that is
 * absolute or climbs with `..` only after every file is written, so no file is written through one.
 */
export async function unpackCacheArchive(source: AsyncIterable<Uint8Array>, paths: readonly CachePath[], roots: CacheRootDirs, signal: AbortSignal): Promise<void> {
  for (const path of paths) await checkStaysInside(path, roots, 'not restored');
  const stage = await makeStage(roots);
  const children: ChildProcess[] = [];
  try {
    const zstd = spawn('zstd', ['-q', '-d', '-c'], { stdio: ['pipe', 'pipe', 'pipe'], signal });
    children.push(zstd);
    const tar = spawn('tar', ['-x', '--no-same-owner', '-C', stage, '--', ...paths.map(memberName)], { stdio: [zstd.stdout, 'ignore', 'pipe'], signal });
    children.push(tar);
    zstd.stdout.destroy(); // tar holds the pipe now; this process's copy would keep zstd's 'close' from coming
    const finished = Promise.all([exitOf(zstd, 'zstd'), exitOf(tar, 'tar', isOnlyMissingMembers)]);
    finished.catch(() => {});
    await Promise.all([pipeline(source, zstd.stdin), finished]);
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(stage, { recursive: true, force: true });
  }
}

/** Every archive zstd writes starts with a frame's magic number (0xFD2FB528, little-endian). */
const ZSTD_FRAME_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Whether `head`, the first bytes of a blob, can begin a cache archive: artifacts, SBOMs and signatures cannot. */
export function startsLikeCacheArchive(head: Uint8Array): boolean {
  return head.length >= ZSTD_FRAME_MAGIC.length && ZSTD_FRAME_MAGIC.equals(head.subarray(0, ZSTD_FRAME_MAGIC.length));
}

/** The paths that exist now (a file, a directory or a link), in the order given. */
export async function existingCachePaths(paths: readonly CachePath[], roots: CacheRootDirs): Promise<CachePath[]> {
  const found: CachePath[] = [];
  for (const path of paths) {
    const dir = rootDir(path.root, roots);
    if (dir === undefined) continue;
    const exists = await lstat(join(dir, path.path)).then(() => true, () => false);
    if (exists) found.push(path);
  }
  return found;
}

function memberName(path: CachePath): string {
  return `${ARCHIVE_ROOT_NAMES[path.root]}/${path.path}`;
}

function rootDir(root: CacheRoot, roots: CacheRootDirs): string | undefined {
  return root === 'workspace' ? roots.workspace : roots.home;
}

async function makeStage(roots: CacheRootDirs): Promise<string> {
  const stage = await mkdtemp(join(tmpdir(), 'deploylite-cache-'));
  await symlink(roots.workspace, join(stage, ARCHIVE_ROOT_NAMES.workspace));
  if (roots.home !== undefined) await symlink(roots.home, join(stage, ARCHIVE_ROOT_NAMES.home));
  return stage;
}

/** Throws when the nearest existing directory above `path` resolves outside its root (a symbolic link out). */
async function checkStaysInside(path: CachePath, roots: CacheRootDirs, outcome: 'not saved' | 'not restored'): Promise<void> {
  const dir = rootDir(path.root, roots);
  if (dir === undefined) throw new Error(`cache path "${path.written}": no home directory here`);
  const rootReal = await realpath(dir);
  let parent = dirname(join(dir, path.path));
  for (;;) {
    const real = await realpath(parent).catch(() => undefined);
    if (real !== undefined) {
      const inside = relative(rootReal, real);
      if (inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !inside.startsWith(sep))) return;
      throw new Error(`cache path "${path.written}" leads through a symbolic link out of the ${path.root === 'home' ? 'home directory' : 'workspace'}; ${outcome}`);
    }
    parent = dirname(parent);
  }
}

/** A restore-keys match may lack some of the paths (they did not exist when it was saved): tar says so and exits 2. */
function isOnlyMissingMembers(stderr: string): boolean {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  return lines.length > 0 && lines.every((line) => /Not found in archive|Exiting with failure status due to previous errors/.test(line));
}

function exitOf(child: ChildProcess, name: string, acceptable?: (stderr: string) => boolean): Promise<void> {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    if (stderr.length < 4000) stderr += text;
  });
  return new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`${name}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0 || (code === 2 && acceptable?.(stderr))) resolve();
      else reject(new Error(`${name} ${signal ? `was killed (${signal})` : `exited with ${code}`}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join('; ')}` : ''}`));
    });
  });
}
