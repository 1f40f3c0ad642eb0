// Artifacts and caches end to end on the S3 backend: a real `deploylite server` configured, as a user would,
// with a config file (and credentials from the environment) to keep its blobs in a bucket of a real
// S3-compatible server on loopback, a real `deploylite runner`, and the real `deployctl`.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3BlobStoreOptions } from '../../../src/artifacts/index.js';
import { startS3TestServer, type S3TestServer } from '../../unit/artifacts/support/s3-test-server.js';
import { workdir } from '../support/cli.js';
import type { RunnerProcess, RunView, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';
import { deployctl } from '../support/deployctl-cli.js';

let s3: S3TestServer;
let bucket: S3BlobStoreOptions;
let client: S3Client;
let server: ServerProcess;
let runner: RunnerProcess;
let login: string;

before(async () => {
  s3 = await startS3TestServer();
  bucket = s3.storeOptions({ prefix: 'ci/' });
  client = new S3Client({ region: bucket.region, endpoint: bucket.endpoint, forcePathStyle: true, credentials: bucket.credentials });
  const cwd = workdir();
  // The documented settings (docs/artifacts.md#configuration); forcePathStyle follows from the endpoint.
  writeFileSync(join(cwd, 'deploylite.yaml'), `blobs:\n  backend: s3\n  s3:\n    bucket: ${bucket.bucket}\n    prefix: ci/\n    endpoint: ${bucket.endpoint}\n`);
  server = await startServer({
    cwd,
    args: ['--no-runner', '--config', 'deploylite.yaml'],
    env: { DEPLOYLITE_S3_ACCESS_KEY_ID: bucket.credentials?.accessKeyId ?? '', DEPLOYLITE_S3_SECRET_ACCESS_KEY: bucket.credentials?.secretAccessKey ?? '' },
  });
  runner = await startRunner(server, { name: 's3' });
  login = join(workdir(), 'deployctl.json');
  const saved = await deployctl(['login', '--server', server.url, '--token', server.token], { config: login });
  assert.equal(saved.code, 0, saved.stderr);
});
after(async () => {
  await runner?.stop();
  await server?.stop();
  client?.destroy();
  await s3?.stop();
});

// Each run checks out a fresh workspace: deps/ can only come from the cache, dist/ in `test` only from the artifact.
const PIPELINE = `name: web
jobs:
  build:
    cache: { key: deps-v1, paths: [deps] }
    artifacts: { name: dist, paths: [dist] }
    steps:
      - run: |
          if [ -f deps/installed ]; then echo "deps restored"; else mkdir -p deps && echo yes > deps/installed; fi
          mkdir -p dist/js && echo "bundle v1" > dist/js/app.js && echo "<html>" > dist/index.html
  test:
    needs: build
    steps:
      - run: grep -qx "bundle v1" dist/js/app.js && grep -qx "<html>" dist/index.html && echo "dist checked"
`;

async function run(): Promise<RunView> {
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/shop/runs', {}, 201);
  const finished = await waitForRun(server, id, isFinal);
  assert.equal(finished.status, 'success', JSON.stringify(finished));
  return finished;
}

async function bucketKeys(): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: 'ci/', ...(token ? { ContinuationToken: token } : {}) }));
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

async function objectText(key: string): Promise<string> {
  const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: key }));
  return ((await Body?.transformToString('utf8')) ?? '').trim();
}

test('artifacts and caches live in the S3 bucket: stored under the handbook 5.8 keys, downloaded, verified and restored', async () => {
  const repo = gitRepo({ '.deploylite.yml': PIPELINE });
  await server.api('POST', '/api/v1/projects', { name: 'shop', repository: repo.path }, 201);

  const first = await run();
  const testLog = (await jobLog(server, first.id, 'test')).map((line) => line.text);
  assert.ok(testLog.includes('dist checked'), testLog.join('\n'));
  const firstBuild = (await jobLog(server, first.id, 'build')).map((line) => line.text);
  assert.ok(firstBuild.some((line) => /^cache saved: deps-v1 \(/.test(line)), firstBuild.join('\n'));

  // The artifact, its SBOM and the two signatures are named by references whose bodies are digests of stored blobs.
  const { artifacts } = await server.api<{ artifacts: { name: string; digest: string }[] }>('GET', `/api/v1/runs/${first.id}/artifacts`);
  assert.deepEqual(artifacts.map((a) => a.name), ['dist']);
  const version = `${first.id}-dist`;
  const keys = await bucketKeys();
  const refs = {
    archive: `ci/refs/artifacts/shop/web/${version}/dist.tar`,
    sbom: `ci/refs/sbom/shop/web/${version}/sbom.json`,
    signature: `ci/refs/signatures/shop/web/${version}.sig`,
    sbomSignature: `ci/refs/signatures/shop/web/${version}.sbom.sig`,
  };
  for (const key of Object.values(refs)) assert.ok(keys.includes(key), `${key} is not in the bucket:\n${keys.join('\n')}`);
  assert.equal(await objectText(refs.archive), artifacts[0]?.digest);
  const named: string[] = [];
  for (const key of Object.values(refs)) {
    const hex = (await objectText(key)).slice('sha256:'.length);
    named.push(`ci/blobs/sha256/${hex.slice(0, 2)}/${hex}`);
    assert.ok(keys.includes(named.at(-1) ?? ''), `the blob ${key} names is not in the bucket`);
  }
  // The one other blob is the cache archive (caches are indexed in the database, not by references).
  const others = keys.filter((key) => key.startsWith('ci/blobs/') && !named.includes(key));
  assert.equal(others.length, 1, `expected the cache archive beside the artifact's blobs:\n${keys.join('\n')}`);

  const target = join(workdir(), 'out');
  const download = await deployctl(['artifacts', 'download', String(first.id), 'dist', '--to', target], { config: login });
  assert.equal(download.code, 0, download.stderr);
  assert.equal(readFileSync(join(target, 'dist/js/app.js'), 'utf8'), 'bundle v1\n');
  const verify = await deployctl(['artifacts', 'verify', String(first.id), 'dist'], { config: login });
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /^Verified OK: artifact dist of run \d+ \(sha256:[0-9a-f]{64}\) and its SBOM \(sha256:[0-9a-f]{64}\) are signed by project shop's key/);

  const second = await run();
  const secondBuild = (await jobLog(server, second.id, 'build')).map((line) => line.text);
  assert.ok(secondBuild.some((line) => /^cache hit: deps-v1/.test(line)), secondBuild.join('\n'));
  assert.ok(secondBuild.includes('deps restored'), secondBuild.join('\n'));

  assert.equal(existsSync(join(server.dataDir, 'blobs')), false, 'the server kept blobs on its local disk');
  assert.deepEqual(readdirSync(join(server.dataDir, 'artifact-uploads')), [], 'committed uploads leave no staging file');
  const output = server.cli.stdout() + server.cli.stderr();
  assert.ok(!output.includes(bucket.credentials?.secretAccessKey ?? '?'), 'the S3 secret key appeared in the server output');
});
