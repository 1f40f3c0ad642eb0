import { DeployliteError } from '../../core/index.js';
import { ApiError } from './api-errors.js';
import type { SessionTokens } from './api-schemas.js';
import type { ConfigLockTiming } from './config-lock.js';
import { withConfigLock } from './config-lock.js';
import type { Credentials } from './credentials.js';
import type { SavedLogin, SavedSession } from './saved-login.js';
import { readSavedLogin, saveLogin } from './saved-login.js';

/** An access token this close to its expiry is renewed first: the request must not die on the way. */
export const RENEW_BEFORE_EXPIRY_MS = 30_000;

/** The saved session cannot be renewed (logged out, expired, replayed, account disabled): sign in again. */
export class SessionEndedError extends DeployliteError {
  constructor(server: string, username: string, reason: string) {
    super('session.ended', `your session on ${server} has ended (${reason}): log in again with \`deployctl login --server ${server} --user ${username}\``);
  }
}

export interface SessionCredentialsOptions {
  readonly configPath: string;
  readonly login: SavedLogin & { readonly session: SavedSession };
  /** POST /auth/refresh with this refresh token. */
  readonly refresh: (refreshToken: string) => Promise<SessionTokens>;
  readonly now: () => number;
  readonly lockTiming?: Partial<ConfigLockTiming>;
}

/** The saved login for a session the server just issued. */
export function sessionLogin(server: string, tokens: SessionTokens): SavedLogin & { session: SavedSession } {
  return {
    server,
    token: tokens.accessToken,
    session: {
      username: tokens.user.username,
      refreshToken: tokens.refreshToken,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
    },
  };
}

/**
 * The credentials of a `deployctl login --user` session: the saved access token, renewed with
 * the refresh token when it is about to expire or the server refuses it. A refresh spends the
 * refresh token, so the new pair is written to the config file (atomically, under a lock that
 * other deployctl processes respect) before the new access token is used: however the command
 * ends after that, the file never holds a refresh token the server has already seen.
 */
export class SessionCredentials implements Credentials {
  private login: SavedLogin & { readonly session: SavedSession };
  /** Concurrent requests of one command share one refresh. */
  private renewing: Promise<string> | undefined;

  constructor(private readonly options: SessionCredentialsOptions) {
    this.login = options.login;
  }

  current(): Promise<string> {
    if (this.renewing) return this.renewing;
    if (this.login.session.accessTokenExpiresAt - RENEW_BEFORE_EXPIRY_MS > this.options.now()) return Promise.resolve(this.login.token);
    return this.renew(this.login.token);
  }

  renew(rejected: string): Promise<string> {
    this.renewing ??= withConfigLock(this.options.configPath, () => this.refreshUnderLock(rejected), this.options.lockTiming).finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async refreshUnderLock(rejected: string): Promise<string> {
    const { server, session } = this.login;
    const { configPath, now } = this.options;
    const saved = readSavedLogin(configPath);
    if (!saved?.session || saved.server !== server || saved.session.username !== session.username) {
      throw new SessionEndedError(server, session.username, `the saved login in ${configPath} was replaced or removed while this command ran`);
    }
    const current = { ...saved, session: saved.session };
    // Another deployctl renewed the session since this one read the file: use its token.
    if (current.token !== rejected && current.session.accessTokenExpiresAt - RENEW_BEFORE_EXPIRY_MS > now()) {
      this.login = current;
      return current.token;
    }
    if (current.session.refreshTokenExpiresAt <= now()) throw new SessionEndedError(server, session.username, 'the refresh token has expired');
    let tokens: SessionTokens;
    try {
      tokens = await this.options.refresh(current.session.refreshToken);
    } catch (thrown) {
      if (thrown instanceof ApiError && thrown.status === 401) throw new SessionEndedError(server, session.username, withoutAdvice(thrown.message));
      throw thrown;
    }
    const next = sessionLogin(server, tokens);
    saveLogin(configPath, next);
    this.login = next;
    return next.token;
  }
}

/** "the refresh token has expired; sign in again" → "the refresh token has expired": the error says how to sign in. */
function withoutAdvice(message: string): string {
  return message.replace(/;\s*sign in again\.?$/i, '');
}
