import type { Kysely, Selectable } from 'kysely';
import { ConflictError } from '../../core/index.js';
import type { IdentityStore, MembershipRecord, NewRefreshToken, NewUser, RefreshTokenRecord, UserRecord } from '../identity-store.js';
import type { RefreshTokensTable, UsersTable } from './identity-schema.js';
import type { ControlDatabase } from './schema.js';

/** Users, memberships and refresh-token families (IdentityStore) over Kysely, both dialects. */
export class IdentityQueries implements IdentityStore {
  constructor(private readonly db: Kysely<ControlDatabase>) {}

  async createUser(user: NewUser): Promise<UserRecord> {
    const row = await this.db
      .insertInto('users')
      .values({ username: user.username, password_hash: user.passwordHash, is_admin: user.isAdmin ? 1 : 0, disabled_at: null, created_at: user.createdAt })
      .onConflict((oc) => oc.column('username').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ConflictError(`a user named "${user.username}" already exists`, 'user.exists');
    return toUser(row);
  }

  async getUser(id: number): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async getUserByName(username: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && toUser(row);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('username').execute()).map(toUser);
  }

  async updateUser(id: number, patch: Partial<Pick<UserRecord, 'passwordHash' | 'isAdmin' | 'disabledAt'>>): Promise<UserRecord | undefined> {
    const row = await this.db
      .updateTable('users')
      .set({
        ...(patch.passwordHash !== undefined ? { password_hash: patch.passwordHash } : {}),
        ...(patch.isAdmin !== undefined ? { is_admin: patch.isAdmin ? 1 : 0 } : {}),
        ...(patch.disabledAt !== undefined ? { disabled_at: patch.disabledAt } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }

  async setMembership(projectId: number, userId: number, role: string, now: number): Promise<void> {
    await this.db
      .insertInto('project_members')
      .values({ project_id: projectId, user_id: userId, role, created_at: now })
      .onConflict((oc) => oc.columns(['project_id', 'user_id']).doUpdateSet({ role }))
      .execute();
  }

  async removeMembership(projectId: number, userId: number): Promise<boolean> {
    const result = await this.db.deleteFrom('project_members').where('project_id', '=', projectId).where('user_id', '=', userId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async listMembers(projectId: number): Promise<MembershipRecord[]> {
    const rows = await this.db
      .selectFrom('project_members')
      .innerJoin('users', 'users.id', 'project_members.user_id')
      .select(['project_members.project_id', 'project_members.user_id', 'users.username', 'project_members.role', 'project_members.created_at'])
      .where('project_members.project_id', '=', projectId)
      .orderBy('users.username')
      .execute();
    return rows.map((row) => ({ projectId: row.project_id, userId: row.user_id, username: row.username, role: row.role, createdAt: row.created_at }));
  }

  async rolesOf(userId: number): Promise<Map<number, string>> {
    const rows = await this.db.selectFrom('project_members').select(['project_id', 'role']).where('user_id', '=', userId).execute();
    return new Map(rows.map((row) => [row.project_id, row.role]));
  }

  async createRefreshToken(token: NewRefreshToken): Promise<RefreshTokenRecord> {
    const row = await this.db
      .insertInto('refresh_tokens')
      .values({
        family_id: token.familyId,
        user_id: token.userId,
        token_hash: token.tokenHash,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        rotated_at: null,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRefreshToken(row);
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row && toRefreshToken(row);
  }

  async markRefreshTokenRotated(id: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('refresh_tokens')
      .set({ rotated_at: now })
      .where('id', '=', id)
      .where('rotated_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async revokeRefreshFamily(familyId: string, now: number): Promise<void> {
    await this.db.updateTable('refresh_tokens').set({ revoked_at: now }).where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
  }

  async refreshFamilyActive(familyId: string, now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .where('rotated_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row !== undefined;
  }

  async revokeUserSessions(userId: number, now: number): Promise<void> {
    await this.db.updateTable('refresh_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  }
}

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    isAdmin: row.is_admin === 1,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
  };
}

function toRefreshToken(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: row.id,
    familyId: row.family_id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    rotatedAt: row.rotated_at,
    revokedAt: row.revoked_at,
  };
}
