// A real S3-compatible server on loopback for the S3BlobStore tests: @20minutes/s3rver, a maintained fork of
// s3rver that, unlike s3rver 3.x, checks SigV4 signatures (headers and presigned query strings, including
// expiry), so a wrongly signed request or a tampered presigned URL fails here as it would on AWS.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3BlobStoreOptions } from '../../../../src/artifacts/index.js';

interface S3rverInstance {
  middleware: Array<(ctx: { path: string }, next: () => Promise<unknown>) => Promise<unknown>>;
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

interface CanonicalRequest {
  readonly uri: string;
}

const require = createRequire(import.meta.url);
const S3rver = require('@20minutes/s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
const sigV4 = require('@20minutes/s3rver/lib/signature/v4.js') as { getStringToSign: (request: CanonicalRequest, signature: unknown) => string };

// The fork rebuilds a request's canonical URI from the bucket name and drops the trailing slash the AWS SDK
// signs for bucket-level calls in path style (`GET /bucket/?list-type=2`), so every ListObjectsV2 would fail
// its signature check. Put the slash back, from the path the request really had; nothing else changes.
const requestPath = new AsyncLocalStorage<string>();
const originalStringToSign = sigV4.getStringToSign;
sigV4.getStringToSign = (request, signature) => {
  const path = requestPath.getStore();
  const uri = path !== undefined && path === `${request.uri}/` ? path : request.uri;
  return originalStringToSign({ ...request, uri }, signature);
};

export const TEST_BUCKET = 'deploylite-test';
const ACCESS_KEY = 'S3RVER'; // the fork's built-in account
const SECRET_KEY = 'S3RVER';

export interface S3TestServer {
  readonly endpoint: string;
  /** Options for an S3BlobStore on this server, each call under a fresh key prefix. */
  storeOptions(overrides?: Partial<S3BlobStoreOptions>): S3BlobStoreOptions;
  stop(): Promise<void>;
}

export async function startS3TestServer(): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 's3-test-server-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: TEST_BUCKET, configs: [] }],
    allowMismatchedSignatures: false,
  });
  server.middleware.unshift((ctx, next) => requestPath.run(ctx.path, next));
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  let prefixes = 0;
  return {
    endpoint,
    storeOptions: (overrides = {}) => ({
      bucket: TEST_BUCKET,
      prefix: `test-${process.pid}-${(prefixes += 1)}/`,
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      partSizeBytes: 5 * 1024 * 1024,
      ...overrides,
    }),
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
