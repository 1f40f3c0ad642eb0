import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { collectArtifactFiles, DiskBlobStore, DiskRefStore, packArtifact, verifyBlobSignature, type KeySealer, type RefStore } from '../../../../src/artifacts/index.js';
import { silentLogger, systemClock } from '../../../../src/core/index.js';
import { ArtifactService } from '../../../../src/server/artifacts/artifact-service.js';
import type { QueueItem } from '../../../../src/store/index.js';
import { openControlStore } from '../../../../src/store/index.js';
import { createProject, createServerRun } from '../../store/suite/fixtures.js';

/** Seals by wrapping in JSON with the AAD, enough to show the key is stored sealed and bound to its project. */
const sealer: KeySealer = {
  seal: async (value, aad) => JSON.stringify({ value, aad }),
  open: async (text, aad) => {
    const parsed = JSON.parse(text) as { value: unknown; aad: string };
    if (parsed.aad !== aad) throw new Error('wrong aad');
    return parsed.value;
  },
};

async function setUp() {
  const dir = await mkdtemp(join(tmpdir(), 'artifact-service-'));
  const store = await openControlStore({ sqlitePath: join(dir, 'db.sqlite') });
  await store.migrate();
  const project = await createProject(store, 'web');
  const run = await createServerRun(store, project.id);
  const blobs = new DiskBlobStore({ root: join(dir, 'blobs') });
  const service = new ArtifactService({
    store, blobs, refs: new DiskRefStore({ root: join(dir, 'blobs') }), sealer, stagingDir: join(dir, 'staging'), toolVersion: '0.0.0-test', clock: systemClock, logger: silentLogger,
  });
  const item = { runId: run.id, jobKey: 'build', projectId: project.id } as QueueItem;
  const workspace = join(dir, 'ws');
  await mkdir(join(workspace, 'dist'), { recursive: true });
  await writeFile(join(workspace, 'dist/app.js'), 'x'.repeat(100_000));
  const chunks: Buffer[] = [];
  for await (const chunk of packArtifact(workspace, await collectArtifactFiles(workspace, ['dist'])).stream) chunks.push(chunk);
  const archive = Buffer.concat(chunks);
  const digest = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
  // The same server restarted: same database, store and staging directory, nothing of the first process's memory.
  const restarted = (refs: RefStore = new DiskRefStore({ root: join(dir, 'blobs') })) => new ArtifactService({
    store, blobs, refs, sealer, stagingDir: join(dir, 'staging'), toolVersion: '0.0.0-test', clock: systemClock, logger: silentLogger,
  });
  return { dir, store, service, item, archive, digest, blobs, run, restarted };
}

test('an upload cut short resumes from the offset the server holds; commit makes it visible, signed, with an SBOM', async () => {
  const { service, item, archive, digest, store, run, blobs } = await setUp();
  const started = await service.startUpload(item, { name: 'dist', digest, size: archive.length });
  // The request ends after 50,000 bytes, as when the runner's connection drops.
  await service.appendUpload(item, started.uploadId, 0, Readable.from([archive.subarray(0, 50_000)]));
  assert.deepEqual(await service.list(run.id), [], 'nothing visible before the commit');
  const resumed = await service.startUpload(item, { name: 'dist', digest, size: archive.length });
  assert.deepEqual(resumed, { uploadId: started.uploadId, offset: 50_000 });
  await assert.rejects(service.appendUpload(item, started.uploadId, 0, Readable.from([archive])), { code: 'artifact.offset-mismatch' });
  await service.appendUpload(item, started.uploadId, 50_000, Readable.from([archive.subarray(50_000)]));
  const artifact = await service.commitUpload(item, started.uploadId);
  assert.equal(artifact.digest, digest);
  assert.equal(artifact.fileCount, 1);
  assert.equal((await store.artifacts.getSigningKey(item.projectId))?.publicKeyPem, await service.publicKey(item.projectId), 'one key per project, made on first use');
  await verifyBlobSignature({ publicKeyPem: await service.publicKey(item.projectId), signatureBase64: artifact.signature, blob: await blobs.get(artifact.digest as `sha256:${string}`), expectedDigest: digest as `sha256:${string}` });
  const sbom = JSON.parse(await new Response(Readable.toWeb(await service.openSbom(artifact)) as ReadableStream).text()) as { bomFormat: string; components: { name: string }[] };
  assert.equal(sbom.bomFormat, 'CycloneDX');
  assert.deepEqual(sbom.components.map((c) => c.name), ['dist/app.js']);
});

test('bytes that are not the announced digest are refused at commit and nothing becomes visible', async () => {
  const { service, item, archive, run, blobs } = await setUp();
  const wrong = `sha256:${'0'.repeat(64)}`;
  const { uploadId } = await service.startUpload(item, { name: 'dist', digest: wrong, size: archive.length });
  await service.appendUpload(item, uploadId, 0, Readable.from([archive]));
  await assert.rejects(service.commitUpload(item, uploadId), { code: 'blob.digest-mismatch' });
  assert.deepEqual(await service.list(run.id), []);
  const stored: unknown[] = [];
  for await (const blob of blobs.list()) stored.push(blob);
  assert.deepEqual(stored, []);
});

test('an upload is held to its announced size, and another job cannot touch it', async () => {
  const { service, item, archive, digest, dir } = await setUp();
  const { uploadId } = await service.startUpload(item, { name: 'dist', digest, size: 10 });
  await assert.rejects(service.appendUpload(item, uploadId, 0, Readable.from([archive])), { code: 'blob.size-mismatch' });
  await assert.rejects(service.appendUpload({ ...item, jobKey: 'other' }, uploadId, 0, Readable.from([archive])), { code: 'not-found' });
  assert.equal((await readdir(join(dir, 'staging'))).length, 1);
});

test('a second job of the run cannot take an artifact name that another job uses', async () => {
  const { service, item, archive, digest } = await setUp();
  const { uploadId } = await service.startUpload(item, { name: 'dist', digest, size: archive.length });
  await service.appendUpload(item, uploadId, 0, Readable.from([archive]));
  await service.commitUpload(item, uploadId);
  await assert.rejects(service.startUpload({ ...item, jobKey: 'package' }, { name: 'dist', digest, size: archive.length }), {
    code: 'artifact.name-taken',
    message: /artifact "dist" of run \d+ belongs to job "build"; give job "package"'s artifacts another name/,
  });
  assert.equal((await service.startUpload(item, { name: 'dist', digest, size: archive.length })).offset, 0, 'the same job (a re-run) may replace it');
});

test('an upload nobody writes to for a day is removed with its staging file; a live one is kept', async () => {
  const { service, item, archive, digest, dir } = await setUp();
  const { uploadId } = await service.startUpload(item, { name: 'dist', digest, size: archive.length });
  await service.appendUpload(item, uploadId, 0, Readable.from([archive.subarray(0, 10)]));
  assert.equal(await service.removeAbandonedUploads(), 0);
  assert.equal(await service.removeAbandonedUploads(-1), 1, 'with no grace at all it counts as abandoned');
  assert.deepEqual(await readdir(join(dir, 'staging')), []);
  await assert.rejects(service.commitUpload(item, uploadId), { code: 'not-found' });
});

test('the committed archive is the staged file moved into the blob store: no copy is left behind, and it verifies', async () => {
  const { service, item, archive, digest, blobs, dir } = await setUp();
  const { uploadId } = await service.startUpload(item, { name: 'dist', digest, size: archive.length });
  // Many small chunks, as a socket delivers them: the digest and signature are computed across them in order.
  const chunks = Array.from({ length: Math.ceil(archive.length / 1000) }, (_, i) => archive.subarray(i * 1000, (i + 1) * 1000));
  await service.appendUpload(item, uploadId, 0, Readable.from(chunks));
  const [staged] = await readdir(join(dir, 'staging'));
  const stagedInode = (await stat(join(dir, 'staging', staged ?? ''))).ino;
  const artifact = await service.commitUpload(item, uploadId);
  assert.deepEqual(await readdir(join(dir, 'staging')), []);
  const hex = digest.slice('sha256:'.length);
  assert.equal((await stat(join(dir, 'blobs', 'blobs', 'sha256', hex.slice(0, 2), hex))).ino, stagedInode, 'the staged file itself became the blob: the bytes were written once');
  const stored = await blobs.get(digest as `sha256:${string}`);
  await verifyBlobSignature({ publicKeyPem: await service.publicKey(item.projectId), signatureBase64: artifact.signature, blob: stored, expectedDigest: digest });
});

test('a server restarted between the upload and the commit reads the staged bytes once, checks and signs them', async () => {
  const { service, item, archive, digest, blobs, restarted, run } = await setUp();
  const { uploadId } = await service.startUpload(item, { name: 'dist', digest, size: archive.length });
  await service.appendUpload(item, uploadId, 0, Readable.from([archive.subarray(0, 70_000)]));
  const after = restarted();
  await after.appendUpload(item, uploadId, 70_000, Readable.from([archive.subarray(70_000)]));
  const artifact = await after.commitUpload(item, uploadId);
  assert.deepEqual((await after.list(run.id)).map((a) => a.name), ['dist']);
  await verifyBlobSignature({ publicKeyPem: await after.publicKey(item.projectId), signatureBase64: artifact.signature, blob: await blobs.get(digest as `sha256:${string}`), expectedDigest: digest });
});

test('staged bytes changed on disk after a restart are refused at commit, and nothing becomes visible', async () => {
  const { service, item, archive, digest, restarted, run, dir, blobs } = await setUp();
  const { uploadId } = await service.startUpload(item, { name: 'dist', digest, size: archive.length });
  await service.appendUpload(item, uploadId, 0, Readable.from([archive]));
  const [staged] = await readdir(join(dir, 'staging'));
  const tampered = Buffer.from(archive);
  tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0xff, tampered.length - 1);
  await writeFile(join(dir, 'staging', staged ?? ''), tampered);
  await assert.rejects(restarted().commitUpload(item, uploadId), { code: 'blob.digest-mismatch' });
  assert.deepEqual(await service.list(run.id), []);
  const stored: unknown[] = [];
  for await (const blob of blobs.list()) stored.push(blob);
  assert.deepEqual(stored, []);
});

test('a commit cut short after the archive was stored (a server killed mid-commit) is completed by the retried commit', async () => {
  const { item, archive, digest, blobs, restarted, run, dir } = await setUp();
  class DyingRefStore extends DiskRefStore {
    override async set(): Promise<void> {
      throw new Error('killed mid-commit');
    }
  }
  const dying = restarted(new DyingRefStore({ root: join(dir, 'blobs') }));
  const { uploadId } = await dying.startUpload(item, { name: 'dist', digest, size: archive.length });
  await dying.appendUpload(item, uploadId, 0, Readable.from([archive]));
  await assert.rejects(dying.commitUpload(item, uploadId), /killed mid-commit/);
  assert.deepEqual(await readdir(join(dir, 'staging')), [], 'the staged file is the blob now');
  assert.deepEqual(await dying.list(run.id), []);
  const after = restarted();
  const artifact = await after.commitUpload(item, uploadId);
  assert.deepEqual((await after.list(run.id)).map((a) => a.name), ['dist']);
  await verifyBlobSignature({ publicKeyPem: await after.publicKey(item.projectId), signatureBase64: artifact.signature, blob: await blobs.get(digest as `sha256:${string}`), expectedDigest: digest });
});

test('an upload of many write batches is still held to its announced size: nothing beyond it is written or counted', async () => {
  const { service, item, digest, dir } = await setUp();
  const size = 5 * 1024 * 1024;
  const { uploadId } = await service.startUpload(item, { name: 'dist', digest, size });
  const chunks = Array.from({ length: 144 }, () => Buffer.alloc(64 * 1024, 7)); // 9 MiB in socket-sized chunks
  await assert.rejects(service.appendUpload(item, uploadId, 0, Readable.from(chunks)), { code: 'blob.size-mismatch' });
  const [staged] = await readdir(join(dir, 'staging'));
  const held = (await stat(join(dir, 'staging', staged ?? ''))).size;
  assert.ok(held <= size, `${held} bytes staged`);
  assert.equal((await service.startUpload(item, { name: 'dist', digest, size })).offset, held, 'what was kept is what is counted');
});
