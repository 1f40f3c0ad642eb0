import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import { InvalidRequestError, UnauthorizedError } from '../../core/index.js';
import type { IdentityStore, UserRecord } from '../../store/index.js';
import type { AccessTokenSigner } from './access-tokens.js';
import type { LoginThrottle } from './login-throttle.js';
import { decoyHash, hashPassword, MAX_PASSWORD_LENGTH, needsRehash, verifyPassword } from './passwords.js';
import { hashToken } from './tokens.js';

export interface SessionTokens {
  readonly accessToken: string;
  /** When the access token expires (epoch ms): refresh before. */
  readonly accessTokenExpiresAt: number;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: number;
  readonly user: { readonly id: number; readonly username: string; readonly isAdmin: boolean };
}

/** What security monitoring wants to know (handbook 9.9); the server counts them as metrics. */
export interface SecurityEvents {
  loginFailed(reason: 'password' | 'throttled' | 'disabled'): void;
  refreshReplayed(): void;
}

export interface SessionServiceOptions {
  readonly identity: IdentityStore;
  readonly signer: AccessTokenSigner;
  readonly throttle: LoginThrottle;
  readonly clock: Pick<Clock, 'now'>;
  readonly events: SecurityEvents;
  readonly refreshTtlMs?: number;
}

export const REFRESH_TOKEN_TTL_MS = 14 * 24 * 60 * 60 * 1000;
const REFRESH_PREFIX = 'dls_';
const WRONG = 'wrong user name or password';

/**
 * Logins, refresh-token rotation and logout. A login starts a family of refresh tokens; each
 * refresh retires the token presented and issues the next one. Presenting a retired token
 * again means two parties hold it (one stole it), so the whole family is revoked and both
 * must sign in again (the defence OAuth 2.0 Security BCP §4.14 describes). Access tokens name
 * their family, so logout and a detected replay end them at once, not when they expire.
 */
export class SessionService {
  private readonly refreshTtlMs: number;

  constructor(private readonly options: SessionServiceOptions) {
    this.refreshTtlMs = options.refreshTtlMs ?? REFRESH_TOKEN_TTL_MS;
  }

  async login(username: string, password: string, address: string): Promise<SessionTokens> {
    const { identity, throttle, events } = this.options;
    try {
      await throttle.attempt(username, address);
    } catch (error) {
      events.loginFailed('throttled');
      throw error;
    }
    const user = await identity.getUserByName(username);
    // Unknown names cost a hash too, so timing does not tell which names exist.
    const valid = password.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(password, user?.passwordHash ?? (await decoyHash())));
    if (!user || !valid) {
      events.loginFailed('password');
      throw new UnauthorizedError(WRONG);
    }
    if (user.disabledAt !== null) {
      events.loginFailed('disabled');
      throw new UnauthorizedError('this account is disabled');
    }
    await throttle.succeeded(username, address);
    if (needsRehash(user.passwordHash)) await identity.updateUser(user.id, { passwordHash: await hashPassword(password) });
    return this.issue(user, randomUUID());
  }

  /**
   * Checks a signed-in user's current password (before changing it), throttled like logins:
   * a stolen access token must not become a way to guess the password without limits.
   */
  async confirmPassword(user: UserRecord, password: string, address: string): Promise<void> {
    const { throttle, events } = this.options;
    await throttle.attempt(user.username, address);
    if (password.length > MAX_PASSWORD_LENGTH || !(await verifyPassword(password, user.passwordHash))) {
      events.loginFailed('password');
      throw new InvalidRequestError('currentPassword: the current password is wrong', 'currentPassword');
    }
    await throttle.succeeded(user.username, address);
  }

  async refresh(refreshToken: string): Promise<SessionTokens> {
    const { identity, clock, events } = this.options;
    const now = clock.now();
    const record = refreshToken.startsWith(REFRESH_PREFIX) ? await identity.findRefreshToken(hashToken(refreshToken)) : undefined;
    if (!record || record.revokedAt !== null) throw new UnauthorizedError('the refresh token is unknown or revoked; sign in again');
    if (record.rotatedAt !== null || !(await identity.markRefreshTokenRotated(record.id, now))) {
      await identity.revokeRefreshFamily(record.familyId, now);
      events.refreshReplayed();
      throw new UnauthorizedError('this refresh token was already used; every session it belongs to is now signed out');
    }
    if (record.expiresAt <= now) throw new UnauthorizedError('the refresh token has expired; sign in again');
    const user = await identity.getUser(record.userId);
    if (!user || user.disabledAt !== null) {
      await identity.revokeRefreshFamily(record.familyId, now);
      throw new UnauthorizedError('this account is disabled');
    }
    return this.issue(user, record.familyId);
  }

  async logout(sessionId: string): Promise<void> {
    await this.options.identity.revokeRefreshFamily(sessionId, this.options.clock.now());
  }

  /** The user behind an access token, if its session is still alive and the account enabled. */
  async authenticate(accessToken: string): Promise<{ user: UserRecord; sessionId: string }> {
    const { signer, identity, clock } = this.options;
    const now = clock.now();
    const claims = await signer.verify(accessToken, now);
    if (!(await identity.refreshFamilyActive(claims.sessionId, now))) throw new UnauthorizedError('this session has ended; sign in again');
    const user = await identity.getUser(claims.userId);
    if (!user || user.disabledAt !== null) throw new UnauthorizedError('this account is disabled');
    return { user, sessionId: claims.sessionId };
  }

  private async issue(user: UserRecord, familyId: string): Promise<SessionTokens> {
    const now = this.options.clock.now();
    const refreshToken = `${REFRESH_PREFIX}${randomBytes(32).toString('base64url')}`;
    const refreshTokenExpiresAt = now + this.refreshTtlMs;
    await this.options.identity.createRefreshToken({ familyId, userId: user.id, tokenHash: hashToken(refreshToken), createdAt: now, expiresAt: refreshTokenExpiresAt });
    const access = await this.options.signer.sign({ userId: user.id, username: user.username, sessionId: familyId }, now);
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken,
      refreshTokenExpiresAt,
      user: { id: user.id, username: user.username, isAdmin: user.isAdmin },
    };
  }
}
