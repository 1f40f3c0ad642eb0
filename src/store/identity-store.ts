/**
 * Who may use the control plane and what it keeps for them: users, project memberships,
 * refresh-token sessions, encrypted secrets and the append-only audit log. Part of the
 * ControlStore (`store.identity`), over the same database; roles are plain strings here
 * because the permission table that gives them meaning lives in the server.
 */
export interface UserRecord {
  readonly id: number;
  readonly username: string;
  /** `scrypt$…` (see server/auth/passwords.ts); never the password. */
  readonly passwordHash: string;
  readonly isAdmin: boolean;
  readonly disabledAt: number | null;
  readonly createdAt: number;
}

export type NewUser = Omit<UserRecord, 'id' | 'disabledAt'>;

export interface MembershipRecord {
  readonly projectId: number;
  readonly userId: number;
  readonly username: string;
  readonly role: string;
  readonly createdAt: number;
}

/**
 * One refresh token. Tokens issued by rotating one another form a family (one login); a
 * rotated token presented again means it was stolen, and the whole family is revoked.
 */
export interface RefreshTokenRecord {
  readonly id: number;
  readonly familyId: string;
  readonly userId: number;
  /** SHA-256 hex of the token. */
  readonly tokenHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly rotatedAt: number | null;
  readonly revokedAt: number | null;
}

export type NewRefreshToken = Omit<RefreshTokenRecord, 'id' | 'rotatedAt' | 'revokedAt'>;

export interface IdentityStore {
  /** ConflictError when the name is taken. */
  createUser(user: NewUser): Promise<UserRecord>;
  getUser(id: number): Promise<UserRecord | undefined>;
  getUserByName(username: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  updateUser(id: number, patch: Partial<Pick<UserRecord, 'passwordHash' | 'isAdmin' | 'disabledAt'>>): Promise<UserRecord | undefined>;

  /** Adds the member or changes the role. */
  setMembership(projectId: number, userId: number, role: string, now: number): Promise<void>;
  removeMembership(projectId: number, userId: number): Promise<boolean>;
  listMembers(projectId: number): Promise<MembershipRecord[]>;
  /** project id → role, for one user. */
  rolesOf(userId: number): Promise<Map<number, string>>;

  createRefreshToken(token: NewRefreshToken): Promise<RefreshTokenRecord>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /** Marks the token rotated only if it is neither rotated nor revoked yet: false means replay (or a lost race). */
  markRefreshTokenRotated(id: number, now: number): Promise<boolean>;
  /** Revokes every token of the family (logout, replay). */
  revokeRefreshFamily(familyId: string, now: number): Promise<void>;
  /** Whether the family still has a live token: access tokens of a logged-out family stop working. */
  refreshFamilyActive(familyId: string, now: number): Promise<boolean>;
  revokeUserSessions(userId: number, now: number): Promise<void>;
}

/** A secret as stored: only ciphertext, sealed under a data key (see server/secrets). */
export interface SecretRecord {
  readonly id: number;
  readonly projectId: number;
  /** '' for a project-wide secret, else the environment it is limited to. */
  readonly environment: string;
  readonly name: string;
  /** base64 of AES-256-GCM ciphertext and tag. */
  readonly ciphertext: string;
  /** base64 of the 12-byte nonce. */
  readonly nonce: string;
  readonly dataKeyId: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

export type NewSecret = Omit<SecretRecord, 'id' | 'createdAt'>;

/** A data key, wrapped (AES-256-GCM) under the master key whose fingerprint it names. */
export interface DataKeyRecord {
  readonly id: number;
  readonly wrapped: string;
  readonly nonce: string;
  readonly masterKeyId: string;
  readonly createdAt: number;
}

export interface SecretStore {
  /** The newest data key: new secrets are sealed under it. */
  currentDataKey(): Promise<DataKeyRecord | undefined>;
  getDataKey(id: number): Promise<DataKeyRecord | undefined>;
  listDataKeys(): Promise<DataKeyRecord[]>;
  addDataKey(key: Omit<DataKeyRecord, 'id'>): Promise<DataKeyRecord>;
  /** Re-wraps a data key under another master key (rotation): the key itself does not change. */
  rewrapDataKey(id: number, wrapped: string, nonce: string, masterKeyId: string): Promise<void>;

  /** Creates or replaces (project, environment, name). */
  putSecret(secret: NewSecret): Promise<SecretRecord>;
  deleteSecret(projectId: number, environment: string, name: string): Promise<boolean>;
  listSecrets(projectId: number): Promise<SecretRecord[]>;
  /** Every secret sealed under `dataKeyId`, for re-encryption. */
  listSecretsByDataKey(dataKeyId: number): Promise<SecretRecord[]>;
  /** Replaces the ciphertext only if the secret was not changed since `updatedAt` (rotation races a write). */
  resealSecret(id: number, expectUpdatedAt: number, sealed: { ciphertext: string; nonce: string; dataKeyId: number }): Promise<boolean>;
}

export type AuditStatus = 'ok' | 'denied' | 'failed';

export interface AuditRecord {
  readonly id: number;
  readonly time: number;
  /** A user name, `token:<name>`, `runner:<name>` or `system`. */
  readonly actor: string;
  readonly action: string;
  /** What was acted on, e.g. `project:web`, `run:42`, `secret:web/DB_PASSWORD`. */
  readonly resource: string;
  readonly status: AuditStatus;
  readonly httpStatus: number | null;
  readonly traceId: string;
  readonly sourceIp: string;
  /** Small, secret-free details (the denied permission, a run's ref). */
  readonly detail: Readonly<Record<string, unknown>>;
}

export type NewAuditRecord = Omit<AuditRecord, 'id'>;

export interface AuditQuery {
  readonly actor?: string;
  readonly action?: string;
  /** Exact, except that one ending in `:` is a prefix: `project:web` finds that project, `run:` every run. */
  readonly resource?: string;
  readonly status?: AuditStatus;
  readonly since?: number;
  readonly until?: number;
  /** Newest first, older than this id (pagination). */
  readonly beforeId?: number;
  readonly limit: number;
}

/** Append-only: there is no update or delete, and the database refuses them (triggers). */
export interface AuditStore {
  append(record: NewAuditRecord): Promise<void>;
  query(query: AuditQuery): Promise<AuditRecord[]>;
}
