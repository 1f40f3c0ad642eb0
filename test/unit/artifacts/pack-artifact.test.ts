import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { pack as tarPack, type Pack } from 'tar-stream';
import { artifactName, collectArtifactFiles, keepsArtifacts, MANIFEST_ENTRY_NAME, packArtifact, readArtifactManifest, unpackArtifact, type ManifestEntry } from '../../../src/artifacts/index.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const tempDir = (name: string) => mkdtemp(join(tmpdir(), `${name}-`));

async function workspaceWith(files: Record<string, string>): Promise<string> {
  const root = await tempDir('ws');
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A hand-made archive: a manifest listing `manifest`, then the raw entries, whatever they claim. */
async function craft(manifest: ManifestEntry[], entries: (tar: Pack) => void): Promise<Buffer> {
  const tar = tarPack();
  tar.entry({ name: MANIFEST_ENTRY_NAME }, JSON.stringify({ version: 1, entries: manifest }));
  entries(tar);
  tar.finalize();
  return collect(tar as AsyncIterable<Buffer>);
}

const fileEntry = (path: string, text: string): ManifestEntry => ({ path, type: 'file', size: Buffer.byteLength(text), mode: 0o644, sha256: sha(text) });

test('the files matching the globs round-trip with their bytes, modes and links; the manifest lists them', async () => {
  const root = await workspaceWith({ 'dist/app.js': 'console.log(1)', 'dist/sub/run.sh': '#!/bin/sh', 'src/x.ts': 'no' });
  await chmod(join(root, 'dist/sub/run.sh'), 0o755);
  await symlink('app.js', join(root, 'dist/current.js'));
  const manifest = await collectArtifactFiles(root, ['dist']);
  assert.deepEqual(manifest.entries.map((entry) => entry.path), ['dist/app.js', 'dist/current.js', 'dist/sub/run.sh']);
  assert.deepEqual(manifest.entries[0], fileEntry('dist/app.js', 'console.log(1)'));
  const archive = await collect(packArtifact(root, manifest).stream);
  const target = await tempDir('out');
  await unpackArtifact(Readable.from([archive]), target);
  assert.equal(await readFile(join(target, 'dist/app.js'), 'utf8'), 'console.log(1)');
  assert.equal((await stat(join(target, 'dist/sub/run.sh'))).mode & 0o777, 0o755);
  assert.equal(await readlink(join(target, 'dist/current.js')), 'app.js');
});

test('a glob leaving the workspace, or a link pointing outside it, is refused when packing', async () => {
  const root = await workspaceWith({ 'a.txt': 'a' });
  await assert.rejects(collectArtifactFiles(root, ['../etc/passwd']), /refusing the artifact path "..\/etc\/passwd": it must stay inside the workspace/);
  await assert.rejects(collectArtifactFiles(root, ['/etc/passwd']), /must stay inside the workspace/);
  await symlink('/etc/passwd', join(root, 'leak'));
  await assert.rejects(collectArtifactFiles(root, ['*']), /refusing to pack the symbolic link "leak" points to the absolute path "\/etc\/passwd"/);
  const other = await workspaceWith({ 'a.txt': 'a' });
  await symlink(await workspaceWith({ secret: 's' }), join(other, 'dir'));
  await assert.rejects(collectArtifactFiles(other, ['**']), /refusing to pack "dir\/secret": it reaches outside the workspace through a symbolic link/);
});

test('an entry climbing out with ".." is refused and nothing is written outside', async () => {
  const archive = await craft([fileEntry('../evil.txt', 'x')], (tar) => tar.entry({ name: '../evil.txt' }, 'x'));
  const parent = await tempDir('parent');
  await mkdir(join(parent, 'target'));
  await assert.rejects(unpackArtifact(Readable.from([archive]), join(parent, 'target')), /refusing the path "..\/evil.txt": ".." would leave the directory/);
  await assert.rejects(stat(join(parent, 'evil.txt')), { code: 'ENOENT' });
});

test('an absolute path is refused', async () => {
  const archive = await craft([fileEntry('a.txt', 'x')], (tar) => tar.entry({ name: '/tmp/evil.txt' }, 'x'));
  await assert.rejects(unpackArtifact(Readable.from([archive]), await tempDir('t')), /refusing the absolute path "\/tmp\/evil.txt"/);
});

test('a symbolic link pointing outside the target is refused', async () => {
  const link: ManifestEntry = { path: 'escape', type: 'symlink', target: '../../etc' };
  const archive = await craft([link], (tar) => tar.entry({ name: 'escape', type: 'symlink', linkname: '../../etc' }));
  await assert.rejects(unpackArtifact(Readable.from([archive]), await tempDir('t')), /refusing the symbolic link "escape" points outside the artifact/);
});

test('a file written through a symbolic link already in the target is refused', async () => {
  const outside = await tempDir('outside');
  const target = await tempDir('t');
  await symlink(outside, join(target, 'dir'));
  const archive = await craft([fileEntry('dir/passwd', 'x')], (tar) => tar.entry({ name: 'dir/passwd' }, 'x'));
  await assert.rejects(unpackArtifact(Readable.from([archive]), target), /refusing "dir\/passwd": it would be written through the symbolic link "dir"/);
  await assert.rejects(stat(join(outside, 'passwd')), { code: 'ENOENT' });
});

test('a file written through a link the archive itself made is refused', async () => {
  const link: ManifestEntry = { path: 'inner', type: 'symlink', target: 'sub' };
  const archive = await craft([link, fileEntry('inner/x', 'x')], (tar) => {
    tar.entry({ name: 'inner', type: 'symlink', linkname: 'sub' });
    tar.entry({ name: 'inner/x' }, 'x');
  });
  await assert.rejects(unpackArtifact(Readable.from([archive]), await tempDir('t')), /written through the symbolic link "inner"/);
});

test('device files, FIFOs and hard links are refused', async () => {
  for (const type of ['character-device', 'fifo', 'link'] as const) {
    const archive = await craft([fileEntry('dev', '')], (tar) => tar.entry({ name: 'dev', type, linkname: type === 'link' ? '/etc/passwd' : '' }));
    await assert.rejects(unpackArtifact(Readable.from([archive]), await tempDir('t')), new RegExp(`refusing "dev": a ${type} is not allowed in an artifact`));
  }
});

test('a file whose bytes differ from its manifest is refused and removed', async () => {
  const archive = await craft([fileEntry('a.txt', 'good')], (tar) => tar.entry({ name: 'a.txt' }, 'evil'));
  const target = await tempDir('t');
  await assert.rejects(unpackArtifact(Readable.from([archive]), target), /"a.txt" does not match the SHA-256 in its manifest/);
  await assert.rejects(stat(join(target, 'a.txt')), { code: 'ENOENT' });
});

test('an entry missing from the manifest, and a truncated archive, are refused', async () => {
  const extra = await craft([], (tar) => tar.entry({ name: 'smuggled' }, 'x'));
  await assert.rejects(unpackArtifact(Readable.from([extra]), await tempDir('t')), /refusing "smuggled": it is not in the manifest/);
  const short = await craft([fileEntry('a', 'a'), fileEntry('b', 'b')], (tar) => tar.entry({ name: 'a' }, 'a'));
  await assert.rejects(unpackArtifact(Readable.from([short]), await tempDir('t')), /the archive is missing "b" that its manifest lists/);
  await assert.rejects(unpackArtifact(Readable.from([Buffer.from('not a tar at all')]), await tempDir('t')));
});

test('an archive without a manifest first is not taken for an artifact', async () => {
  const tar = tarPack();
  tar.entry({ name: 'a.txt' }, 'a');
  tar.finalize();
  await assert.rejects(unpackArtifact(Readable.from([await collect(tar as AsyncIterable<Buffer>)]), await tempDir('t')), /not a DeployLite artifact: the archive does not start with its manifest/);
});

test('reading an archive for its SBOM holds at most a bounded number of bytes in memory', async () => {
  // A manifest entry claiming 65 MiB is refused from its header, before anything of it is buffered.
  const tar = tarPack();
  const size = 65 * 1024 * 1024;
  const huge = tar.entry({ name: MANIFEST_ENTRY_NAME, size });
  void (async () => {
    for (let written = 0; written < size && !huge.destroyed; written += 1024 * 1024) {
      if (!huge.write(Buffer.alloc(1024 * 1024, 0x20))) await new Promise<void>((resolve) => huge.once('drain', () => resolve()).once('close', () => resolve()));
    }
    huge.end(undefined);
    tar.finalize();
  })();
  await assert.rejects(readArtifactManifest(tar as AsyncIterable<Buffer>), { code: 'artifact.invalid-manifest', message: /manifest is too large/ });

  // Lockfiles are read for the SBOM up to a total: a job cannot make the server hold thousands of them at once.
  const lock = JSON.stringify({ lockfileVersion: 3, packages: {} }) + ' '.repeat(1000);
  const manifest = ['a', 'b', 'c'].map((dir) => fileEntry(`${dir}/package-lock.json`, lock));
  const archive = await craft(manifest, (pack) => {
    for (const entry of manifest) pack.entry({ name: entry.path }, lock);
  });
  const read = await readArtifactManifest(Readable.from([archive]), () => true, { maxTextBytes: 3 * lock.length });
  assert.equal(read.texts.size, 3);
  await assert.rejects(readArtifactManifest(Readable.from([archive]), () => true, { maxTextBytes: 2 * lock.length }), {
    code: 'artifact.lockfiles-too-large',
    message: /"c\/package-lock.json": the npm lockfiles in this artifact add up to more than/,
  });
});

test('an artifact is named by the job (a matrix instance adds its index) and kept per `when`', () => {
  assert.equal(artifactName(undefined, 'build'), 'build');
  assert.equal(artifactName(undefined, 'build[2]'), 'build-2');
  assert.equal(artifactName('dist', 'build[2]'), 'dist-2');
  assert.deepEqual(
    (['on_success', 'on_failure', 'always'] as const).map((when) => (['success', 'failed', 'cancelled'] as const).filter((status) => keepsArtifacts(when, status))),
    [['success'], ['failed'], ['success', 'failed']],
  );
});
