import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../core/index.js';
import type { ControlStore } from '../../store/index.js';
import { hashToken, newToken } from './tokens.js';

export interface AdminBootstrap {
  /** Where a generated admin token was written, or null when it came from configuration. */
  readonly tokenFile: string | null;
  readonly created: boolean;
}

/**
 * Makes sure an admin credential exists. A configured token (DEPLOYLITE_ADMIN_TOKEN) is
 * registered as is, so scripts can start a server non-interactively; otherwise the first
 * start generates one into `<dataDir>/admin-token` (mode 0600) and later starts point to it.
 */
export async function bootstrapAdmin(store: ControlStore, clock: Clock, dataDir: string, configured: string | undefined): Promise<AdminBootstrap> {
  if (configured) {
    const hash = hashToken(configured);
    if (!(await store.findTokenByHash(hash))) {
      await store.createToken({ name: 'admin', kind: 'admin', tokenHash: hash, runnerId: null, createdAt: clock.now(), expiresAt: null });
    }
    return { tokenFile: null, created: false };
  }
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (await store.findTokenByHash(hashToken(token))) return { tokenFile: file, created: false };
  }
  const token = newToken('admin');
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${token}\n`, { mode: 0o600 });
  renameSync(temp, file);
  await store.createToken({ name: 'admin', kind: 'admin', tokenHash: hashToken(token), runnerId: null, createdAt: clock.now(), expiresAt: null });
  return { tokenFile: file, created: true };
}
