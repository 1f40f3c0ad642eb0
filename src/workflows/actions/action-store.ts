import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DeployliteError } from '../../core/index.js';

/** One action checkout kept in the store, as `deploylite actions list` shows it. */
export interface StoredAction {
  /** `owner/repo@ref` as `uses:` names it (owner and repo lower-case). */
  readonly name: string;
  readonly dir: string;
}

/**
 * The local action store: copies of action checkouts, one folder per `owner/repo@ref`, so that a
 * runner without internet can run `uses: owner/repo@ref`. Layout: `STORE/owner/repo@ref/`, the
 * ref URI-encoded (`releases/v1` → `releases%2Fv1`); owner and repo lower-case, as GitHub
 * compares them without case.
 */
export function storedActionDir(storeDir: string, owner: string, repo: string, ref: string): string {
  return join(storeDir, owner.toLowerCase(), `${repo.toLowerCase()}@${encodeURIComponent(ref)}`);
}

/** `OWNER/REPO@REF` → its parts; a usage error for anything else. */
export function parseStoreName(name: string): { owner: string; repo: string; ref: string } {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)@(.+)$/.exec(name);
  if (!match || match[1] === '..' || match[2] === '..') {
    throw new DeployliteError('actions.invalid-name', `expected OWNER/REPO@REF (as in uses:), got "${name}"`);
  }
  return { owner: match[1] as string, repo: match[2] as string, ref: match[3] as string };
}

/**
 * Copies the checkout in `fromDir` (without `.git`) into the store as `name`, replacing an
 * earlier copy. The copy lands in a temporary folder first, so a failed copy leaves the old one.
 */
export function addStoredAction(storeDir: string, name: string, fromDir: string): StoredAction {
  const { owner, repo, ref } = parseStoreName(name);
  if (!existsSync(fromDir) || !statSync(fromDir).isDirectory()) {
    throw new DeployliteError('actions.invalid-source', `--from ${fromDir}: no such directory`);
  }
  const dir = storedActionDir(storeDir, owner, repo, ref);
  const staging = `${dir}.adding-${process.pid}`;
  mkdirSync(join(storeDir, owner.toLowerCase()), { recursive: true });
  rmSync(staging, { recursive: true, force: true });
  cpSync(fromDir, staging, { recursive: true, filter: (source) => !/[\\/]\.git$/.test(source) });
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return { name: `${owner.toLowerCase()}/${repo.toLowerCase()}@${ref}`, dir };
}

/** Every stored action, sorted by name. */
export function listStoredActions(storeDir: string): StoredAction[] {
  if (!existsSync(storeDir)) return [];
  const actions: StoredAction[] = [];
  for (const owner of readdirSync(storeDir, { withFileTypes: true })) {
    if (!owner.isDirectory()) continue;
    for (const entry of readdirSync(join(storeDir, owner.name), { withFileTypes: true })) {
      const at = entry.name.indexOf('@');
      if (!entry.isDirectory() || at <= 0 || entry.name.includes('.adding-')) continue;
      const name = `${owner.name}/${entry.name.slice(0, at)}@${decodeURIComponent(entry.name.slice(at + 1))}`;
      actions.push({ name, dir: join(storeDir, owner.name, entry.name) });
    }
  }
  return actions.sort((a, b) => a.name.localeCompare(b.name));
}
