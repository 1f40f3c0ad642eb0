import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deliver, eventOf, fixture, refusalOf } from './deliveries.js';

// The payloads are recordings of real deliveries (see test/fixtures/webhooks/README.md).

test('a GitLab push builds checkout_sha of its branch, by user_username', () => {
  assert.deepEqual(eventOf(deliver('gitlab', 'Push Hook', fixture('gitlab/push.json'))), {
    name: 'push',
    ref: 'refs/heads/main',
    sha: '16862e368d8ab812e48833b741dad720d6e2cb7f',
    branch: 'main',
    before: 'ffe8eb4f91d1fe6bc49f1e610e50e4b5767f0104',
    pushedFiles: ['cmd/cli/main.go'],
    actor: 'test',
    repositoryUrl: 'http://10.40.8.5:3200/test/woodpecker.git',
  });
});

test('a GitLab annotated tag push builds the tagged commit, not the tag object in "after"', () => {
  const event = eventOf(deliver('gitlab', 'Tag Push Hook', fixture('gitlab/tag_push.json')));
  assert.deepEqual([event.tag, event.sha], ['v22', '16862e368d8ab812e48833b741dad720d6e2cb7f']);
});

test('a GitLab branch deletion starts nothing', () => {
  assert.equal(refusalOf(deliver('gitlab', 'Push Hook', fixture('gitlab/push-deleted.json'))), 'ignored 202: refs/heads/feature was deleted; nothing to build');
});

test('a GitLab merge request builds its last commit from refs/merge-requests/<iid>/head', () => {
  assert.deepEqual(eventOf(deliver('gitlab', 'Merge Request Hook', fixture('gitlab/merge_request-open.json'))), {
    name: 'pull_request',
    ref: 'refs/merge-requests/3/head',
    sha: '2f7670508b771e7e77839402be8b34b13787aba8',
    branch: 'real6543-main-patch-42541',
    baseBranch: 'main',
    action: 'opened',
    pullRequest: 3,
    actor: 'real6543',
    repositoryUrl: 'https://gitlab.com/demoaccount2-commits-group/test_ci_tmp.git',
  });
});

test('GitLab merge request actions map to GitHub\'s: open, update with new commits, reopen, close, merge', () => {
  const actionOf = (file: string) => eventOf(deliver('gitlab', 'Merge Request Hook', fixture(`gitlab/${file}`))).action;
  assert.equal(actionOf('merge_request-open.json'), 'opened');
  assert.equal(actionOf('merge_request-update.json'), 'synchronize');
  assert.equal(actionOf('merge_request-reopen.json'), 'reopened');
  assert.equal(actionOf('merge_request-close.json'), 'closed');
  assert.equal(actionOf('merge_request-merge.json'), 'closed');
});

test('a GitLab merge request edit without new commits, or an approval, starts nothing', () => {
  const title = deliver('gitlab', 'Merge Request Hook', fixture('gitlab/merge_request-update-title.json'));
  assert.equal(refusalOf(title), 'ignored 202: a merge request edit without new commits starts no run');
  const approval = deliver('gitlab', 'Merge Request Hook', fixture('gitlab/merge_request-approved.json'));
  assert.equal(refusalOf(approval), 'ignored 202: merge request action "approved" starts no run');
});

test('other GitLab events are acknowledged and start nothing', () => {
  assert.equal(refusalOf(deliver('gitlab', 'Issue Hook', Buffer.from('{}'))), 'ignored 202: event "Issue Hook" starts no run');
});

test('the GitLab delivery id falls back to X-Gitlab-Webhook-UUID, Idempotency-Key, then a digest of the body', () => {
  const body = fixture('gitlab/push.json');
  const idOf = (headers: Record<string, string | undefined>) => {
    const result = deliver('gitlab', 'Push Hook', body, { 'x-gitlab-event-uuid': undefined, ...headers });
    return result.kind === 'event' ? result.deliveryId : undefined;
  };
  assert.equal(idOf({ 'x-gitlab-webhook-uuid': 'hook-uuid' }), 'hook-uuid');
  assert.equal(idOf({ 'idempotency-key': 'idem-key' }), 'idem-key');
  // A redelivery repeats the bytes, so it gets the same id and is recognized as seen.
  assert.match(idOf({}) ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(idOf({}), idOf({}));
});
