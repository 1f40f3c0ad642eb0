import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deliver, eventOf, fixture, refusalOf } from './deliveries.js';

// The payloads are recordings of real deliveries (see test/fixtures/webhooks/README.md).

test('a GitHub branch push builds the pushed commit of that branch', () => {
  const result = deliver('github', 'push', fixture('github/push.json'));
  assert.equal(result.kind === 'event' && result.deliveryId, 'delivery-1');
  assert.deepEqual(eventOf(result), {
    name: 'push',
    ref: 'refs/heads/master',
    sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    branch: 'master',
    // A new branch: no commit before it; the payload lists what its commits changed.
    pushedFiles: ['README.md'],
    actor: 'Codertocat',
    repositoryUrl: 'https://github.com/Codertocat/Hello-World.git',
  });
});

test('a GitHub tag push carries the tag and no branch', () => {
  const event = eventOf(deliver('github', 'push', fixture('github/push-tag.json')));
  assert.deepEqual([event.ref, event.tag, event.branch], ['refs/tags/simple-tag', 'simple-tag', undefined]);
});

test('a GitHub pull request builds its head commit from refs/pull/<n>/head and names its target branch', () => {
  const event = eventOf(deliver('github', 'pull_request', fixture('github/pull_request-opened.json')));
  assert.deepEqual(event, {
    name: 'pull_request',
    ref: 'refs/pull/2/head',
    sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    branch: 'changes',
    baseBranch: 'master',
    baseSha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
    action: 'opened',
    pullRequest: 2,
    actor: 'Codertocat',
    repositoryUrl: 'https://github.com/Codertocat/Hello-World.git',
  });
  assert.equal(eventOf(deliver('github', 'pull_request', fixture('github/pull_request-synchronize.json'))).action, 'synchronize');
});

test('GitHub ping, unknown events, deletions and labels are acknowledged with 202 and start nothing', () => {
  assert.equal(refusalOf(deliver('github', 'ping', fixture('github/ping.json'))), 'ignored 202: event "ping" starts no run');
  assert.equal(refusalOf(deliver('github', 'issues', Buffer.from('{}'))), 'ignored 202: event "issues" starts no run');
  assert.equal(refusalOf(deliver('github', 'push', fixture('github/push-deleted.json'))), 'ignored 202: refs/tags/simple-tag was deleted; nothing to build');
  assert.equal(refusalOf(deliver('github', 'pull_request', fixture('github/pull_request-labeled.json'))), 'ignored 202: pull request action "labeled" starts no run');
  const ignored = deliver('github', 'ping', fixture('github/ping.json'));
  assert.equal(ignored.kind === 'ignored' && ignored.deliveryId, 'delivery-1');
});

test('a Gitea push and pull request read like GitHub ones', () => {
  const push = eventOf(deliver('gitea', 'push', fixture('gitea/push.json')));
  assert.deepEqual([push.branch, push.sha, push.actor, push.repositoryUrl], ['master', '4522cbcefc20728a5b72b3a86af35e608622c514', 'unknwon', 'http://try.gitea.io/gogits/hello-world.git']);
  const pr = eventOf(deliver('gitea', 'pull_request', fixture('gitea/pull_request-opened.json')));
  assert.deepEqual([pr.action, pr.ref, pr.sha, pr.branch, pr.baseBranch], ['opened', 'refs/pull/1/head', '2eba238e33607c1fa49253182e9fff42baafa1eb', 'feature', 'master']);
});

test('Gitea\'s "synchronized" is GitHub\'s "synchronize"; its label changes start nothing', () => {
  const pr = eventOf(deliver('gitea', 'pull_request', fixture('gitea/pull_request-synchronized.json')));
  assert.deepEqual([pr.action, pr.pullRequest, pr.sha], ['synchronize', 2, '788ed8d02d3b7fcfcf6386dbcbca696aa1d4dc25']);
  const label = deliver('gitea', 'pull_request', fixture('gitea/pull_request-label_updated.json'));
  assert.equal(refusalOf(label), 'ignored 202: pull request action "label_updated" starts no run');
});

test('a Gitea branch deletion (its "delete" event) starts nothing', () => {
  assert.equal(refusalOf(deliver('gitea', 'delete', fixture('gitea/delete.json'))), 'ignored 202: event "delete" starts no run');
});

test('a signed payload that lacks what a run needs is a 400 naming the field', () => {
  const push = (payload: object) => refusalOf(deliver('github', 'push', Buffer.from(JSON.stringify(payload))));
  assert.equal(push({ after: 'a'.repeat(40) }), 'invalid 400: the payload has no "ref"');
  assert.equal(push({ ref: 'refs/heads/main' }), 'invalid 400: the payload has no "after"');
  assert.equal(push({ ref: 'refs/heads/main', after: '--upload-pack=touch /tmp/x' }), 'invalid 400: "after" is not a commit id');
  assert.equal(push({ ref: 'refs/heads/a..b', after: 'a'.repeat(40) }), 'invalid 400: "ref" is not a valid git ref');
  assert.equal(refusalOf(deliver('github', 'push', Buffer.from('[1, 2]'))), 'invalid 400: the body is not a JSON object');
  assert.equal(refusalOf(deliver('github', 'pull_request', Buffer.from('{"action":"opened"}'))), 'invalid 400: the payload has no "pull_request" object');
});

test('a push of a ref that is neither a branch nor a tag starts nothing', () => {
  const notes = Buffer.from(JSON.stringify({ ref: 'refs/notes/commits', after: 'a'.repeat(40) }));
  assert.equal(refusalOf(deliver('github', 'push', notes)), 'ignored 202: refs/notes/commits is neither a branch nor a tag');
});
