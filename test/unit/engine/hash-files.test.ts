import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { hashFiles } from '../../../src/engine/hash-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'deploylite-hash-files-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

/** A fresh directory holding the given files (path → content). */
function workspace(files: Record<string, string>): string {
  const root = join(scratch, `ws${counter++}`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();

test('the hash is the SHA-256 of the per-file SHA-256 digests, files in path order (GitHub runner)', () => {
  const root = workspace({ 'b.lock': 'bee', 'a.lock': 'ay' });
  const expected = createHash('sha256').update(Buffer.concat([sha256('ay'), sha256('bee')])).digest('hex');
  assert.equal(hashFiles(root, ['*.lock']), expected);
});

test('the order of the patterns does not matter', () => {
  const root = workspace({ 'package-lock.json': '{}', 'sub/yarn.lock': 'y' });
  assert.equal(hashFiles(root, ['**/yarn.lock', 'package-lock.json']), hashFiles(root, ['package-lock.json', '**/yarn.lock']));
});

test('a file matched by several patterns is hashed once', () => {
  const root = workspace({ 'a.txt': 'a' });
  assert.equal(hashFiles(root, ['a.txt', '*.txt']), hashFiles(root, ['a.txt']));
});

test('a pattern starting with ! excludes files', () => {
  const root = workspace({ 'keep/a.lock': 'a', 'node_modules/dep/b.lock': 'b' });
  assert.equal(hashFiles(root, ['**/*.lock', '!node_modules/**']), hashFiles(root, ['keep/a.lock']));
});

test('several patterns on separate lines of one argument all apply', () => {
  const root = workspace({ 'a.lock': 'a', 'b.sum': 'b' });
  assert.equal(hashFiles(root, ['*.lock\n*.sum']), hashFiles(root, ['*.lock', '*.sum']));
});

test('dot files match', () => {
  const root = workspace({ '.tool-versions': 'node 20' });
  assert.notEqual(hashFiles(root, ['**/.tool-versions']), '');
});

test('nothing matching gives the empty string', () => {
  const root = workspace({ 'a.txt': 'a' });
  assert.equal(hashFiles(root, ['**/*.lock']), '');
  assert.equal(hashFiles(root, ['!a.txt']), '');
});

test('changing one file changes the hash', () => {
  const root = workspace({ 'a.lock': 'one', 'b.lock': 'two' });
  const before = hashFiles(root, ['*.lock']);
  writeFileSync(join(root, 'b.lock'), 'three');
  assert.notEqual(hashFiles(root, ['*.lock']), before);
});

test('directories are not hashed, only the files in them', () => {
  const root = workspace({ 'lib/x.txt': 'x' });
  assert.equal(hashFiles(root, ['lib']), hashFiles(root, ['lib/x.txt']));
});

test('files outside the root are never matched, through .. or an absolute path', () => {
  const parent = workspace({ 'secret.txt': 'outside', 'inner/a.txt': 'a' });
  const root = join(parent, 'inner');
  assert.equal(hashFiles(root, ['../secret.txt']), '');
  assert.equal(hashFiles(root, [join(parent, 'secret.txt')]), '');
  assert.equal(hashFiles(root, ['../**/*.txt']), '');
});

test('a symbolic link to a file outside the root is not read', () => {
  const parent = workspace({ 'secret.txt': 'outside', 'inner/a.txt': 'a' });
  const root = join(parent, 'inner');
  symlinkSync(join(parent, 'secret.txt'), join(root, 'link.txt'));
  assert.equal(hashFiles(root, ['*.txt']), hashFiles(root, ['a.txt']));
});
