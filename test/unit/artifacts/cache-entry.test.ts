import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planCacheEviction, selectCacheEntry, type CacheEntry, type CacheLookup } from '../../../src/artifacts/index.js';

const DIGEST = `sha256:${'a'.repeat(64)}` as CacheEntry['digest'];

function entry(key: string, fields: Partial<CacheEntry> = {}): CacheEntry {
  return { project: 'p', scope: 'feature', key, version: 'v1', digest: DIGEST, size: 100, createdAt: new Date(1000), lastUsedAt: new Date(1000), ...fields };
}

function lookup(fields: Partial<CacheLookup> = {}): CacheLookup {
  return { project: 'p', key: 'npm-linux-abc', restoreKeys: ['npm-linux-', 'npm-'], version: 'v1', scopes: ['feature', 'main'], ...fields };
}

test('the exact key is a hit, even when a newer entry matches a restore key', () => {
  const match = selectCacheEntry([entry('npm-linux-zzz', { createdAt: new Date(5000) }), entry('npm-linux-abc')], lookup());
  assert.equal(match?.kind, 'hit');
  assert.equal(match?.entry.key, 'npm-linux-abc');
});

test('without the exact key, the newest entry under the first matching restore key is restored', () => {
  const entries = [entry('npm-linux-old', { createdAt: new Date(1000) }), entry('npm-linux-new', { createdAt: new Date(3000) }), entry('npm-mac-newest', { createdAt: new Date(9000) })];
  const match = selectCacheEntry(entries, lookup());
  assert.deepEqual([match?.kind, match?.entry.key, match?.kind === 'partial' ? match.restoreKey : ''], ['partial', 'npm-linux-new', 'npm-linux-']);
});

test('restore keys are tried in order: a later, shorter prefix only when the earlier ones match nothing', () => {
  const match = selectCacheEntry([entry('npm-mac-1')], lookup());
  assert.deepEqual([match?.kind, match?.entry.key, match?.kind === 'partial' ? match.restoreKey : ''], ['partial', 'npm-mac-1', 'npm-']);
});

test('the branch is searched first, the default branch only when the branch has nothing', () => {
  const fromMain = entry('npm-linux-abc', { scope: 'main' });
  const onBranch = entry('npm-linux-older', { scope: 'feature' });
  assert.equal(selectCacheEntry([fromMain, onBranch], lookup())?.entry.scope, 'feature');
  assert.deepEqual(selectCacheEntry([fromMain], lookup())?.kind, 'hit');
});

test('other branches, other projects and entries of other paths (versions) never match', () => {
  const entries = [entry('npm-linux-abc', { scope: 'other' }), entry('npm-linux-abc', { project: 'q' }), entry('npm-linux-abc', { version: 'v2' })];
  assert.equal(selectCacheEntry(entries, lookup()), undefined);
});

test('eviction removes the least recently used entries until the rest fit the budget', () => {
  const entries = [entry('a', { lastUsedAt: new Date(3), size: 40 }), entry('b', { lastUsedAt: new Date(1), size: 40 }), entry('c', { lastUsedAt: new Date(2), size: 40 })];
  assert.deepEqual(planCacheEviction(entries, 80).map((evicted) => evicted.key), ['b']);
  assert.deepEqual(planCacheEviction(entries, 120), []);
  assert.deepEqual(planCacheEviction(entries, 10).map((evicted) => evicted.key), ['b', 'c', 'a']);
});
