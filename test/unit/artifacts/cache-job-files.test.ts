import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { systemClock } from '../../../src/core/index.js';
import { CacheStore, cacheStoreBackend, cacheVersion, createCacheJobFiles, DiskBlobStore, FileCacheIndex, parseCachePath, type CachePath } from '../../../src/artifacts/index.js';

async function setup(t: TestContext, budgetBytes?: number) {
  const root = await mkdtemp(join(tmpdir(), 'cache-job-files-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const blobs = new DiskBlobStore({ root: join(root, 'store') });
  const store = new CacheStore({ index: new FileCacheIndex(join(root, 'store', 'index.json')), blobs, clock: systemClock, ...(budgetBytes ? { budgetBytes } : {}) });
  const home = join(root, 'home');
  await mkdir(home);
  const files = createCacheJobFiles(cacheStoreBackend(store, { project: 'local', branch: 'feature', defaultBranch: 'main' }), { homeDir: home });
  let n = 0;
  const workspace = async () => {
    const dir = join(root, `ws${n++}`);
    await mkdir(dir);
    return { dir };
  };
  const job = (key: string, paths: string[], restoreKeys: string[] = []) => {
    const lines: string[] = [];
    return { lines, cache: { key, restoreKeys, paths }, log: (_: 'system', text: string) => lines.push(text), signal: new AbortController().signal };
  };
  return { root, home, files, workspace, job, blobs };
}

test('a saved cache is restored into a fresh workspace and home directory, files, links and modes intact', async (t) => {
  const { files, workspace, job, home } = await setup(t);
  const first = await workspace();
  await mkdir(join(first.dir, 'node_modules', 'left-pad'), { recursive: true });
  await writeFile(join(first.dir, 'node_modules', 'left-pad', 'index.js'), 'module.exports = 1;\n', { mode: 0o755 });
  await symlink('left-pad/index.js', join(first.dir, 'node_modules', 'pad.js'));
  await mkdir(join(home, '.npm'));
  await writeFile(join(home, '.npm', 'cached'), 'npm cache');
  const saving = job('npm-1', ['node_modules', '~/.npm']);
  await files.restore(saving, first);
  await files.save(saving, first, 'success');
  assert.deepEqual(saving.lines.map((line) => line.replace(/\(.*\)/, '(size)')), ['cache miss: npm-1', 'cache saved: npm-1 (size)']);

  await rm(join(home, '.npm'), { recursive: true });
  const second = await workspace();
  const restoring = job('npm-1', ['node_modules', '~/.npm']);
  await files.restore(restoring, second);
  assert.deepEqual(restoring.lines, ['cache hit: npm-1']);
  assert.equal(await readFile(join(second.dir, 'node_modules', 'pad.js'), 'utf8'), 'module.exports = 1;\n');
  assert.equal(await readFile(join(home, '.npm', 'cached'), 'utf8'), 'npm cache');
  await files.save(restoring, second, 'success');
  assert.deepEqual(restoring.lines, ['cache hit: npm-1'], 'an exact hit is not saved again');
});

test('a changed key restores the newest entry under a restore key, and the job then saves its own key', async (t) => {
  const { files, workspace, job } = await setup(t);
  const first = await workspace();
  await writeFile(join(first.dir, 'deps.txt'), 'v1');
  const saving = job('deps-aaa', ['deps.txt']);
  await files.restore(saving, first);
  await files.save(saving, first, 'success');
  const second = await workspace();
  const changed = job('deps-bbb', ['deps.txt'], ['deps-']);
  await files.restore(changed, second);
  await files.save(changed, second, 'success');
  assert.equal(changed.lines[0], 'cache restored from deps-aaa (restore key deps-)');
  assert.match(changed.lines[1] ?? '', /^cache saved: deps-bbb /);
  assert.equal(await readFile(join(second.dir, 'deps.txt'), 'utf8'), 'v1');
});

test('a failed job saves nothing', async (t) => {
  const { files, workspace, job } = await setup(t);
  const ws = await workspace();
  await writeFile(join(ws.dir, 'out'), 'x');
  const failing = job('k', ['out']);
  await files.restore(failing, ws);
  await files.save(failing, ws, 'failed');
  const again = job('k', ['out']);
  await files.restore(again, await workspace());
  assert.deepEqual(again.lines, ['cache miss: k']);
});

test('restoring never writes through a symbolic link of the checkout that leads out of the workspace', async (t) => {
  const { root, files, workspace, job } = await setup(t);
  const first = await workspace();
  await mkdir(join(first.dir, 'build', 'cache'), { recursive: true });
  await writeFile(join(first.dir, 'build', 'cache', 'evil'), 'x');
  const saving = job('k', ['build/cache']);
  await files.restore(saving, first);
  await files.save(saving, first, 'success');
  const outside = join(root, 'outside');
  await mkdir(outside);
  const second = await workspace();
  await symlink(outside, join(second.dir, 'build'));
  const restoring = job('k', ['build/cache']);
  await files.restore(restoring, second);
  assert.match(restoring.lines[0] ?? '', /^warning: cache not restored: cache path "build\/cache" leads through a symbolic link out of the workspace/);
  assert.deepEqual(await readdir(outside), []);
});

test('saving never reads through a symbolic link that leads out of the workspace (a container job cannot cache the host\'s files)', async (t) => {
  const { root, files, workspace, job } = await setup(t);
  // A job in a container makes `host -> /` in its workspace; tar runs on the runner's host and would follow it.
  const secret = join(root, 'runner-state');
  await mkdir(secret);
  await writeFile(join(secret, 'runner.json'), '{"token":"dl_runner_secret"}');
  const first = await workspace();
  await symlink(root, join(first.dir, 'host'));
  const saving = job('k', ['host/runner-state/runner.json']);
  await files.restore(saving, first);
  await files.save(saving, first, 'success');
  assert.match(saving.lines[1] ?? '', /^warning: cache not saved: cache path "host\/runner-state\/runner.json" leads through a symbolic link out of the workspace/);

  const second = await workspace();
  const restoring = job('k', ['host/runner-state/runner.json']);
  await files.restore(restoring, second);
  assert.deepEqual(restoring.lines, ['cache miss: k']);
  assert.deepEqual(await readdir(second.dir), [], "nothing of the host's files reaches a later job");
});

test('paths outside the workspace are refused with a warning; the job goes on', async (t) => {
  const { files, workspace, job } = await setup(t);
  const escaping = job('k', ['../x', '/etc']);
  await files.restore(escaping, await workspace());
  assert.deepEqual(escaping.lines, [
    'warning: cache path "../x" leaves the workspace; not cached',
    'warning: cache path "/etc" is absolute: give it relative to the workspace, or as ~/… for the home directory; not cached',
  ]);
});

test('a corrupted archive is a warning, not a failure', async (t) => {
  const { files, workspace, job, blobs } = await setup(t);
  const first = await workspace();
  await writeFile(join(first.dir, 'f'), 'data'.repeat(1000));
  const saving = job('k', ['f']);
  await files.restore(saving, first);
  await files.save(saving, first, 'success');
  for await (const info of blobs.list()) await blobs.delete(info.digest);
  const restoring = job('k', ['f']);
  await files.restore(restoring, await workspace());
  assert.match(restoring.lines[0] ?? '', /^warning: cache not restored: /);
});

test('saving past the budget evicts the least recently used entry and its archive', async (t) => {
  const { files, workspace, job, blobs } = await setup(t, 1);
  for (const key of ['a', 'b']) {
    const ws = await workspace();
    await writeFile(join(ws.dir, 'f'), key);
    const saving = job(key, ['f']);
    await files.restore(saving, ws);
    await files.save(saving, ws, 'success');
  }
  const probe = job('a', ['f']);
  await files.restore(probe, await workspace());
  assert.deepEqual(probe.lines, ['cache miss: a']);
  let count = 0;
  for await (const _ of blobs.list()) count++;
  assert.equal(count, 0, 'every entry is over a 1-byte budget, so no archive stays');
});

test('an archive whose link points out of the workspace cannot write through it', async (t) => {
  const { root, workspace, job } = await setup(t);
  const outside = join(root, 'outside');
  await mkdir(outside);
  // A crafted archive: ws/deps/link -> OUTSIDE, then a file ws/deps/link/evil meant to land in OUTSIDE.
  const craft = join(root, 'craft');
  const script = [
    'set -e',
    'mkdir -p "$1/a/ws/deps" "$1/b/ws/deps/link"',
    'ln -s "$2" "$1/a/ws/deps/link"',
    'echo pwned > "$1/b/ws/deps/link/evil"',
    'tar -c -f "$1/evil.tar" -C "$1/a" ws/deps/link',
    'tar -r -f "$1/evil.tar" -C "$1/b" ws/deps/link/evil',
    'zstd -q "$1/evil.tar" -o "$1/evil.tar.zst"',
  ].join('\n');
  execFileSync('sh', ['-c', script, 'sh', craft, outside]);
  const store = new CacheStore({ index: new FileCacheIndex(join(root, 'store', 'index.json')), blobs: new DiskBlobStore({ root: join(root, 'store') }), clock: systemClock });
  const paths = [parseCachePath('deps') as CachePath];
  await store.save({ project: 'local', scope: 'feature', key: 'evil', version: cacheVersion(paths) }, createReadStream(join(craft, 'evil.tar.zst')));
  const files = createCacheJobFiles(cacheStoreBackend(store, { project: 'local', branch: 'feature' }));
  const restoring = job('evil', ['deps']);
  await files.restore(restoring, await workspace());
  assert.deepEqual(await readdir(outside), [], restoring.lines.join('\n'));
});

test('a path that did not exist at save time is left out; the others restore without a warning', async (t) => {
  const { files, workspace, job } = await setup(t);
  const first = await workspace();
  await writeFile(join(first.dir, 'present'), 'here');
  const saving = job('k', ['present', 'absent']);
  await files.restore(saving, first);
  await files.save(saving, first, 'success');
  const second = await workspace();
  const restoring = job('k', ['present', 'absent']);
  await files.restore(restoring, second);
  assert.deepEqual(restoring.lines, ['cache hit: k']);
  assert.equal(await readFile(join(second.dir, 'present'), 'utf8'), 'here');
});

test('an archive that fails while being saved leaves no entry behind', async (t) => {
  const { root, job, workspace } = await setup(t);
  const store = new CacheStore({ index: new FileCacheIndex(join(root, 'store', 'index.json')), blobs: new DiskBlobStore({ root: join(root, 'store') }), clock: systemClock });
  const backend = cacheStoreBackend(store, { project: 'local', branch: 'feature' });
  async function* broken() {
    yield new Uint8Array(64 * 1024);
    throw new Error('the runner died');
  }
  await assert.rejects(backend.save({ key: 'k', version: cacheVersion([parseCachePath('f') as CachePath]) }, broken(), new AbortController().signal), /the runner died/);
  const probe = job('k', ['f']);
  await createCacheJobFiles(backend).restore(probe, await workspace());
  assert.deepEqual(probe.lines, ['cache miss: k']);
});

test('the restore tells the steps how it went: a hit only on the exact key, and the key it restored', async (t) => {
  const { files, workspace, job } = await setup(t);
  const first = await workspace();
  await writeFile(join(first.dir, 'deps.txt'), 'v1');
  const saving = job('deps-aaa', ['deps.txt']);
  assert.deepEqual(await files.restore(saving, first), { env: { DEPLOYLITE_CACHE_HIT: 'false', DEPLOYLITE_CACHE_MATCHED_KEY: '' } });
  await files.save(saving, first, 'success');
  assert.deepEqual(await files.restore(job('deps-aaa', ['deps.txt']), await workspace()), { env: { DEPLOYLITE_CACHE_HIT: 'true', DEPLOYLITE_CACHE_MATCHED_KEY: 'deps-aaa' } });
  assert.deepEqual(await files.restore(job('deps-bbb', ['deps.txt'], ['deps-']), await workspace()), { env: { DEPLOYLITE_CACHE_HIT: 'false', DEPLOYLITE_CACHE_MATCHED_KEY: 'deps-aaa' } });
});
