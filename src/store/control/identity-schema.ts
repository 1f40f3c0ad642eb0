import type { Generated } from 'kysely';

/** Tables of users, memberships, sessions, secrets and the audit log (identity-migration.ts). */
export interface IdentityTables {
  users: UsersTable;
  project_members: ProjectMembersTable;
  refresh_tokens: RefreshTokensTable;
  data_keys: DataKeysTable;
  secrets: SecretsTable;
  audit_log: AuditLogTable;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  /** 0 or 1, as every flag (better-sqlite3 cannot bind booleans). */
  is_admin: 0 | 1;
  disabled_at: number | null;
  created_at: number;
}

export interface ProjectMembersTable {
  project_id: number;
  user_id: number;
  role: string;
  created_at: number;
}

export interface RefreshTokensTable {
  id: Generated<number>;
  family_id: string;
  user_id: number;
  token_hash: string;
  created_at: number;
  expires_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

export interface DataKeysTable {
  id: Generated<number>;
  wrapped: string;
  nonce: string;
  master_key_id: string;
  created_at: number;
}

export interface SecretsTable {
  id: Generated<number>;
  project_id: number;
  environment: string;
  name: string;
  ciphertext: string;
  nonce: string;
  data_key_id: number;
  created_at: number;
  updated_at: number;
  updated_by: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  time: number;
  actor: string;
  action: string;
  resource: string;
  status: string;
  http_status: number | null;
  trace_id: string;
  source_ip: string;
  /** JSON object. */
  detail: string;
}
