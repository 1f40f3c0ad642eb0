// What the kubernetes executor puts in a job's workspace ConfigMap: the checkout, unpacked as
// the init container unpacks it, with no credential of the repository URL in it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { packWorkspace } from '../../../src/executors/kubernetes/workspace-bundle.js';

const TOKEN = 'ghp_bundleS3cret';

function checkout(remote: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-src-'));
  execFileSync('git', ['init', '-q', dir]);
  execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', remote]);
  writeFileSync(join(dir, 'app.sh'), 'echo hi\n', { mode: 0o755 });
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'main.ts'), 'export {};\n');
  return dir;
}

function unpack(bundle: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-out-'));
  execFileSync('tar', ['-xzf', '-', '-C', dir], { input: bundle });
  return dir;
}

test('a token in the repository URL is not in the bundle; the checkout and its remote are', async () => {
  const source = checkout(`https://deploy:${TOKEN}@git.example.com/acme/app.git`);
  const bundle = await packWorkspace(source, 'build');
  assert.equal(bundle.includes(TOKEN), false, 'the gzip stream held the token as is');
  const out = unpack(bundle);
  const listing = execFileSync('tar', ['-tzf', '-'], { input: bundle, encoding: 'utf8' });
  const found = spawnSync('grep', ['-r', '-l', TOKEN, out], { encoding: 'utf8' });
  assert.equal(found.status, 1, `files holding the token: ${found.stdout}`);
  assert.equal(listing.split('\n').filter((name) => name === './.git/config').length, 1, 'one .git/config in the bundle');
  assert.equal(execFileSync('git', ['-C', out, 'remote', 'get-url', 'origin'], { encoding: 'utf8' }).trim(), 'https://git.example.com/acme/app.git');
  assert.equal(readFileSync(join(out, 'src', 'main.ts'), 'utf8'), 'export {};\n');
  assert.equal(statSync(join(out, 'app.sh')).mode & 0o777, 0o755);
  // The checkout on the runner is left as it was.
  assert.match(readFileSync(join(source, '.git', 'config'), 'utf8'), new RegExp(TOKEN));
});

test('a checkout whose remote carries no credentials is packed as it is', async () => {
  const source = checkout('/srv/git/app.git');
  const out = unpack(await packWorkspace(source, 'build'));
  assert.equal(readFileSync(join(out, '.git', 'config'), 'utf8'), readFileSync(join(source, '.git', 'config'), 'utf8'));
});
