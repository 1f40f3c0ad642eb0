import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineTriggers } from '../../../../src/pipeline/index.js';
import { compilePipeline } from '../../../../src/pipeline/index.js';
import type { TriggerEvent } from '../../../../src/server/triggers/index.js';
import { matchesTriggers } from '../../../../src/server/triggers/index.js';

const push = (ref: string): TriggerEvent => ({
  name: 'push',
  ref,
  sha: 'a'.repeat(40),
  actor: 'me',
  ...(ref.startsWith('refs/tags/') ? { tag: ref.slice('refs/tags/'.length) } : { branch: ref.slice('refs/heads/'.length) }),
});
const pr = (action: TriggerEvent['action'], baseBranch: string): TriggerEvent => ({
  name: 'pull_request',
  ref: 'refs/pull/1/head',
  sha: 'b'.repeat(40),
  branch: 'topic',
  baseBranch,
  action,
  pullRequest: 1,
  actor: 'me',
});

/** The triggers of a pipeline whose `on:` is `on` (YAML), compiled as a user would write it. */
function triggersOf(on: string): PipelineTriggers {
  const result = compilePipeline(`on: ${on}\njobs:\n  a:\n    steps: [{ run: make }]\n`, 'p.yml');
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.pipeline);
  return result.pipeline.triggers;
}

test('without "on", every branch push, tag push and pull request opened/synchronize/reopened runs', () => {
  const triggers = compilePipeline('jobs:\n  a:\n    steps: [{ run: make }]\n', 'p.yml').pipeline?.triggers;
  assert.ok(triggers);
  assert.equal(matchesTriggers(triggers, push('refs/heads/feature/x')), true);
  assert.equal(matchesTriggers(triggers, push('refs/tags/v1')), true);
  assert.equal(matchesTriggers(triggers, pr('synchronize', 'main')), true);
  assert.equal(matchesTriggers(triggers, pr('closed', 'main')), false);
});

test('branch patterns: * stays within a path segment, ** crosses segments', () => {
  const triggers = triggersOf("{ push: { branches: [main, 'release/*', 'feature/**'] } }");
  assert.equal(matchesTriggers(triggers, push('refs/heads/main')), true);
  assert.equal(matchesTriggers(triggers, push('refs/heads/release/1.2')), true);
  assert.equal(matchesTriggers(triggers, push('refs/heads/release/1/hotfix')), false);
  assert.equal(matchesTriggers(triggers, push('refs/heads/feature/a/b')), true);
  assert.equal(matchesTriggers(triggers, push('refs/heads/mainline')), false);
});

test('a later ! pattern excludes what an earlier one matched, and a later positive one brings it back', () => {
  const triggers = triggersOf("{ push: { branches: ['release/**', '!release/**-alpha', 'release/keep-alpha'] } }");
  assert.equal(matchesTriggers(triggers, push('refs/heads/release/2.0')), true);
  assert.equal(matchesTriggers(triggers, push('refs/heads/release/2.0-alpha')), false);
  assert.equal(matchesTriggers(triggers, push('refs/heads/release/keep-alpha')), true);
});

test('tag patterns, with GitHub\'s [] sets and + repetition', () => {
  const triggers = triggersOf("{ push: { tags: ['v[12].[0-9]+.[0-9]+'] } }");
  assert.equal(matchesTriggers(triggers, push('refs/tags/v1.10.3')), true);
  assert.equal(matchesTriggers(triggers, push('refs/tags/v3.0.0')), false);
  assert.equal(matchesTriggers(triggers, push('refs/tags/v1.x.0')), false);
});

test('with only branch filters tag pushes start nothing, and with only tag filters branch pushes start nothing', () => {
  assert.equal(matchesTriggers(triggersOf('{ push: { branches: [main] } }'), push('refs/tags/v1')), false);
  assert.equal(matchesTriggers(triggersOf("{ push: { tags: ['v*'] } }"), push('refs/heads/main')), false);
  assert.equal(matchesTriggers(triggersOf("{ push: { tags: ['v*'] } }"), push('refs/tags/v1')), true);
  assert.equal(matchesTriggers(triggersOf('push'), push('refs/tags/v1')), true);
});

test('an event kind that "on" does not list starts nothing', () => {
  assert.equal(matchesTriggers(triggersOf('pull_request'), push('refs/heads/main')), false);
  assert.equal(matchesTriggers(triggersOf('push'), pr('opened', 'main')), false);
  assert.equal(matchesTriggers(triggersOf("{ schedule: [{ cron: '0 3 * * *' }] }"), push('refs/heads/main')), false);
});

test('pull requests filter on the branch they target, not their own', () => {
  const triggers = triggersOf('{ pull_request: { branches: [main] } }');
  assert.equal(matchesTriggers(triggers, pr('opened', 'main')), true);
  assert.equal(matchesTriggers(triggers, pr('opened', 'topic')), false);
});

test('pull requests filter on their action: the default types leave out closed', () => {
  assert.equal(matchesTriggers(triggersOf('pull_request'), pr('closed', 'main')), false);
  const closing = triggersOf('{ pull_request: { types: [closed] } }');
  assert.equal(matchesTriggers(closing, pr('closed', 'main')), true);
  assert.equal(matchesTriggers(closing, pr('opened', 'main')), false);
});
