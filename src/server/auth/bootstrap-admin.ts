import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Clock } from '../../core/index.js';
import type { ControlStore, UserRecord } from '../../store/index.js';
import { hashPassword } from './passwords.js';
import { readSecretFile, writeSecretFile } from './secret-file.js';
import { hashToken, newToken } from './tokens.js';

export interface AdminBootstrap {
  /** Where a generated admin token was written, or null when it came from configuration. */
  readonly tokenFile: string | null;
  readonly created: boolean;
  /** The admin user's name, and where its generated first password was written (null when configured or not new). */
  readonly username: string;
  readonly passwordFile: string | null;
}

export interface AdminCredentials {
  /** DEPLOYLITE_ADMIN_TOKEN: an API credential with admin rights, for scripts. */
  readonly token?: string;
  /** DEPLOYLITE_ADMIN_PASSWORD: the `admin` user's first password (used only when the user is created). */
  readonly password?: string;
}

export const ADMIN_USERNAME = 'admin';

/**
 * Makes sure an admin can get in. The `admin` user is created on first start, with the
 * configured password or a generated one written to `<dataDir>/admin-password` (mode 0600).
 * The admin token acts as that user: a configured DEPLOYLITE_ADMIN_TOKEN is registered as is
 * and every other admin token revoked (so changing the variable rotates it); otherwise the
 * first start generates one into `<dataDir>/admin-token` (0600) and later starts reuse it.
 */
export async function bootstrapAdmin(store: ControlStore, clock: Clock, dataDir: string, configured: AdminCredentials): Promise<AdminBootstrap> {
  const { user, passwordFile } = await ensureAdminUser(store, clock, dataDir, configured.password);
  if (configured.token) {
    const hash = hashToken(configured.token);
    const existing = await store.findTokenByHash(hash);
    if (!existing) await store.createToken({ name: 'admin', kind: 'admin', tokenHash: hash, runnerId: null, createdAt: clock.now(), expiresAt: null, userId: user.id });
    for (const token of await store.listTokens()) {
      if (token.kind === 'admin' && token.tokenHash !== hash && token.revokedAt === null) await store.revokeToken(token.id, clock.now());
    }
    return { tokenFile: null, created: false, username: user.username, passwordFile };
  }
  const file = join(dataDir, 'admin-token');
  const saved = readSecretFile(file);
  if (saved && (await store.findTokenByHash(hashToken(saved)))?.revokedAt === null) {
    return { tokenFile: file, created: false, username: user.username, passwordFile };
  }
  const token = newToken('admin');
  writeSecretFile(file, token);
  await store.createToken({ name: 'admin', kind: 'admin', tokenHash: hashToken(token), runnerId: null, createdAt: clock.now(), expiresAt: null, userId: user.id });
  return { tokenFile: file, created: true, username: user.username, passwordFile };
}

async function ensureAdminUser(store: ControlStore, clock: Clock, dataDir: string, configured: string | undefined): Promise<{ user: UserRecord; passwordFile: string | null }> {
  const existing = await store.identity.getUserByName(ADMIN_USERNAME);
  if (existing) return { user: existing, passwordFile: null };
  const password = configured ?? randomBytes(18).toString('base64url');
  const user = await store.identity.createUser({ username: ADMIN_USERNAME, passwordHash: await hashPassword(password), isAdmin: true, createdAt: clock.now() });
  if (configured) return { user, passwordFile: null };
  const passwordFile = join(dataDir, 'admin-password');
  writeSecretFile(passwordFile, password);
  return { user, passwordFile };
}
