import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../../core/index.js';

/**
 * Short-lived access tokens: JWTs signed with HMAC-SHA256 under a key only this server (and
 * its replicas, which share the data dir or the configured key) holds. Verification accepts
 * exactly one algorithm, so `alg: none` and RS/HS confusion are refused by construction, and
 * checks issuer, audience, type and expiry. `jose` is used rather than `jsonwebtoken` because
 * it has no dependencies, refuses `none` unless asked, and is the one most maintained.
 */
export interface AccessTokenClaims {
  /** The user id. */
  readonly userId: number;
  readonly username: string;
  /** The refresh-token family the access token was issued from: logout revokes the family. */
  readonly sessionId: string;
}

export interface AccessTokenSigner {
  sign(claims: AccessTokenClaims, nowMs: number): Promise<{ token: string; expiresAt: number }>;
  verify(token: string, nowMs: number): Promise<AccessTokenClaims>;
}

const ALGORITHM = 'HS256';
const ISSUER = 'deploylite';
const AUDIENCE = 'deploylite-api';
const TYPE = 'at+jwt';
export const ACCESS_TOKEN_TTL_MS = 15 * 60 * 1000;

/** `key` must be at least 32 random bytes (HS256's own key length). */
export function createAccessTokenSigner(key: Uint8Array, ttlMs = ACCESS_TOKEN_TTL_MS): AccessTokenSigner {
  if (key.length < 32) throw new Error('the JWT signing key must be at least 32 bytes');
  return {
    async sign(claims, nowMs) {
      const issuedAt = Math.floor(nowMs / 1000);
      const expiresAt = issuedAt + Math.floor(ttlMs / 1000);
      const token = await new SignJWT({ name: claims.username, sid: claims.sessionId })
        .setProtectedHeader({ alg: ALGORITHM, typ: TYPE })
        .setSubject(String(claims.userId))
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(key);
      return { token, expiresAt: expiresAt * 1000 };
    },
    async verify(token, nowMs) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          audience: AUDIENCE,
          typ: TYPE,
          currentDate: new Date(nowMs),
          requiredClaims: ['sub', 'exp', 'iat'],
        });
        const userId = Number(payload.sub);
        if (!Number.isSafeInteger(userId) || typeof payload['name'] !== 'string' || typeof payload['sid'] !== 'string') {
          throw new UnauthorizedError('the access token is malformed');
        }
        return { userId, username: payload['name'], sessionId: payload['sid'] };
      } catch (error) {
        if (error instanceof UnauthorizedError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('the access token has expired; refresh it', 'auth.token-expired');
        throw new UnauthorizedError('the access token is not valid');
      }
    },
  };
}

/** Whether a bearer credential looks like a JWT rather than one of our opaque `dl?_` tokens. */
export function looksLikeJwt(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(credential);
}
