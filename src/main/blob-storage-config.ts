import { join, resolve } from 'node:path';
import { DiskBlobStore, DiskRefStore, S3BlobStore, S3RefStore, type BlobStore, type RefStore, type S3ConnectionOptions } from '../artifacts/index.js';
import { UsageError } from '../core/index.js';

/** Where artifacts, SBOMs, signatures and caches are kept (docs/artifacts.md#configuration). */
export type BlobStorageSettings = { readonly backend: 'disk'; readonly root: string } | { readonly backend: 's3'; readonly s3: S3ConnectionOptions };

/** The environment variables of these settings, merged into the server's (server-config.ts). */
export const BLOB_STORAGE_ENV: Record<string, string> = {
  DEPLOYLITE_BLOB_BACKEND: 'blobs.backend',
  DEPLOYLITE_BLOB_DIR: 'blobs.dir',
  DEPLOYLITE_S3_BUCKET: 'blobs.s3.bucket',
  DEPLOYLITE_S3_PREFIX: 'blobs.s3.prefix',
  DEPLOYLITE_S3_REGION: 'blobs.s3.region',
  DEPLOYLITE_S3_ENDPOINT: 'blobs.s3.endpoint',
  DEPLOYLITE_S3_FORCE_PATH_STYLE: 'blobs.s3.forcePathStyle',
  DEPLOYLITE_S3_ACCESS_KEY_ID: 'blobs.s3.accessKeyId',
  DEPLOYLITE_S3_SECRET_ACCESS_KEY: 'blobs.s3.secretAccessKey',
};

interface SettingSource {
  string(key: string): string | undefined;
  boolean(key: string): boolean | undefined;
}

/** Disk in `<dataDir>/blobs` unless told otherwise; S3 needs a bucket, and both keys of a key pair or neither. */
export function resolveBlobStorage(read: SettingSource, dataDir: string, cwd: string): BlobStorageSettings {
  const backend = read.string('blobs.backend') ?? 'disk';
  if (backend === 'disk') return { backend, root: resolve(cwd, read.string('blobs.dir') ?? join(dataDir, 'blobs')) };
  if (backend !== 's3') throw new UsageError(`blobs.backend (DEPLOYLITE_BLOB_BACKEND): expected disk or s3, got "${backend}"`);
  const bucket = read.string('blobs.s3.bucket');
  if (bucket === undefined) throw new UsageError('blobs.backend s3 needs blobs.s3.bucket (DEPLOYLITE_S3_BUCKET)');
  const endpoint = read.string('blobs.s3.endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new UsageError(`blobs.s3.endpoint (DEPLOYLITE_S3_ENDPOINT): expected http(s)://host[:port], got "${endpoint.replace(/\/\/[^@/]*@/, '//…@')}"`);
  }
  const accessKeyId = read.string('blobs.s3.accessKeyId');
  const secretAccessKey = read.string('blobs.s3.secretAccessKey');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new UsageError('blobs.s3.accessKeyId and blobs.s3.secretAccessKey go together: set both, or neither for the AWS default credential chain');
  }
  const prefix = read.string('blobs.s3.prefix');
  return {
    backend,
    s3: {
      bucket,
      region: read.string('blobs.s3.region') ?? 'us-east-1',
      // S3-compatible servers at an endpoint of their own nearly all want path-style addresses.
      forcePathStyle: read.boolean('blobs.s3.forcePathStyle') ?? endpoint !== undefined,
      ...(prefix !== undefined ? { prefix } : {}),
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(accessKeyId !== undefined && secretAccessKey !== undefined ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    },
  };
}

/** The blob and reference stores the settings describe: the server keeps artifacts (and caches) in them. */
export function createBlobStorage(settings: BlobStorageSettings): { readonly blobs: BlobStore; readonly refs: RefStore } {
  if (settings.backend === 'disk') return { blobs: new DiskBlobStore({ root: settings.root }), refs: new DiskRefStore({ root: settings.root }) };
  return { blobs: new S3BlobStore(settings.s3), refs: new S3RefStore(settings.s3) };
}
