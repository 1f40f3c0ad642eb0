// A child process for the kill tests: starts a put of an endless stream into the store described by argv[2]
// (JSON: { kind: 'disk', options } | { kind: 's3', options }), says "uploading" on stdout once 16 MiB have
// gone in, and keeps going until the test kills it with SIGKILL.
import { DiskBlobStore, S3BlobStore, type BlobStore } from '../../../../src/artifacts/index.js';

const config = JSON.parse(process.argv[2] ?? '{}') as { kind: 'disk' | 's3'; options: never };
const store: BlobStore = config.kind === 'disk' ? new DiskBlobStore(config.options) : new S3BlobStore(config.options);

async function* endless(): AsyncGenerator<Uint8Array> {
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  for (let sent = 1; ; sent += 1) {
    yield chunk;
    if (sent === 16) process.stdout.write('uploading\n');
  }
}

await store.put(endless());
