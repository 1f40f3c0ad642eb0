import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with a random 96-bit nonce per value and additional authenticated data that
 * names what the value is for (a secret's project, environment and name; a data key's id).
 * A ciphertext copied onto another row then fails to decrypt instead of handing one project's
 * secret to another. With random nonces one key stays safe for 2^32 encryptions (NIST
 * SP 800-38D §8.3); rotation replaces the data key long before that.
 */
export interface Sealed {
  /** Ciphertext followed by the 16-byte tag. */
  readonly ciphertext: Buffer;
  readonly nonce: Buffer;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext, nonce };
}

/** Throws when the key, the nonce, the AAD or a single bit of the ciphertext is wrong. */
export function open(key: Buffer, sealed: Sealed, aad: string): Buffer {
  checkKey(key);
  if (sealed.nonce.length !== NONCE_BYTES || sealed.ciphertext.length < TAG_BYTES) throw new Error('the sealed value is malformed');
  const body = sealed.ciphertext.subarray(0, sealed.ciphertext.length - TAG_BYTES);
  const tag = sealed.ciphertext.subarray(sealed.ciphertext.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new Error(`AES-256 keys are ${KEY_BYTES} bytes, not ${key.length}`);
}
