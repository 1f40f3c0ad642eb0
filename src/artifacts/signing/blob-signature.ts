import { createSign, createVerify, type Sign, type Verify } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BlobDigestMismatchError } from '../blob-store/blob-errors.js';
import { parseBlobDigest, type BlobDigest } from '../blob-store/digest.js';
import { ContentHasher } from '../blob-store/hashing.js';
import { SignatureMalformedError, SignatureMismatchError } from './signature-errors.js';
import { loadPrivateKey, loadPublicKey } from './signing-keys.js';

export interface SignBlobOptions {
  /** PKCS#8 PEM of an ECDSA P-256 key (see generateSigningKeyPair). */
  readonly privateKeyPem: string;
  readonly blob: Readable | AsyncIterable<Uint8Array>;
}

export interface BlobSignature {
  /** What `cosign sign-blob --key` writes to its `--output-signature` file: base64 of the DER ECDSA signature. */
  readonly signatureBase64: string;
  /** `sha256:…` of the signed bytes: the digest the signature covers. */
  readonly digest: BlobDigest;
  readonly size: number;
}

export interface VerifyBlobSignatureOptions {
  /** SPKI PEM ("PUBLIC KEY"), e.g. a project's published key or `cosign public-key` output. */
  readonly publicKeyPem: string;
  /** The signature file's content; surrounding whitespace (a trailing newline) is ignored. */
  readonly signatureBase64: string;
  readonly blob: Readable | AsyncIterable<Uint8Array>;
  /** When given, the blob must also hash to this digest (the one its manifest or reference names). */
  readonly expectedDigest?: string;
}

/**
 * Signs a blob the way `cosign sign-blob --key` does: ECDSA P-256 over the SHA-256 of the bytes, the
 * signature DER-encoded and written as base64. Streams, so a blob of any size is signed in constant memory.
 */
export async function signBlob({ privateKeyPem, blob }: SignBlobOptions): Promise<BlobSignature> {
  const signer = new BlobSigner();
  for await (const chunk of blob) signer.update(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
  return signer.sign(privateKeyPem);
}

/**
 * signBlob fed by hand, for bytes that are already passing by for another reason (an upload being written):
 * the digest and the signature come from that one pass, so the bytes need not be read again to be signed.
 * The key is needed only at the end. A signer signs once.
 */
export class BlobSigner {
  private readonly hasher = new ContentHasher();
  private readonly signer: Sign = createSign('sha256');
  private finalDigest: BlobDigest | undefined;

  /** Bytes fed so far. */
  get size(): number {
    return this.hasher.size;
  }

  update(chunk: Uint8Array): void {
    this.hasher.update(chunk);
    this.signer.update(chunk);
  }

  /** `sha256:…` of the bytes fed; no more bytes may be fed after it. */
  digest(): BlobDigest {
    this.finalDigest ??= this.hasher.digest();
    return this.finalDigest;
  }

  sign(privateKeyPem: string): BlobSignature {
    const key = loadPrivateKey(privateKeyPem);
    const signature = this.signer.sign({ key, dsaEncoding: 'der' });
    return { signatureBase64: signature.toString('base64'), digest: this.digest(), size: this.hasher.size };
  }
}

/**
 * Checks what `cosign verify-blob --key` checks of a key-based signature: that the public key's owner signed
 * exactly these bytes. Resolves with the blob's digest; throws SignatureMismatchError (changed blob, changed
 * signature, other key), SignatureMalformedError, SigningKeyInvalidError, or BlobDigestMismatchError when
 * `expectedDigest` is given and the bytes hash to something else.
 */
export async function verifyBlobSignature(options: VerifyBlobSignatureOptions): Promise<{ digest: BlobDigest; size: number }> {
  const key = loadPublicKey(options.publicKeyPem);
  const signature = decodeSignature(options.signatureBase64);
  const expected = options.expectedDigest === undefined ? undefined : parseBlobDigest(options.expectedDigest);
  const verifier = createVerify('sha256');
  const { digest, size } = await feed(options.blob, verifier);
  // The digest is checked first: "this is not the artifact you asked for" says more than "bad signature".
  if (expected !== undefined && expected !== digest) throw new BlobDigestMismatchError(expected, digest, size);
  let valid: boolean;
  try {
    valid = verifier.verify({ key, dsaEncoding: 'der' }, signature);
  } catch {
    // Defensive: should OpenSSL reject the bytes outright rather than report a failed check.
    throw new SignatureMalformedError('its DER encoding could not be read');
  }
  if (!valid) throw new SignatureMismatchError(digest);
  return { digest, size };
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeSignature(text: string): Buffer {
  const trimmed = text.trim();
  if (trimmed === '' || !BASE64.test(trimmed) || trimmed.length % 4 !== 0) throw new SignatureMalformedError('it is not base64');
  const der = Buffer.from(trimmed, 'base64');
  if (!isEcdsaDerSignature(der)) throw new SignatureMalformedError('it is not a DER-encoded ECDSA P-256 signature');
  return der;
}

/**
 * An ECDSA signature is a DER SEQUENCE of two INTEGERs (r, s), each at most 33 bytes for P-256. Checked here
 * because OpenSSL reports any other bytes merely as a failed check, which would blame the content.
 */
function isEcdsaDerSignature(der: Buffer): boolean {
  if (der.length < 8 || der.length > 72 || der[0] !== 0x30 || der[1] !== der.length - 2) return false;
  let offset = 2;
  for (let integer = 0; integer < 2; integer += 1) {
    const length = der[offset + 1] ?? 0;
    if (der[offset] !== 0x02 || length < 1 || length > 33) return false;
    offset += 2 + length;
  }
  return offset === der.length;
}

async function feed(blob: Readable | AsyncIterable<Uint8Array>, target: Verify): Promise<{ digest: BlobDigest; size: number }> {
  const hasher = new ContentHasher();
  for await (const chunk of blob) {
    const bytes: Uint8Array = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    hasher.update(bytes);
    target.update(bytes);
  }
  return { digest: hasher.digest(), size: hasher.size };
}
