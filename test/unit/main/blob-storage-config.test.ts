import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createBlobStorage } from '../../../src/main/blob-storage-config.js';
import { resolveServerSettings } from '../../../src/main/server-config.js';
import { workdir } from '../../e2e/support/cli.js';

const noFlags = { runner: true };

test('blobs are kept on disk in the data directory unless configured otherwise', () => {
  assert.deepEqual(resolveServerSettings(noFlags, {}, '/srv').blobStorage, { backend: 'disk', root: '/srv/.deploylite/server/blobs' });
  assert.deepEqual(resolveServerSettings(noFlags, { DEPLOYLITE_BLOB_DIR: 'store' }, '/srv').blobStorage, { backend: 'disk', root: '/srv/store' });
});

test('S3 from the config file, with path-style addressing by default when an endpoint is given', () => {
  const dir = workdir();
  const file = join(dir, 'deploylite.yaml');
  writeFileSync(file, 'blobs:\n  backend: s3\n  s3:\n    bucket: artifacts\n    prefix: ci/\n    endpoint: http://127.0.0.1:9000\n');
  const settings = resolveServerSettings({ ...noFlags, config: file }, { DEPLOYLITE_S3_ACCESS_KEY_ID: 'id', DEPLOYLITE_S3_SECRET_ACCESS_KEY: 'secret' }, dir);
  assert.deepEqual(settings.blobStorage, {
    backend: 's3',
    s3: { bucket: 'artifacts', prefix: 'ci/', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, credentials: { accessKeyId: 'id', secretAccessKey: 'secret' } },
  });
  assert.equal(createBlobStorage(settings.blobStorage).blobs.description, 's3 artifacts/ci/ at 127.0.0.1:9000');
});

test('bad blob settings are errors naming the setting, never showing a secret', () => {
  const resolveWith = (env: Record<string, string>) => () => resolveServerSettings(noFlags, env, '/');
  assert.throws(resolveWith({ DEPLOYLITE_BLOB_BACKEND: 'ftp' }), /blobs\.backend \(DEPLOYLITE_BLOB_BACKEND\): expected disk or s3, got "ftp"/);
  assert.throws(resolveWith({ DEPLOYLITE_BLOB_BACKEND: 's3' }), /needs blobs\.s3\.bucket/);
  assert.throws(
    resolveWith({ DEPLOYLITE_BLOB_BACKEND: 's3', DEPLOYLITE_S3_BUCKET: 'b', DEPLOYLITE_S3_SECRET_ACCESS_KEY: 'hunter2' }),
    (error: Error) => /go together/.test(error.message) && !error.message.includes('hunter2'),
  );
  assert.throws(
    resolveWith({ DEPLOYLITE_BLOB_BACKEND: 's3', DEPLOYLITE_S3_BUCKET: 'b', DEPLOYLITE_S3_ENDPOINT: 'ftp://user:hunter2@host' }),
    (error: Error) => /expected http\(s\):\/\/host/.test(error.message) && !error.message.includes('hunter2'),
  );
});
