import { S3Client } from '@aws-sdk/client-s3';
import { InvalidRequestError } from '../../core/index.js';

/** Where the S3 backends keep their objects, and how to reach them. Resolved in main/ from server config. */
export interface S3ConnectionOptions {
  readonly bucket: string;
  /** Prepended to every key (`deploylite/`), so one bucket can hold several installations. Default none. */
  readonly prefix?: string;
  readonly region: string;
  /** For S3-compatible servers (MinIO, Ceph RGW, …); AWS's own endpoint when unset. */
  readonly endpoint?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key`: what most S3-compatible servers need. */
  readonly forcePathStyle?: boolean;
  /** Static credentials; unset means the AWS SDK's default chain (env, profile, instance role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

/** The key prefix, checked: segments of letters, digits, . _ -, each ending in `/`, none of them `.` or `..`. */
export function checkedKeyPrefix(prefix = ''): string {
  if (!/^([A-Za-z0-9._-]+\/)*$/.test(prefix) || prefix.split('/').some((segment) => /^\.+$/.test(segment))) {
    throw new InvalidRequestError(`S3 key prefix "${prefix}": use letters, digits, . _ - and end with /`, 'prefix');
  }
  return prefix;
}

export function createS3Client(options: S3ConnectionOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    // The stores hash every byte themselves (SHA-256 end to end), so the SDK's own CRC checksums add nothing,
    // and their aws-chunked trailers are what S3-compatible servers most often reject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function isS3NotFound(thrown: unknown): boolean {
  const error = thrown as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return error?.name === 'NotFound' || error?.name === 'NoSuchKey' || error?.$metadata?.httpStatusCode === 404;
}
