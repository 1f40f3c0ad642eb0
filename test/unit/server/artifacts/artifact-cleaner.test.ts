// The cleaner over what the server really uses: a SQLite control store, a disk blob store and
// artifacts committed by the ArtifactService (so their names, SBOMs and signature files are the real ones).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import type { BlobDigest, KeySealer, RetentionPolicy } from '../../../../src/artifacts/index.js';
import { artifactKey, collectArtifactFiles, DiskBlobStore, DiskRefStore, packArtifact, sbomKey, signatureKey } from '../../../../src/artifacts/index.js';
import type { Clock } from '../../../../src/core/index.js';
import { silentLogger } from '../../../../src/core/index.js';
import { ArtifactCleaner } from '../../../../src/server/artifacts/artifact-cleaner.js';
import { ArtifactService } from '../../../../src/server/artifacts/artifact-service.js';
import { createServerCaches } from '../../../../src/server/caches/create-server-caches.js';
import type { KyselyControlStore, QueueItem } from '../../../../src/store/index.js';
import { openControlStore } from '../../../../src/store/index.js';
import { createProject, createServerRun } from '../../store/suite/fixtures.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const sealer: KeySealer = { seal: async (value) => JSON.stringify(value), open: async (text) => JSON.parse(text) as unknown };
const dirs: string[] = [];
const stores: KyselyControlStore[] = [];
after(async () => {
  for (const store of stores) await store.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Starts at the real time (blob files get real mtimes) and moves only when told. */
class ManualClock implements Clock {
  private time = Date.now();
  now = () => this.time;
  sleep = async () => undefined;
  advance(ms: number): void {
    this.time += ms;
  }
}

async function setUp(policy: RetentionPolicy) {
  const dir = await mkdtemp(join(tmpdir(), 'artifact-cleaner-'));
  dirs.push(dir);
  const store = await openControlStore({ sqlitePath: join(dir, 'db.sqlite') });
  stores.push(store);
  await store.migrate();
  const clock = new ManualClock();
  const blobs = new DiskBlobStore({ root: join(dir, 'blobs'), clock });
  const refs = new DiskRefStore({ root: join(dir, 'blobs') });
  const service = new ArtifactService({ store, blobs, refs, sealer, stagingDir: join(dir, 'staging'), toolVersion: 'test', clock, logger: silentLogger });
  const cleaner = new ArtifactCleaner({ store, blobs, refs, policy, clock, logger: silentLogger });
  const project = await createProject(store, 'shop');

  /** A run of pipeline `ci` whose job stores artifact `dist` holding `content`. */
  const runWithArtifact = async (content: string, expireIn?: number | 'never') => {
    const run = await createServerRun(store, project.id, { name: 'ci' });
    const workspace = join(dir, `ws-${run.id}`);
    await mkdir(join(workspace, 'dist'), { recursive: true });
    await writeFile(join(workspace, 'dist/app.js'), content);
    const chunks: Buffer[] = [];
    for await (const chunk of packArtifact(workspace, await collectArtifactFiles(workspace, ['dist'])).stream) chunks.push(chunk);
    const archive = Buffer.concat(chunks);
    const item = { runId: run.id, jobKey: 'build', projectId: project.id } as QueueItem;
    const digest = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
    const { uploadId } = await service.startUpload(item, { name: 'dist', digest, size: archive.length, ...(expireIn !== undefined ? { expireIn } : {}) });
    await service.appendUpload(item, uploadId, 0, Readable.from([archive]));
    return service.commitUpload(item, uploadId);
  };

  /** The blobs an artifact's four names point at, or undefined for a name that is gone. */
  const namedBlobs = async (runId: number) => {
    const coordinates = { project: 'shop', pipeline: 'ci', version: `${runId}-dist` };
    const keys = [artifactKey(coordinates, 'dist.tar'), sbomKey(coordinates), signatureKey(coordinates), signatureKey(coordinates, 'sbom')];
    return Promise.all(keys.map((key) => refs.resolve(key)));
  };
  const storedBlobs = async () => {
    const digests: BlobDigest[] = [];
    for await (const blob of blobs.list()) digests.push(blob.digest);
    return digests.sort();
  };
  return { store, clock, blobs, blobRoot: join(dir, 'blobs'), service, cleaner, runWithArtifact, namedBlobs, storedBlobs };
}

test('versions older than the newest N go with their names and blobs; the kept ones keep SBOMs and signatures', async () => {
  const { clock, blobs, cleaner, runWithArtifact, namedBlobs, store } = await setUp({ keepVersions: 2, maxIdleMs: 30 * DAY });
  const [first, second, third] = [await runWithArtifact('v1'), await runWithArtifact('v2'), await runWithArtifact('v3')];
  const firstBlobs = await namedBlobs(first!.runId);
  clock.advance(2 * HOUR);

  const report = await cleaner.clean({ dryRun: false });

  assert.deepEqual(report.deleted.map((d) => [d.runId, d.name, d.reason]), [[first!.runId, 'dist', 'older-version']]);
  assert.deepEqual(await namedBlobs(first!.runId), [undefined, undefined, undefined, undefined], 'its archive, SBOM and signature names are gone');
  for (const digest of firstBlobs) assert.equal(await blobs.has(digest!), false, 'and so are their blobs');
  assert.equal(report.orphans.count, 4);
  for (const kept of [second!, third!]) {
    const named = await namedBlobs(kept.runId);
    for (const digest of named) assert.equal(await blobs.has(digest!), true, `run ${kept.runId}: every named blob survives the sweep`);
  }
  assert.deepEqual((await store.artifactRetention.listRetentionCandidates()).map((a) => a.runId), [second!.runId, third!.runId]);
});

test('an artifact unused past the idle limit goes; a download within it keeps another alive', async () => {
  const { clock, service, cleaner, runWithArtifact } = await setUp({ keepVersions: 20, maxIdleMs: 30 * DAY });
  // `expire-in: 1 year`: without it the default expiry (30 days after creation) would end them first.
  const year = 365 * DAY;
  const [idle, downloaded] = [await runWithArtifact('a', year), await runWithArtifact('b', year), await runWithArtifact('c', year)];
  clock.advance(20 * DAY);
  for await (const chunk of await service.openDownload(downloaded!)) void chunk;
  clock.advance(11 * DAY);

  const report = await cleaner.clean({ dryRun: false });

  assert.deepEqual(report.deleted.map((d) => [d.runId, d.reason]), [[idle!.runId, 'idle']], 'the newest version is protected; the downloaded one was used 11 days ago');
});

test('an artifact past its expire-in goes even when it was just downloaded', async () => {
  const { clock, service, cleaner, runWithArtifact } = await setUp({ keepVersions: 20, maxIdleMs: 30 * DAY });
  const [short, long] = [await runWithArtifact('a', DAY), await runWithArtifact('b', 'never'), await runWithArtifact('c', DAY)];
  clock.advance(2 * DAY);
  for (const artifact of [short!, long!]) for await (const chunk of await service.openDownload(artifact)) void chunk;

  const report = await cleaner.clean({ dryRun: false });

  assert.deepEqual(report.deleted.map((d) => [d.runId, d.reason]), [[short!.runId, 'expired']], 'the newest version stays although expired');
});

test('a dry run reports exactly what the real run then does, and deletes nothing', async () => {
  const { clock, cleaner, runWithArtifact, storedBlobs, store } = await setUp({ keepVersions: 1, maxIdleMs: 30 * DAY });
  for (const content of ['a', 'b', 'c']) await runWithArtifact(content);
  clock.advance(2 * HOUR);
  const before = await storedBlobs();

  const dry = await cleaner.clean({ dryRun: true });

  assert.equal(dry.deleted.length, 2);
  assert.deepEqual(await storedBlobs(), before, 'no blob deleted');
  assert.equal((await store.artifactRetention.listRetentionCandidates()).length, 3, 'no artifact deleted');
  const real = await cleaner.clean({ dryRun: false });
  assert.deepEqual({ ...real, dryRun: true }, dry);
  assert.equal(real.freedBytes + real.keptBytes, dry.freedBytes + dry.keptBytes);
});

test("orphan blobs past the grace period are swept; a cache's archive and a young blob are not", async () => {
  const { clock, blobs, blobRoot, cleaner, store } = await setUp({ keepVersions: 20, maxIdleMs: 30 * DAY });
  const orphan = await blobs.put(Readable.from([Buffer.from('nobody names me')]));
  const cached = await blobs.put(Readable.from([Buffer.from('a cache archive')]));
  const project = (await store.listProjects())[0]!;
  await store.caches.addCache({ projectId: project.id, scope: 'main', key: 'npm', version: 'v1', digest: cached.digest, size: cached.size, createdAt: clock.now(), lastUsedAt: clock.now() });
  clock.advance(2 * HOUR);
  // Stored "now" on the test's clock: a put whose name is not written yet.
  const young = await blobs.put(Readable.from([Buffer.from('just stored')]));
  const youngPath = await findFile(blobRoot, young.digest.slice('sha256:'.length));
  await utimes(youngPath, new Date(clock.now()), new Date(clock.now()));

  const report = await cleaner.clean({ dryRun: false });

  assert.deepEqual(report.orphans, { count: 1, bytes: orphan.size, spared: 1 });
  assert.equal(await blobs.has(orphan.digest), false);
  assert.equal(await blobs.has(cached.digest), true, "the cache index names it");
  assert.equal(await blobs.has(young.digest), true, 'younger than the grace period');
});

test("a cache entry evicted on the server leaves its archive to the sweep, so a cache naming an artifact's blob cannot delete it", async () => {
  const { clock, blobs, blobRoot, cleaner, store, runWithArtifact } = await setUp({ keepVersions: 20, maxIdleMs: 30 * DAY });
  const artifact = await runWithArtifact('the release build');
  // Another project's runner commits a cache naming the artifact's digest (deterministic archives make it
  // computable); larger than the budget, the entry is evicted at once.
  const other = await createProject(store, 'other');
  const caches = createServerCaches({ store, dataDir: blobRoot, clock, blobs, budgetBytes: 10 });
  assert.equal(await caches.commit({ project: String(other.id), scope: 'main', key: 'k', version: 'v' }, { digest: artifact.digest as BlobDigest, size: artifact.size }), true);
  assert.deepEqual(await store.caches.listCaches(other.id), [], 'evicted');
  assert.equal(await blobs.has(artifact.digest as BlobDigest), true, "the artifact's archive survives the eviction");

  // An evicted archive that nothing else names goes with the cleaner's sweep once past the grace period.
  const archive = await caches.storeArchive(Readable.from([Buffer.from('x'.repeat(100))]));
  await caches.commit({ project: String(other.id), scope: 'main', key: 'big', version: 'v' }, archive);
  clock.advance(2 * HOUR);
  await cleaner.clean({ dryRun: false });
  assert.equal(await blobs.has(archive.digest), false);
  assert.equal(await blobs.has(artifact.digest as BlobDigest), true);
});

test("a runner can make a cache only of an archive its project may name, never another project's artifact or cache", async () => {
  const { blobRoot, blobs, clock, store, runWithArtifact } = await setUp({ keepVersions: 20, maxIdleMs: 30 * DAY });
  const artifact = await runWithArtifact('the release build');
  const shop = (await store.listProjects())[0]!;
  const other = await createProject(store, 'other');
  const caches = createServerCaches({ store, dataDir: blobRoot, clock, blobs });
  // A zstd frame, as `tar | zstd` makes every cache archive.
  const archive = await caches.storeArchive(Readable.from([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x01, 0x00])]));

  assert.equal(await caches.isCommittable(String(other.id), artifact.digest as BlobDigest), false, "another project's artifact");
  assert.equal(await caches.isCommittable(String(other.id), artifact.sbomDigest as BlobDigest), false, 'its SBOM');
  assert.equal(await caches.isCommittable(String(shop.id), archive.digest), true, 'an archive just uploaded');
  await caches.commit({ project: String(shop.id), scope: 'main', key: 'npm-1', version: 'v' }, archive);
  assert.equal(await caches.isCommittable(String(other.id), archive.digest), false, "another project's cache");
  assert.equal(await caches.isCommittable(String(shop.id), archive.digest), true, 'its own cache, under another key');
});

test('stored bytes count each archive, SBOM and signature file, and fall by what the cleanup deleted', async () => {
  const { clock, blobs, cleaner, runWithArtifact, namedBlobs } = await setUp({ keepVersions: 1, maxIdleMs: 30 * DAY });
  const artifacts = [await runWithArtifact('x'.repeat(10_000)), await runWithArtifact('y')];
  const sizes = await Promise.all(
    artifacts.map(async (a) => {
      let total = 0;
      for (const digest of await namedBlobs(a!.runId)) total += (await blobs.stat(digest!))!.size;
      return total;
    }),
  );
  assert.deepEqual(await cleaner.storageBytes(), [{ projectName: 'shop', bytes: sizes[0]! + sizes[1]! }]);
  clock.advance(2 * HOUR);

  const report = await cleaner.clean({ dryRun: false });

  assert.equal(report.freedBytes, sizes[0]);
  assert.equal(report.keptBytes, sizes[1]);
  assert.deepEqual(await cleaner.storageBytes(), [{ projectName: 'shop', bytes: sizes[1] }]);
});

test('with several servers on one database, one of them runs the periodic cleanup each period', async () => {
  const { clock, cleaner, store, blobs } = await setUp({ keepVersions: 20, maxIdleMs: 30 * DAY });
  const other = new ArtifactCleaner({ store, blobs, refs: new DiskRefStore({ root: join(tmpdir(), 'unused') }), clock, logger: silentLogger });

  assert.notEqual(await cleaner.cleanIfDue(), undefined);
  assert.equal(await other.cleanIfDue(), undefined, 'the period is taken');
  clock.advance(HOUR);
  assert.notEqual(await other.cleanIfDue(), undefined, 'the next period');
});

/** The file whose name holds `text` under `dir`: the disk store's layout is its own business. */
async function findFile(dir: string, text: string): Promise<string> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.includes(text)) return join(entry.parentPath, entry.name);
  }
  throw new Error(`no file named like ${text} under ${dir}`);
}
