import { lstat, mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Makes the error for a refused write, from the reason (the caller names the entry and its source). */
export type RefuseWrite = (reason: string) => Error;

/**
 * Creates `segments` one below the other inside `target`, refusing any that already is a symbolic link or not a
 * directory: what an archive unpacks is never written through a link, wherever the link came from.
 */
export async function makeDirectoriesInside(target: string, segments: readonly string[], refuse: RefuseWrite): Promise<void> {
  let current = target;
  for (const [index, segment] of segments.entries()) {
    current = join(current, segment);
    const stats = await lstat(current).catch((thrown: NodeJS.ErrnoException) => {
      if (thrown.code === 'ENOENT') return undefined;
      throw thrown;
    });
    if (stats === undefined) {
      await mkdir(current);
      continue;
    }
    const shown = segments.slice(0, index + 1).join('/');
    if (stats.isSymbolicLink()) throw refuse(`it would be written through the symbolic link "${shown}"`);
    if (!stats.isDirectory()) throw refuse(`"${shown}" is not a directory`);
  }
}

/**
 * Removes the file or link at `absolute` that an entry replaces (then created with O_EXCL|O_NOFOLLOW, so nothing put
 * there meanwhile is followed); a directory in its place is refused.
 */
export async function clearForEntry(absolute: string, refuse: RefuseWrite): Promise<void> {
  const stats = await lstat(absolute).catch(() => undefined);
  if (stats === undefined) return;
  if (stats.isDirectory()) throw refuse('a directory is in its place');
  await unlink(absolute);
}
