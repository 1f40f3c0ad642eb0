import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_BYTES } from './aead.js';

export interface MasterKey {
  /** A fingerprint, stored beside every data key it wraps; never the key. */
  readonly id: string;
  readonly key: Buffer;
}

/** The master keys a server may unwrap data keys with: the current one first, older ones after. */
export interface MasterKeyRing {
  /** The key new data keys are wrapped under (a key file is re-read). */
  current(): MasterKey;
  /** A key by fingerprint; a key file is re-read once when the id is unknown (another process rotated). */
  find(id: string): MasterKey | undefined;
  /** Where the keys come from, for messages. */
  readonly source: string;
}

export const MASTER_KEY_FILE = 'master-keys';

/**
 * Master keys come from configuration (DEPLOYLITE_MASTER_KEY, base64 of 32 bytes; earlier ones
 * in DEPLOYLITE_MASTER_KEY_PREVIOUS while rotating) or from `<dataDir>/master-keys`, created
 * with mode 0600 on first start: one base64 key per line, the current one first.
 */
export function loadMasterKeys(dataDir: string, configured: readonly string[] = []): MasterKeyRing {
  if (configured.length > 0) {
    const keys = configured.map((text, index) => toMasterKey(text, `DEPLOYLITE_MASTER_KEY${index === 0 ? '' : '_PREVIOUS'}`));
    return ring(() => keys, 'configuration', false);
  }
  const file = join(dataDir, MASTER_KEY_FILE);
  if (!existsSync(file)) writeKeyFile(file, [randomBytes(KEY_BYTES)]);
  return ring(() => readKeyFile(file), file, true);
}

/** Puts a new current key in front of the key file; the old ones stay until re-wrapping is done. */
export function addMasterKey(dataDir: string): MasterKey {
  const file = join(dataDir, MASTER_KEY_FILE);
  const existing = existsSync(file) ? readKeyFile(file).map((k) => k.key) : [];
  const key = randomBytes(KEY_BYTES);
  writeKeyFile(file, [key, ...existing]);
  return { id: fingerprint(key), key };
}

/** Drops every key but the current one, once nothing is wrapped under them any more. */
export function retireOldMasterKeys(dataDir: string): void {
  const file = join(dataDir, MASTER_KEY_FILE);
  const [current] = readKeyFile(file);
  if (current) writeKeyFile(file, [current.key]);
}

function ring(read: () => MasterKey[], source: string, rereadable: boolean): MasterKeyRing {
  let keys = read();
  if (keys.length === 0) throw new Error(`${source} holds no master key`);
  return {
    source,
    // Re-read: another process (`deploylite secrets rotate-key`) may have made a new key current.
    // Only new data keys need it, which is rare.
    current() {
      if (rereadable) keys = read();
      return keys[0] as MasterKey;
    },
    find(id) {
      const found = keys.find((k) => k.id === id);
      if (found || !rereadable) return found;
      keys = read();
      return keys.find((k) => k.id === id);
    },
  };
}

function toMasterKey(text: string, name: string): MasterKey {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${name} must be ${KEY_BYTES} bytes in base64 (e.g. \`openssl rand -base64 32\`), not ${key.length} bytes`);
  return { id: fingerprint(key), key };
}

function readKeyFile(file: string): MasterKey[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line, index) => toMasterKey(line, `${file} line ${index + 1}`));
}

function writeKeyFile(file: string, keys: Buffer[]): void {
  const temp = `${file}.${process.pid}.tmp`;
  const text = `# DeployLite master keys: the first is current. Keep this file secret and backed up;\n# without it no stored secret can be decrypted.\n${keys.map((k) => k.toString('base64')).join('\n')}\n`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, file);
}

function fingerprint(key: Buffer): string {
  return createHash('sha256').update('deploylite master key').update(key).digest('hex').slice(0, 16);
}
