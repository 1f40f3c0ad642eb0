import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../../e2e/support/cli.js';
import type { WebhookProvider } from '../../../../src/server/triggers/index.js';
import { parseWebhook } from '../../../../src/server/triggers/index.js';

const SECRET = 'project-webhook-secret';
const fixture = (path: string) => readFileSync(join(REPO_ROOT, 'test/fixtures/webhooks', path));
const hmac = (body: Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

function deliver(provider: WebhookProvider, event: string, body: Buffer, overrides: Record<string, string | undefined> = {}) {
  const headers: Record<string, string | undefined> =
    provider === 'github'
      ? { 'x-github-event': event, 'x-github-delivery': 'd-1', 'x-hub-signature-256': `sha256=${hmac(body)}` }
      : provider === 'gitea'
        ? { 'x-gitea-event': event, 'x-gitea-delivery': 'd-1', 'x-gitea-signature': hmac(body) }
        : { 'x-gitlab-event': event, 'x-gitlab-event-uuid': 'd-1', 'x-gitlab-token': SECRET };
  return parseWebhook(provider, { ...headers, ...overrides }, body, SECRET);
}

test('a signed GitHub push becomes a push of its branch and commit', () => {
  const result = deliver('github', 'push', fixture('github/push.json'));
  assert.equal(result.kind, 'event');
  if (result.kind !== 'event') return;
  assert.equal(result.deliveryId, 'd-1');
  assert.deepEqual(
    { name: result.event.name, ref: result.event.ref, branch: result.event.branch, sha: result.event.sha },
    { name: 'push', ref: 'refs/heads/master', branch: 'master', sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246' },
  );
});

test('a GitHub tag push carries the tag', () => {
  const result = deliver('github', 'push', fixture('github/push-tag.json'));
  assert.equal(result.kind === 'event' && result.event.tag, 'simple-tag');
});

test('a wrong, missing or other-secret signature is rejected with 401', () => {
  const body = fixture('github/push.json');
  assert.equal(deliver('github', 'push', body, { 'x-hub-signature-256': 'sha256=00' }).kind, 'rejected');
  assert.equal(deliver('github', 'push', body, { 'x-hub-signature-256': undefined }).kind, 'rejected');
  assert.equal(deliver('github', 'push', body, { 'x-hub-signature-256': `sha256=${hmac(body, 'other')}` }).kind, 'rejected');
  const result = deliver('gitlab', 'Push Hook', fixture('gitlab/push.json'), { 'x-gitlab-token': 'guess' });
  assert.equal(result.kind, 'rejected');
  assert.ok(result.kind === 'rejected' && !result.reason.includes(SECRET));
});

test('a body changed after signing is rejected', () => {
  const body = fixture('github/push.json');
  const signature = `sha256=${hmac(body)}`;
  const tampered = Buffer.from(body.toString().replace('refs/heads/master', 'refs/heads/evil'));
  assert.equal(deliver('github', 'push', tampered, { 'x-hub-signature-256': signature }).kind, 'rejected');
});

test('ping, deletions and pull request actions that build nothing are ignored with 202', () => {
  assert.equal(deliver('github', 'ping', fixture('github/ping.json')).kind, 'ignored');
  assert.equal(deliver('github', 'push', fixture('github/push-deleted.json')).kind, 'ignored');
  assert.equal(deliver('github', 'pull_request', fixture('github/pull_request-labeled.json')).kind, 'ignored');
  assert.equal(deliver('github', 'issues', Buffer.from('{}')).kind, 'ignored');
});

test('a GitHub pull request builds its head commit and names its base branch', () => {
  const result = deliver('github', 'pull_request', fixture('github/pull_request-synchronize.json'));
  assert.equal(result.kind, 'event');
  if (result.kind !== 'event') return;
  const body = JSON.parse(fixture('github/pull_request-synchronize.json').toString()) as { number: number; pull_request: { head: { sha: string }; base: { ref: string } } };
  assert.equal(result.event.action, 'synchronize');
  assert.equal(result.event.sha, body.pull_request.head.sha);
  assert.equal(result.event.baseBranch, body.pull_request.base.ref);
  assert.equal(result.event.ref, `refs/pull/${body.number}/head`);
});

test('Gitea push and pull request, signed with X-Gitea-Signature', () => {
  const push = deliver('gitea', 'push', fixture('gitea/push.json'));
  assert.equal(push.kind === 'event' && push.event.sha, 'bffeb74224043ba2feb48d137756c8a9331c449a');
  const pr = deliver('gitea', 'pull_request', fixture('gitea/pull_request-opened.json'));
  assert.equal(pr.kind === 'event' && `${pr.event.action} #${pr.event.pullRequest} into ${pr.event.baseBranch}`, 'opened #1 into master');
});

test('GitLab push and merge request, with the token header and the open → opened mapping', () => {
  const push = deliver('gitlab', 'Push Hook', fixture('gitlab/push.json'));
  assert.equal(push.kind === 'event' && `${push.event.branch}@${push.event.sha} by ${push.event.actor}`, 'master@da1560886d4f094c3e6c9ef40349f7d38b5d27d7 by jsmith');
  const mr = deliver('gitlab', 'Merge Request Hook', fixture('gitlab/merge_request-open.json'));
  assert.equal(mr.kind === 'event' && `${mr.event.action} !${mr.event.pullRequest} ${mr.event.branch} → ${mr.event.baseBranch}`, 'opened !1 ms-viewport → master');
});

test('malformed JSON and a missing delivery id are 400s, not crashes', () => {
  const garbage = Buffer.from('{not json');
  assert.equal(deliver('github', 'push', garbage).kind, 'invalid');
  assert.equal(deliver('github', 'push', fixture('github/push.json'), { 'x-github-delivery': undefined }).kind, 'invalid');
  const noRef = Buffer.from(JSON.stringify({ after: 'abc' }));
  const result = deliver('github', 'push', noRef);
  assert.equal(result.kind === 'invalid' && result.reason, 'the payload has no "ref"');
});
