import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * A credential kept in the data dir: written once with mode 0600 (owner only) through a
 * temporary file and a rename, so a crash never leaves a half-written credential behind.
 */
export function writeSecretFile(path: string, value: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${value}\n`, { mode: 0o600 });
  renameSync(temp, path);
}

/** The file's value, or undefined when it does not exist. */
export function readSecretFile(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

export function readOrCreateSecretFile(path: string, create: () => string): { value: string; created: boolean } {
  const existing = readSecretFile(path);
  if (existing) return { value: existing, created: false };
  const value = create();
  writeSecretFile(path, value);
  return { value, created: true };
}
