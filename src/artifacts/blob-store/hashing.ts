import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BlobCorruptedError } from './blob-errors.js';
import type { BlobDigest } from './digest.js';

/** Hashes and counts bytes as they pass; `digest()` is valid once the source has ended. */
export class ContentHasher {
  private readonly hash: Hash = createHash('sha256');
  size = 0;

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.byteLength;
  }

  digest(): BlobDigest {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** Yields the source's chunks unchanged while feeding them to `hasher` (for SDKs that take an iterable body). */
export async function* hashAsItPasses(source: AsyncIterable<Uint8Array>, hasher: ContentHasher): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hasher.update(bytes);
    yield bytes;
  }
}

/**
 * Passes a stored blob's bytes through and checks them against its name at the end: on a mismatch the
 * stream ends in a BlobCorruptedError instead of a clean end, so the reader never takes bad bytes as good.
 * The last chunk is held back until the check passes, so a consumer that counts bytes (an HTTP response
 * with a Content-Length) is always cut short on corruption, never handed the full length.
 */
export class VerifyingStream extends Transform {
  private readonly hasher = new ContentHasher();
  private heldBack: Buffer | undefined;

  constructor(private readonly expected: BlobDigest) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hasher.update(chunk);
    const previous = this.heldBack;
    this.heldBack = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.hasher.digest();
    if (actual !== this.expected) {
      callback(new BlobCorruptedError(this.expected, actual, this.hasher.size));
      return;
    }
    callback(null, this.heldBack);
  }
}
