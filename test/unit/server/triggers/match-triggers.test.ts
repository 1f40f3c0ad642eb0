import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TriggerEvent } from '../../../../src/server/triggers/index.js';
import { matchesTriggers, nextRunAfter } from '../../../../src/server/triggers/index.js';

const push = (ref: string): TriggerEvent => ({
  name: 'push',
  ref,
  sha: 'a'.repeat(40),
  actor: 'me',
  ...(ref.startsWith('refs/tags/') ? { tag: ref.slice(10) } : { branch: ref.slice(11) }),
});
const pr = (action: TriggerEvent['action'], base: string): TriggerEvent => ({ name: 'pull_request', ref: 'refs/pull/1/head', sha: 'b'.repeat(40), actor: 'me', action, baseBranch: base, pullRequest: 1 });
const DEFAULT_TYPES = ['opened', 'synchronize', 'reopened'];

test('branch globs: * stays within a segment, ** crosses them', () => {
  const filters = { push: { branches: ['main', 'release/*', 'feature/**'] } };
  assert.equal(matchesTriggers(filters, push('refs/heads/main')), true);
  assert.equal(matchesTriggers(filters, push('refs/heads/release/1.2')), true);
  assert.equal(matchesTriggers(filters, push('refs/heads/release/1/hotfix')), false);
  assert.equal(matchesTriggers(filters, push('refs/heads/feature/a/b')), true);
  assert.equal(matchesTriggers(filters, push('refs/heads/dev')), false);
});

test('a later ! pattern excludes what an earlier one matched', () => {
  const filters = { push: { branches: ['release/**', '!release/**-alpha'] } };
  assert.equal(matchesTriggers(filters, push('refs/heads/release/2.0')), true);
  assert.equal(matchesTriggers(filters, push('refs/heads/release/2.0-alpha')), false);
});

test('branch filters ignore tags and tag filters ignore branches, as on GitHub', () => {
  assert.equal(matchesTriggers({ push: { branches: ['main'] } }, push('refs/tags/v1')), false);
  assert.equal(matchesTriggers({ push: { tags: ['v*'] } }, push('refs/tags/v1')), true);
  assert.equal(matchesTriggers({ push: { tags: ['v*'] } }, push('refs/heads/main')), false);
  assert.equal(matchesTriggers({ push: {} }, push('refs/tags/v1')), true);
});

test('an event kind the pipeline does not list does not run it', () => {
  assert.equal(matchesTriggers({ pullRequest: { types: DEFAULT_TYPES } }, push('refs/heads/main')), false);
  assert.equal(matchesTriggers({ push: {} }, pr('opened', 'main')), false);
});

test('pull requests filter on the target branch and the action type', () => {
  const filters = { pullRequest: { branches: ['main'], types: DEFAULT_TYPES } };
  assert.equal(matchesTriggers(filters, pr('opened', 'main')), true);
  assert.equal(matchesTriggers(filters, pr('opened', 'dev')), false);
  assert.equal(matchesTriggers(filters, pr('closed', 'main')), false);
});

test('cron: the next firing in UTC, for 5-field and 6-field (seconds) expressions', () => {
  const at = Date.UTC(2026, 10, 22, 10, 7, 30);
  assert.equal(new Date(nextRunAfter('*/15 * * * *', at)).toISOString(), '2026-11-22T10:15:00.000Z');
  assert.equal(new Date(nextRunAfter('*/20 * * * * *', at)).toISOString(), '2026-11-22T10:07:40.000Z');
  assert.equal(new Date(nextRunAfter('0 3 * * 1', at)).toISOString(), '2026-11-23T03:00:00.000Z');
});
