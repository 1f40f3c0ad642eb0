import { InvalidRequestError } from '../../core/index.js';

/** A blob's name: `sha256:` and 64 lowercase hex digits, as OCI registries and cosign write it. */
export type BlobDigest = `sha256:${string}`;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function isBlobDigest(value: string): value is BlobDigest {
  return DIGEST.test(value);
}

/** Checks a digest that came from outside (a request, a manifest) before it becomes part of a path or key. */
export function parseBlobDigest(value: string): BlobDigest {
  if (!isBlobDigest(value)) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    throw new InvalidRequestError(`not a blob digest: "${shown}" (expected sha256: and 64 lowercase hex digits)`, 'digest', 'blob.invalid-digest');
  }
  return value;
}

/** The 64 hex digits of a digest. */
export function digestHex(digest: BlobDigest): string {
  return digest.slice('sha256:'.length);
}
