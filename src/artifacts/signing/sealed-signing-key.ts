import { DeployliteError } from '../../core/index.js';
import { generateSigningKeyPair, loadPrivateKey, publicKeyPemOf } from './signing-keys.js';

/**
 * Envelope encryption for a value, bound to `aad`. The server's SecretVault (`seal`/`open`) fits; artifacts/
 * names only the shape, so it never imports the server.
 */
export interface KeySealer {
  seal(value: unknown, aad: string): Promise<string>;
  open(text: string, aad: string): Promise<unknown>;
}

/** A project's key as stored: the public key in the clear, the private key sealed to that project. */
export interface StoredSigningKey {
  readonly publicKeyPem: string;
  readonly sealedPrivateKey: string;
}

// The AAD names the project, so a sealed key moved to another project's row cannot be opened there.
const aadFor = (projectId: number) => `artifact-signing-key:v1:project:${projectId}`;

/** A new key pair for a project, its private half sealed before it leaves this function. */
export async function createProjectSigningKey(projectId: number, sealer: KeySealer): Promise<StoredSigningKey> {
  const { publicKeyPem, privateKeyPem } = generateSigningKeyPair();
  return { publicKeyPem, sealedPrivateKey: await sealer.seal(privateKeyPem, aadFor(projectId)) };
}

/** The private key PEM, for signBlob. Fails if the sealed key belongs to another project or does not match its public key. */
export async function openProjectSigningKey(projectId: number, stored: StoredSigningKey, sealer: KeySealer): Promise<string> {
  const opened = await sealer.open(stored.sealedPrivateKey, aadFor(projectId));
  if (typeof opened !== 'string') throw new DeployliteError('signature.key-unusable', `the signing key of project ${projectId} is not a PEM`);
  loadPrivateKey(opened);
  if (publicKeyPemOf(opened) !== stored.publicKeyPem) {
    throw new DeployliteError('signature.key-unusable', `the signing key of project ${projectId} does not match its public key`);
  }
  return opened;
}
