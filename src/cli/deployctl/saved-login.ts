import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, isAbsolute, join } from 'node:path';
import { UsageError } from '../../core/index.js';

/** What `deployctl login` keeps: the only file `deployctl` writes. */
export interface SavedLogin {
  readonly server: string;
  /** The token given to `login --token`, or the signed-in session's current access token. */
  readonly token: string;
  /** Only for `login --user`: how the next access token is obtained when this one expires. */
  readonly session?: SavedSession;
}

/** A signed-in session: `token` is its short-lived access token (a JWT). */
export interface SavedSession {
  readonly username: string;
  /** Single use: the server rotates it on every refresh and treats a second use as theft. */
  readonly refreshToken: string;
  /** Epoch milliseconds. */
  readonly accessTokenExpiresAt: number;
  readonly refreshTokenExpiresAt: number;
}

export interface ConfigLocation {
  readonly DEPLOYCTL_CONFIG?: string | undefined;
  readonly XDG_CONFIG_HOME?: string | undefined;
  /** $HOME, or the account's home directory when it is unset. */
  readonly home: string;
}

/** $DEPLOYCTL_CONFIG, else $XDG_CONFIG_HOME/deploylite/deployctl.json, else ~/.config/deploylite/deployctl.json. */
export function resolveConfigPath(location: ConfigLocation): string {
  if (location.DEPLOYCTL_CONFIG) return location.DEPLOYCTL_CONFIG;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = location.XDG_CONFIG_HOME && isAbsolute(location.XDG_CONFIG_HOME) ? location.XDG_CONFIG_HOME : join(location.home, '.config');
  return join(base, 'deploylite', 'deployctl.json');
}

/** The saved login, or undefined when there is none yet. */
export function readSavedLogin(path: string): SavedLogin | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the deployctl config ${path}: ${code ?? 'unreadable'}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const login = value as { server?: unknown; token?: unknown; session?: unknown } | undefined;
  const session = login?.session === undefined ? undefined : asSession(login.session);
  if (typeof login?.server !== 'string' || typeof login.token !== 'string' || session === null) {
    throw new UsageError(`${path} is not a deployctl config file (expected {"server": …, "token": …}); run \`deployctl login\` to write it again`);
  }
  return { server: login.server, token: login.token, ...(session && { session }) };
}

function asSession(value: unknown): SavedSession | null {
  const session = value as Partial<Record<keyof SavedSession, unknown>> | null;
  if (
    typeof session?.username !== 'string' ||
    typeof session.refreshToken !== 'string' ||
    typeof session.accessTokenExpiresAt !== 'number' ||
    typeof session.refreshTokenExpiresAt !== 'number'
  ) {
    return null;
  }
  const { username, refreshToken, accessTokenExpiresAt, refreshTokenExpiresAt } = session;
  return { username, refreshToken, accessTokenExpiresAt, refreshTokenExpiresAt };
}

/**
 * Saves the login readable by its owner only (0600): written to a private temporary file
 * beside the target and renamed over it, so a crash never leaves a half-written file and the
 * token is never readable by others, not even for a moment.
 */
export function saveLogin(path: string, login: SavedLogin): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      const saved: SavedLogin = { server: login.server, token: login.token, ...(login.session && { session: login.session }) };
      writeSync(fd, JSON.stringify(saved, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    syncDirectory(dirname(path));
  } catch (thrown) {
    rmSync(temporary, { force: true });
    const code = (thrown as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write the deployctl config ${path}: ${code ?? (thrown as Error).message}`);
  }
}

/**
 * Makes the rename itself durable: after a refresh the old refresh token is spent, so a power
 * cut must not bring it back. Best effort: some file systems cannot fsync a directory.
 */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // EISDIR/EINVAL/EPERM on file systems without directory fsync: the rename stands anyway.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `deployctl logout`: forgets the login; no file is no error. */
export function removeSavedLogin(path: string): boolean {
  try {
    rmSync(path);
    return true;
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    throw new UsageError(`cannot remove the deployctl config ${path}: ${code ?? (thrown as Error).message}`);
  }
}
