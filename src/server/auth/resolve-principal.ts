import type { Clock } from '../../core/index.js';
import { UnauthorizedError } from '../../core/index.js';
import type { ControlStore, TokenRecord } from '../../store/index.js';
import { looksLikeJwt } from './access-tokens.js';
import type { ProjectRole } from './permissions.js';
import { isProjectRole, lowerRole } from './permissions.js';
import type { Principal } from './principal.js';
import type { SessionService } from './sessions.js';
import { hashToken } from './tokens.js';

/** A token's last use is written at most this often, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * How long a runner token's principal is kept in memory. A runner calls several times a
 * second per job (polls, log batches, results), and reading its token for each call was a
 * fifth of the store's statements per job. The price: a runner token that is revoked keeps
 * working for up to this long on a server that used it just before. Other tokens (admin,
 * API, registration) and sessions are read on every request.
 */
const RUNNER_TOKEN_CACHE_MS = 5_000;
/** Runner tokens kept at most; the oldest goes first. */
const RUNNER_TOKEN_CACHE_SIZE = 1_000;

/**
 * Turns a bearer credential into a Principal: a JWT is a signed-in user (its session must
 * still be alive); an opaque `dl?_` token is looked up by hash. Every failure is the same
 * 401, whatever was wrong, so a caller learns nothing about which tokens exist.
 */
export class PrincipalResolver {
  private readonly runnerTokens = new Map<string, { readonly principal: Principal; readonly until: number }>();

  constructor(
    private readonly store: ControlStore,
    private readonly sessions: SessionService,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  async fromHeader(header: string | undefined): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) throw new UnauthorizedError();
    return this.fromCredential(match[1] as string);
  }

  async fromCredential(credential: string): Promise<Principal> {
    if (looksLikeJwt(credential)) {
      const { user, sessionId } = await this.sessions.authenticate(credential);
      return {
        kind: 'user',
        name: user.username,
        userId: user.id,
        tokenId: null,
        runnerId: null,
        sessionId,
        isAdmin: user.isAdmin,
        roles: knownRoles(await this.store.identity.rolesOf(user.id)),
      };
    }
    const now = this.clock.now();
    const hash = hashToken(credential);
    const cached = this.runnerTokens.get(hash);
    if (cached !== undefined && now < cached.until) return cached.principal;
    const record = await this.store.findTokenByHash(hash);
    if (!record || record.revokedAt !== null || (record.expiresAt !== null && record.expiresAt <= now)) {
      throw new UnauthorizedError('the token is unknown, expired or revoked');
    }
    if (record.lastUsedAt === null || now - record.lastUsedAt > TOUCH_INTERVAL_MS) await this.store.touchToken(record.id, now);
    const base = { tokenId: record.id, runnerId: record.runnerId, sessionId: null, userId: null, isAdmin: false, roles: new Map<number, ProjectRole>() };
    switch (record.kind) {
      case 'admin':
        return { ...base, kind: 'admin', name: 'admin-token', userId: record.userId, isAdmin: true };
      case 'runner':
        return this.rememberRunner(hash, { ...base, kind: 'runner', name: `runner:${record.name}` }, Math.min(now + RUNNER_TOKEN_CACHE_MS, record.expiresAt ?? Infinity));
      case 'runner-registration':
        return { ...base, kind: 'runner-registration', name: `registration-token:${record.name}` };
      case 'api':
        return this.apiToken(record, base);
    }
  }

  private rememberRunner(hash: string, principal: Principal, until: number): Principal {
    this.runnerTokens.delete(hash);
    if (this.runnerTokens.size >= RUNNER_TOKEN_CACHE_SIZE) this.runnerTokens.delete(this.runnerTokens.keys().next().value as string);
    this.runnerTokens.set(hash, { principal, until });
    return principal;
  }

  /** An API token acts for its owner, within its scope; an owner who is disabled or gone disables it. */
  private async apiToken(record: TokenRecord, base: Omit<Principal, 'kind' | 'name'>): Promise<Principal> {
    const owner = record.userId === null ? undefined : await this.store.identity.getUser(record.userId);
    if (!owner || owner.disabledAt !== null) throw new UnauthorizedError('the token is unknown, expired or revoked');
    const scope = record.scope;
    const ceiling = scope && isProjectRole(scope.role) ? scope.role : undefined;
    const roles = new Map<number, ProjectRole>();
    for (const [projectId, role] of knownRoles(await this.store.identity.rolesOf(owner.id))) {
      if (scope && scope.projects !== '*' && !scope.projects.includes(projectId)) continue;
      const effective = lowerRole(role, ceiling);
      if (effective) roles.set(projectId, effective);
    }
    const isAdmin = scope?.admin === true && owner.isAdmin;
    return { ...base, kind: 'api', name: `${owner.username} (token ${record.name})`, userId: owner.id, isAdmin, roles };
  }
}

function knownRoles(stored: Map<number, string>): Map<number, ProjectRole> {
  const roles = new Map<number, ProjectRole>();
  for (const [projectId, role] of stored) if (isProjectRole(role)) roles.set(projectId, role);
  return roles;
}
