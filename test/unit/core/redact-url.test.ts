import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrlCredentials, removeUrlCredentials } from '../../../src/core/index.js';

test('user and token in a URL are replaced by ***, host and path are kept', () => {
  assert.equal(redactUrlCredentials('https://deploy:ghp_s3cret@github.com/acme/app.git'), 'https://***@github.com/acme/app.git');
});

test('every URL in a message is redacted, including one git quotes in its stderr', () => {
  const stderr = "fatal: unable to access 'https://x-token:glpat-abc@gitlab.example/a.git/': could not connect; tried ssh://git:pw@host/b";
  assert.equal(redactUrlCredentials(stderr), "fatal: unable to access 'https://***@gitlab.example/a.git/': could not connect; tried ssh://***@host/b");
});

test('a password with an unescaped @ is redacted up to the host', () => {
  assert.equal(redactUrlCredentials('https://user:p@ss@host/repo.git'), 'https://***@host/repo.git');
});

test('URLs without credentials, paths with @ and local paths are left alone', () => {
  for (const text of ['https://github.com/acme/app.git', 'https://host/pkg/@scope/name', '/srv/git/app.git', 'git@github.com:acme/app.git']) {
    assert.equal(redactUrlCredentials(text), text);
  }
});

test('removing credentials leaves a URL git can still use, and nothing of the token', () => {
  const config = '[remote "origin"]\n\turl = https://deploy:ghp_s3cret@github.com/acme/app.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n';
  assert.equal(removeUrlCredentials(config), '[remote "origin"]\n\turl = https://github.com/acme/app.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n');
  assert.equal(removeUrlCredentials('git@github.com:acme/app.git'), 'git@github.com:acme/app.git');
});
