import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { open, seal } from '../../../../src/server/secrets/aead.js';
import { addMasterKey, loadMasterKeys, retireOldMasterKeys } from '../../../../src/server/secrets/master-keys.js';

const key = Buffer.alloc(32, 1);

test('a sealed value opens with the same key and AAD, with a fresh nonce each time', () => {
  const a = seal(key, Buffer.from('hunter2'), 'project=1/name=DB');
  const b = seal(key, Buffer.from('hunter2'), 'project=1/name=DB');
  assert.notDeepEqual(a.nonce, b.nonce);
  assert.notDeepEqual(a.ciphertext, b.ciphertext);
  assert.equal(open(key, a, 'project=1/name=DB').toString(), 'hunter2');
});

test('a ciphertext moved to another scope, a flipped bit or another key does not open', () => {
  const sealed = seal(key, Buffer.from('hunter2'), 'project=1/name=DB');
  assert.throws(() => open(key, sealed, 'project=2/name=DB'));
  const flipped = Buffer.from(sealed.ciphertext);
  flipped[0] = (flipped[0] as number) ^ 1;
  assert.throws(() => open(key, { ...sealed, ciphertext: flipped }, 'project=1/name=DB'));
  assert.throws(() => open(Buffer.alloc(32, 2), sealed, 'project=1/name=DB'));
});

test('the first start creates a master key file readable only by its owner; later starts reuse it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dl-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = loadMasterKeys(dir).current();
  assert.equal(statSync(join(dir, 'master-keys')).mode & 0o777, 0o600);
  assert.deepEqual(loadMasterKeys(dir).current(), first);
  assert.doesNotMatch(readFileSync(join(dir, 'master-keys'), 'utf8'), new RegExp(first.id));
});

test('a key added by another process is found by fingerprint without a restart; retiring keeps only the current one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dl-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const running = loadMasterKeys(dir);
  const old = running.current();
  const added = addMasterKey(dir);
  assert.deepEqual(running.find(added.id)?.key, added.key);
  assert.deepEqual(running.find(old.id)?.key, old.key);
  retireOldMasterKeys(dir);
  const after = loadMasterKeys(dir);
  assert.equal(after.current().id, added.id);
  assert.equal(after.find(old.id), undefined);
});

test('a configured master key that is not 32 bytes of base64 is a clear error', () => {
  assert.throws(() => loadMasterKeys('/nonexistent', ['c2hvcnQ=']), /DEPLOYLITE_MASTER_KEY must be 32 bytes in base64/);
  const configured = Buffer.alloc(32, 9).toString('base64');
  assert.deepEqual(loadMasterKeys('/nonexistent', [configured]).current().key, Buffer.alloc(32, 9));
});
