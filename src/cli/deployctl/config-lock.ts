import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../../core/index.js';

export interface ConfigLockTiming {
  /** How long to wait for another deployctl to finish before giving up. */
  readonly waitMs: number;
  /** A lock older than this was left by a deployctl that died; it is taken over. */
  readonly staleMs: number;
  readonly pollMs: number;
}

const DEFAULT_LOCK_TIMING: ConfigLockTiming = { waitMs: 15_000, staleMs: 60_000, pollMs: 25 };

/**
 * Runs `work` while holding `<config>.lock`, a file created exclusively (O_EXCL), so that
 * deployctl processes sharing a saved session refresh it one at a time. Without it two
 * commands started together would both present the same refresh token, and the server,
 * seeing a rotated token used again, would end the session for both (replay defence).
 */
export async function withConfigLock<T>(configPath: string, work: () => Promise<T>, timing: Partial<ConfigLockTiming> = {}): Promise<T> {
  const { waitMs, staleMs, pollMs } = { ...DEFAULT_LOCK_TIMING, ...timing };
  const lockPath = `${configPath}.lock`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const fd = tryCreate(lockPath);
    if (fd !== undefined) {
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    }
    if (ageMs(lockPath) > staleMs) {
      rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new UsageError(`another deployctl holds ${lockPath} while it renews the saved session; if none is running, delete that file`);
    }
    await sleep(pollMs);
  }
  try {
    return await work();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function tryCreate(path: string): number | undefined {
  try {
    return openSync(path, 'wx', 0o600);
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    const code = (thrown as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot create the lock file ${path}: ${code ?? (thrown as Error).message}`);
  }
}

/** How old the lock is; a lock that vanished meanwhile counts as fresh (the next try takes it). */
function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
