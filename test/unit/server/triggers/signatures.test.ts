import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deliver, eventOf, fixture, hmac, refusalOf, SECRET } from './deliveries.js';
import { parseWebhook } from '../../../../src/server/triggers/index.js';

const githubPush = fixture('github/push.json');
const giteaPush = fixture('gitea/push.json');
const gitlabPush = fixture('gitlab/push.json');

test('a delivery signed with the project secret is accepted, from each host', () => {
  assert.equal(eventOf(deliver('github', 'push', githubPush)).name, 'push');
  assert.equal(eventOf(deliver('gitea', 'push', giteaPush)).name, 'push');
  assert.equal(eventOf(deliver('gitlab', 'Push Hook', gitlabPush)).name, 'push');
});

test('GitHub: a signature made with another secret, or a body changed after signing, is rejected', () => {
  const otherSecret = deliver('github', 'push', githubPush, { 'x-hub-signature-256': `sha256=${hmac(githubPush, 'other-secret')}` });
  assert.equal(refusalOf(otherSecret), 'rejected 401: the signature does not match the body and the project secret');
  const tampered = Buffer.from(githubPush.toString().replace('refs/heads/master', 'refs/heads/evil'));
  const forged = deliver('github', 'push', tampered, { 'x-hub-signature-256': `sha256=${hmac(githubPush)}` });
  assert.equal(refusalOf(forged), 'rejected 401: the signature does not match the body and the project secret');
});

test('GitHub: a missing, truncated or unprefixed signature is rejected without a crash', () => {
  assert.equal(refusalOf(deliver('github', 'push', githubPush, { 'x-hub-signature-256': undefined })), 'rejected 401: the X-Hub-Signature-256 header is missing');
  assert.match(refusalOf(deliver('github', 'push', githubPush, { 'x-hub-signature-256': 'sha256=00' })), /^rejected 401: the X-Hub-Signature-256 header is not "sha256=" and a hex/);
  assert.match(refusalOf(deliver('github', 'push', githubPush, { 'x-hub-signature-256': hmac(githubPush) })), /^rejected 401: /);
});

test('Gitea: X-Gitea-Signature or, without it, X-Hub-Signature-256 is checked', () => {
  assert.equal(eventOf(deliver('gitea', 'push', giteaPush, { 'x-hub-signature-256': undefined })).name, 'push');
  assert.equal(eventOf(deliver('gitea', 'push', giteaPush, { 'x-gitea-signature': undefined })).name, 'push');
  assert.match(refusalOf(deliver('gitea', 'push', giteaPush, { 'x-gitea-signature': hmac(giteaPush, 'other') })), /^rejected 401: the signature does not match/);
  const unsigned = deliver('gitea', 'push', giteaPush, { 'x-gitea-signature': undefined, 'x-hub-signature-256': undefined });
  assert.equal(refusalOf(unsigned), 'rejected 401: the X-Gitea-Signature (or X-Hub-Signature-256) header is missing');
});

test('GitLab: a missing or wrong X-Gitlab-Token is rejected, and the reason never shows the secret', () => {
  assert.equal(refusalOf(deliver('gitlab', 'Push Hook', gitlabPush, { 'x-gitlab-token': undefined })), 'rejected 401: the X-Gitlab-Token header is missing');
  for (const token of ['guess', SECRET.slice(0, -1), `${SECRET}x`]) {
    const refusal = refusalOf(deliver('gitlab', 'Push Hook', gitlabPush, { 'x-gitlab-token': token }));
    assert.equal(refusal, 'rejected 401: the X-Gitlab-Token does not match the project secret');
  }
});

test('the body is not read before the signature is checked: unsigned garbage is a 401, not a 400', () => {
  const garbage = Buffer.from('{not json');
  assert.match(refusalOf(parseWebhook('github', { 'x-github-event': 'push' }, garbage, SECRET)), /^rejected 401/);
  assert.equal(refusalOf(deliver('github', 'push', garbage)), 'invalid 400: the body is not a JSON object');
});

test('a project without a secret accepts nothing, even a delivery signed with the empty key', () => {
  const headers = { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac(githubPush, '')}` };
  assert.equal(refusalOf(parseWebhook('github', headers, githubPush, '')), 'rejected 401: the project has no webhook secret');
});
