import { DeployliteError, NotFoundError } from '../../core/index.js';
import type { BlobDigest } from './digest.js';

export class BlobNotFoundError extends NotFoundError {
  constructor(readonly digest: BlobDigest) {
    super(`blob ${digest} not found`);
  }
}

/** The content sent does not hash to the digest the sender promised; nothing was stored. */
export class BlobDigestMismatchError extends DeployliteError {
  constructor(
    readonly expected: BlobDigest,
    readonly actual: BlobDigest,
    readonly size: number,
  ) {
    super('blob.digest-mismatch', `content does not match its digest: expected ${expected}, got ${actual} (${size} bytes)`);
  }
}

/** The content sent is not the size the sender promised; nothing was stored. */
export class BlobSizeMismatchError extends DeployliteError {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super('blob.size-mismatch', `content is ${actual} bytes, expected ${expected}`);
  }
}

/**
 * A stored blob no longer hashes to its name (bit rot, a truncated file, someone edited it). Raised as the
 * error of a `get` stream after its last byte, so a reader that treats a stream error as failure never
 * accepts the bad bytes.
 */
export class BlobCorruptedError extends DeployliteError {
  constructor(
    readonly digest: BlobDigest,
    readonly actual: BlobDigest,
    readonly size: number,
  ) {
    super('blob.corrupted', `stored blob ${digest} is corrupted: its ${size} bytes hash to ${actual}`);
  }
}
