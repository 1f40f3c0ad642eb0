import { randomUUID } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  paginateListObjectsV2,
  type S3Client,
  UploadPartCopyCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { InvalidRequestError, systemClock, type Clock } from '../../core/index.js';
import { checkedKeyPrefix, createS3Client, isS3NotFound, type S3ConnectionOptions } from './s3-connection.js';
import { BlobDigestMismatchError, BlobNotFoundError, BlobSizeMismatchError } from './blob-errors.js';
import {
  DEFAULT_DOWNLOAD_URL_SECONDS,
  DEFAULT_INCOMPLETE_UPLOAD_GRACE_MS,
  MAX_DOWNLOAD_URL_SECONDS,
  type BlobInfo,
  type BlobStore,
  type DownloadUrlOptions,
  type IncompleteUploadCleanup,
  type PutBlobOptions,
} from './blob-store.js';
import { digestHex, isBlobDigest, parseBlobDigest, type BlobDigest } from './digest.js';
import { ContentHasher, hashAsItPasses, VerifyingStream } from './hashing.js';

export interface S3BlobStoreOptions extends S3ConnectionOptions {
  /** Multipart upload part size; default 8 MiB, at least 5 MiB (S3's minimum). */
  readonly partSizeBytes?: number;
  /** Parts uploaded in parallel; default 4. Memory per upload is about partSizeBytes × parallelParts. */
  readonly parallelParts?: number;
  /** Above this size the server-side copy into place is a multipart copy; default 5 GiB (CopyObject's limit). */
  readonly maxCopyObjectBytes?: number;
  /** Part size of that multipart copy; default 1 GiB. */
  readonly copyPartSizeBytes?: number;
  readonly clock?: Clock;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
const HEX = /^[0-9a-f]{64}$/;

/**
 * The BlobStore on S3 or an S3-compatible service: objects at `<prefix>blobs/sha256/<first two hex>/<hex>`.
 *
 * Why upload to a temporary key and copy: the key is the digest of the content, which is known only after
 * the last byte. Streaming straight to a key named by a digest the client announced would make unverified
 * bytes visible under a content address (and S3 checks a full-object SHA-256 only for single-part PUTs, not
 * for the parallel multipart upload large artifacts need). So bytes stream once, hashed as they pass, to
 * `<prefix>uploads/<uuid>` with parallel multipart upload; once the digest is checked, a server-side
 * CopyObject (no bytes through DeployLite; a multipart UploadPartCopy above 5 GiB) puts them in place and
 * the temporary object is deleted. A copy is atomic, so a blob is either absent or whole. A killed upload
 * leaves an incomplete multipart upload (never visible as an object) or, in the short window between
 * upload and copy, a temporary object: `removeIncompleteUploads` aborts and deletes both; a bucket
 * lifecycle rule `AbortIncompleteMultipartUpload` is the backstop for servers that cannot list them.
 */
export class S3BlobStore implements BlobStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly parallelParts: number;
  private readonly maxCopyObjectBytes: number;
  private readonly copyPartSize: number;
  private readonly clock: Clock;

  constructor(options: S3BlobStoreOptions) {
    const prefix = checkedKeyPrefix(options.prefix);
    const partSize = options.partSizeBytes ?? 8 * 1024 * 1024;
    if (partSize < MIN_PART_SIZE) throw new InvalidRequestError(`S3 part size ${partSize}: S3 needs at least ${MIN_PART_SIZE} bytes`, 'partSizeBytes');
    this.bucket = options.bucket;
    this.prefix = prefix;
    this.partSize = partSize;
    this.parallelParts = options.parallelParts ?? 4;
    this.maxCopyObjectBytes = options.maxCopyObjectBytes ?? 5 * 1024 ** 3;
    this.copyPartSize = options.copyPartSizeBytes ?? 1024 ** 3;
    this.clock = options.clock ?? systemClock;
    this.description = `s3 ${options.bucket}/${prefix}${options.endpoint ? ` at ${new URL(options.endpoint).host}` : ''}`;
    this.client = createS3Client(options);
  }

  async put(source: AsyncIterable<Uint8Array>, options: PutBlobOptions = {}): Promise<BlobInfo> {
    options.signal?.throwIfAborted();
    const tempKey = `${this.prefix}uploads/${randomUUID()}`;
    const hasher = new ContentHasher();
    const { expectedSize } = options;
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: tempKey, Body: Readable.from(limitSize(hashAsItPasses(source, hasher), expectedSize)) },
      partSize: this.partSize,
      queueSize: this.parallelParts,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    let uploaded = false;
    try {
      await upload.done();
      uploaded = true;
      options.signal?.throwIfAborted();
      const digest = hasher.digest();
      if (expectedSize !== undefined && hasher.size !== expectedSize) throw new BlobSizeMismatchError(expectedSize, hasher.size);
      if (options.expectedDigest !== undefined && digest !== options.expectedDigest) {
        throw new BlobDigestMismatchError(options.expectedDigest, digest, hasher.size);
      }
      // Copied into place even when these bytes are stored already: still one object, and the verified copy
      // replaces one that may have rotted, with a new LastModified, so the cleaner's grace period protects a
      // blob that this put is about to hand to a new reference.
      await this.copyIntoPlace(tempKey, this.keyOf(digest), hasher.size);
      return { digest, size: hasher.size, storedAt: new Date(this.clock.now()) };
    } catch (thrown) {
      throw options.signal?.aborted ? options.signal.reason : thrown;
    } finally {
      options.signal?.removeEventListener('abort', abort);
      if (uploaded) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tempKey })).catch(() => undefined);
    }
  }

  async get(digest: BlobDigest): Promise<Readable> {
    let body;
    try {
      ({ Body: body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(digest) })));
    } catch (thrown) {
      if (isS3NotFound(thrown)) throw new BlobNotFoundError(digest);
      throw thrown;
    }
    if (!(body instanceof Readable)) throw new Error(`S3 GetObject for ${digest} returned no stream`);
    const verifying = new VerifyingStream(digest);
    pipeline(body, verifying, () => undefined);
    return verifying;
  }

  async stat(digest: BlobDigest): Promise<BlobInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(digest) }));
      return { digest, size: head.ContentLength ?? 0, storedAt: head.LastModified ?? new Date(0) };
    } catch (thrown) {
      if (isS3NotFound(thrown)) return undefined;
      throw thrown;
    }
  }

  async has(digest: BlobDigest): Promise<boolean> {
    return (await this.stat(digest)) !== undefined;
  }

  async delete(digest: BlobDigest): Promise<boolean> {
    // DeleteObject succeeds whether or not the key existed; the HEAD gives the caller its answer.
    if (!(await this.has(digest))) return false;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(digest) }));
    return true;
  }

  async *list(): AsyncGenerator<BlobInfo> {
    const prefix = `${this.prefix}blobs/sha256/`;
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        const hex = object.Key?.slice(prefix.length + 3) ?? '';
        const digest = `sha256:${hex}`;
        if (!HEX.test(hex) || object.Key !== this.keyOf(digest as BlobDigest) || !isBlobDigest(digest)) continue;
        yield { digest, size: object.Size ?? 0, storedAt: object.LastModified ?? new Date(0) };
      }
    }
  }

  async downloadUrl(digest: BlobDigest, options: DownloadUrlOptions = {}): Promise<string> {
    const expiresIn = options.expiresInSeconds ?? DEFAULT_DOWNLOAD_URL_SECONDS;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_DOWNLOAD_URL_SECONDS) {
      throw new InvalidRequestError(`download URL lifetime ${expiresIn} s: use 1 to ${MAX_DOWNLOAD_URL_SECONDS} seconds`, 'expiresInSeconds');
    }
    if (!(await this.has(digest))) throw new BlobNotFoundError(digest);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.keyOf(digest),
      ...(options.fileName !== undefined ? { ResponseContentDisposition: `attachment; filename="${asciiFileName(options.fileName)}"` } : {}),
    });
    return getSignedUrl(this.client, command, { expiresIn });
  }

  async removeIncompleteUploads(options: { readonly olderThanMs?: number } = {}): Promise<IncompleteUploadCleanup> {
    const cutoff = this.clock.now() - (options.olderThanMs ?? DEFAULT_INCOMPLETE_UPLOAD_GRACE_MS);
    const prefix = `${this.prefix}uploads/`;
    let removed = 0;
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || (object.LastModified?.getTime() ?? 0) > cutoff) continue;
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: object.Key }));
        removed += 1;
      }
    }
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      let listing;
      try {
        listing = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: prefix, ...markers }));
      } catch (thrown) {
        if ((thrown as { name?: string }).name !== 'NotImplemented') throw thrown;
        return { removed, unsupported: 'the server cannot list multipart uploads: rely on a bucket lifecycle rule AbortIncompleteMultipartUpload' };
      }
      for (const pending of listing.Uploads ?? []) {
        if (pending.Key === undefined || pending.UploadId === undefined || (pending.Initiated?.getTime() ?? 0) > cutoff) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: pending.Key, UploadId: pending.UploadId }));
        removed += 1;
      }
      if (!listing.IsTruncated) break;
      markers = { ...(listing.NextKeyMarker ? { KeyMarker: listing.NextKeyMarker } : {}), ...(listing.NextUploadIdMarker ? { UploadIdMarker: listing.NextUploadIdMarker } : {}) };
    }
    return { removed };
  }

  /** Closes the SDK's connection pool. */
  close(): void {
    this.client.destroy();
  }

  private async copyIntoPlace(fromKey: string, toKey: string, size: number): Promise<void> {
    const CopySource = `${this.bucket}/${fromKey}`; // keys here are [A-Za-z0-9._/-]: nothing to encode
    if (size <= this.maxCopyObjectBytes) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource }));
      return;
    }
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: toKey }));
    try {
      const parts: CompletedPart[] = [];
      for (let start = 0, PartNumber = 1; start < size; start += this.copyPartSize, PartNumber += 1) {
        const end = Math.min(start + this.copyPartSize, size) - 1;
        const { CopyPartResult } = await this.client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: toKey, UploadId, PartNumber, CopySource, CopySourceRange: `bytes=${start}-${end}` }),
        );
        parts.push({ PartNumber, ETag: CopyPartResult?.ETag });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: toKey, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (thrown) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: toKey, UploadId })).catch(() => undefined);
      throw thrown;
    }
  }

  private keyOf(digest: BlobDigest): string {
    const hex = digestHex(parseBlobDigest(digest));
    return `${this.prefix}blobs/sha256/${hex.slice(0, 2)}/${hex}`;
  }
}

/** A quoted-string-safe ASCII file name for Content-Disposition: S3-compatible servers disagree on encoding more. */
function asciiFileName(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\]/g, '_');
}

/** Fails the upload as soon as the sender overruns the size it announced. */
async function* limitSize(source: AsyncIterable<Uint8Array>, expectedSize: number | undefined): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (expectedSize !== undefined && size > expectedSize) throw new BlobSizeMismatchError(expectedSize, size);
    yield chunk;
  }
}
