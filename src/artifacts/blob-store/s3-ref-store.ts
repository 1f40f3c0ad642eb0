import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseRefKey } from './artifact-layout.js';
import { isBlobDigest, parseBlobDigest, type BlobDigest } from './digest.js';
import type { BlobRef, RefStore } from './ref-store.js';
import { checkedKeyPrefix, createS3Client, isS3NotFound, type S3ConnectionOptions } from './s3-connection.js';

/** References as tiny objects `<prefix>refs/<key>` whose body is the digest; a PUT replaces an object atomically. */
export class S3RefStore implements RefStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly refsPrefix: string;

  constructor(options: S3ConnectionOptions) {
    this.refsPrefix = `${checkedKeyPrefix(options.prefix)}refs/`;
    this.bucket = options.bucket;
    this.client = createS3Client(options);
  }

  async set(key: string, digest: BlobDigest): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Body: parseBlobDigest(digest), ContentType: 'text/plain' }));
  }

  async resolve(key: string): Promise<BlobDigest | undefined> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return parseBlobDigest(((await Body?.transformToString('utf8')) ?? '').trim());
    } catch (thrown) {
      if (isS3NotFound(thrown)) return undefined;
      throw thrown;
    }
  }

  async delete(key: string): Promise<boolean> {
    const objectKey = this.keyOf(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (thrown) {
      if (isS3NotFound(thrown)) return false;
      throw thrown;
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    return true;
  }

  async *list(prefix = ''): AsyncGenerator<BlobRef> {
    const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: `${this.refsPrefix}${prefix}` });
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.refsPrefix.length);
        if (key === undefined) continue;
        const digest = await this.resolve(key).catch(() => undefined);
        if (digest !== undefined && isBlobDigest(digest)) yield { key, digest };
      }
    }
  }

  close(): void {
    this.client.destroy();
  }

  private keyOf(key: string): string {
    return `${this.refsPrefix}${parseRefKey(key)}`;
  }
}
