import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import { ForbiddenError, UnauthorizedError } from '../../core/index.js';
import type { ControlStore, TokenKind, TokenRecord } from '../../store/index.js';

/** Who is calling: resolved from the bearer token of a request. */
export interface Principal {
  readonly kind: TokenKind;
  readonly name: string;
  readonly tokenId: number;
  readonly runnerId: number | null;
}

const PREFIX: Record<TokenKind, string> = { admin: 'dla', api: 'dlp', 'runner-registration': 'dlr', runner: 'dlx' };

/** A new random token; its kind is visible in the prefix so a leaked one is recognisable. */
export function newToken(kind: TokenKind): string {
  return `${PREFIX[kind]}_${randomBytes(24).toString('base64url')}`;
}

/** Tokens are stored as SHA-256 only; looking one up by hash leaks nothing about the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function authenticate(store: ControlStore, clock: Clock, header: string | undefined): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new UnauthorizedError();
  const record = await store.findTokenByHash(hashToken(match[1] as string));
  if (!record || !usable(record, clock.now())) throw new UnauthorizedError('the token is unknown, expired or revoked');
  return { kind: record.kind, name: record.name, tokenId: record.id, runnerId: record.runnerId };
}

/** Users and scripts: admin and API tokens. Runner credentials can only do runner things. */
export function requireUser(principal: Principal): Principal {
  if (principal.kind !== 'admin' && principal.kind !== 'api') {
    throw new ForbiddenError('runner tokens can only be used by runners');
  }
  return principal;
}

export function requireKind(principal: Principal, kind: TokenKind): Principal {
  if (principal.kind !== kind) throw new ForbiddenError(`this needs a ${kind} token`);
  return principal;
}

function usable(record: TokenRecord, now: number): boolean {
  return record.revokedAt === null && (record.expiresAt === null || record.expiresAt > now);
}
