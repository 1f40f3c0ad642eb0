import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SigningKeyInvalidError } from './signature-errors.js';

/**
 * A project's signing key pair. `privateKeyPem` is an unencrypted PKCS#8 PEM: whoever stores it must seal
 * it (the server keeps it in its secret vault) and never log it. `publicKeyPem` is the SPKI "PUBLIC KEY"
 * PEM that `cosign verify-blob --key` reads, safe to publish.
 */
export interface SigningKeyPair {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

const CURVE = 'prime256v1'; // NIST P-256, cosign's default key type

/** A fresh ECDSA P-256 key pair (what `cosign generate-key-pair` makes, without cosign's password-encrypted wrapper). */
export function generateSigningKeyPair(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: CURVE });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The public key of a private one (to re-export it, or to check a stored pair belongs together). */
export function publicKeyPemOf(privateKeyPem: string): string {
  return createPublicKey(loadPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

export function loadPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // Node's message may quote the input; a private key's text must never reach a log.
    throw new SigningKeyInvalidError('private', 'the PEM could not be read');
  }
  return requireP256(key, 'private');
}

export function loadPublicKey(pem: string): KeyObject {
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new SigningKeyInvalidError('public', 'expected a PEM "PUBLIC KEY" block (SPKI), as cosign public-key writes');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new SigningKeyInvalidError('public', 'the PEM could not be read');
  }
  return requireP256(key, 'public');
}

function requireP256(key: KeyObject, which: 'public' | 'private'): KeyObject {
  if (key.asymmetricKeyType !== 'ec') throw new SigningKeyInvalidError(which, `it is a ${key.asymmetricKeyType ?? 'symmetric'} key`);
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== CURVE) throw new SigningKeyInvalidError(which, `it is on curve ${curve ?? 'unknown'}, not P-256`);
  return key;
}
