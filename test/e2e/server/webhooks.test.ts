import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
let secret: string;
let hookUrl: string;
let repo: ReturnType<typeof gitRepo>;

before(async () => {
  server = await startServer();
  repo = gitRepo({
    '.deploylite.yml': `on:
  push:
    branches: [main]
jobs:
  build:
    steps:
      - run: echo "built from \${{ trigger.event || 'a push' }}"
`,
  });
  const project = await server.api<{ webhookSecret: string; webhookUrls: { github: string } }>('POST', '/api/v1/projects', { name: 'hooks', repository: repo.path }, 201);
  secret = project.webhookSecret;
  hookUrl = project.webhookUrls.github;
});
after(async () => {
  await server.stop();
});

/** GitHub's recorded push payload, pointed at the test repository's branch and commit. */
function pushPayload(ref: string, sha: string): Buffer {
  const payload = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/webhooks/github/push.json'), 'utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...payload, ref, after: sha }));
}

function deliver(body: Buffer, delivery: string, options: { event?: string; signWith?: string; url?: string } = {}) {
  const signature = createHmac('sha256', options.signWith ?? secret).update(body).digest('hex');
  return fetch(options.url ?? hookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': options.event ?? 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': `sha256=${signature}` },
    body,
  });
}

async function runCount(): Promise<number> {
  return (await server.api<{ runs: unknown[] }>('GET', '/api/v1/runs?project=hooks')).runs.length;
}

test('a signed push to a watched branch starts a run of that exact commit', async () => {
  const response = await deliver(pushPayload('refs/heads/main', repo.sha), 'delivery-1');
  assert.equal(response.status, 201);
  const { runId } = (await response.json()) as { runId: number };
  const run = await waitForRun(server, runId, isFinal);
  assert.equal(run.status, 'success');
  const stored = await server.api<{ sha: string; trigger: { kind: string; event: string } }>('GET', `/api/v1/runs/${runId}`);
  assert.equal(stored.sha, repo.sha);
  assert.deepEqual([stored.trigger.kind, stored.trigger.event], ['webhook', 'push']);
});

test('a replayed delivery starts nothing', async () => {
  const before = await runCount();
  const response = await deliver(pushPayload('refs/heads/main', repo.sha), 'delivery-1');
  assert.equal(response.status, 202);
  assert.equal(await runCount(), before);
});

test('a wrong signature is rejected with 401 and starts nothing', async () => {
  const before = await runCount();
  const response = await deliver(pushPayload('refs/heads/main', repo.sha), 'delivery-2', { signWith: 'not-the-secret' });
  assert.equal(response.status, 401);
  assert.ok(!(await response.text()).includes(secret));
  assert.equal(await runCount(), before);
});

test('unknown events and pushes the pipeline filters out are answered 202 and ignored', async () => {
  const before = await runCount();
  assert.equal((await deliver(Buffer.from('{"zen":"hi"}'), 'delivery-3', { event: 'ping' })).status, 202);
  assert.equal((await deliver(Buffer.from('{}'), 'delivery-4', { event: 'issues' })).status, 202);
  const other = repo.commit({ 'note.txt': 'x' });
  assert.equal((await deliver(pushPayload('refs/heads/dev', other), 'delivery-5')).status, 202);
  assert.equal(await runCount(), before);
});

test('a delivery whose run could not start (the repository was unreachable) starts it when redelivered', async () => {
  // A commit the server has not fetched yet (one it holds already needs no fetch).
  const payload = pushPayload('refs/heads/main', repo.commit({ 'notes.txt': 'pushed while the host was down' }));
  const hidden = `${repo.path}-away`;
  renameSync(repo.path, hidden);
  try {
    const failed = await deliver(payload, 'delivery-unreachable');
    assert.equal(failed.status, 400);
    assert.equal(((await failed.json()) as { error: { code: string } }).error.code, 'run.fetch-failed');
  } finally {
    renameSync(hidden, repo.path);
  }
  const redelivered = await deliver(payload, 'delivery-unreachable');
  assert.equal(redelivered.status, 201);
});

test('a pull request from a fork builds its head commit, fetched by the pull request ref', async () => {
  const forked = gitRepo({ '.deploylite.yml': 'on:\n  pull_request:\n    branches: [main]\njobs:\n  test:\n    steps:\n      - run: cat feature.txt\n' });
  // The fork's commit is on no branch of the repository, only under the host's pull request ref.
  const head = forked.commit({ 'feature.txt': 'from a fork' });
  execFileSync('git', ['-C', forked.path, 'update-ref', 'refs/pull/7/head', head]);
  execFileSync('git', ['-C', forked.path, 'reset', '--quiet', '--hard', forked.sha]);
  const project = await server.api<{ webhookSecret: string; webhookUrls: { github: string } }>('POST', '/api/v1/projects', { name: 'forks', repository: forked.path }, 201);
  const payload = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/webhooks/github/pull_request-opened.json'), 'utf8')) as {
    number: number;
    pull_request: { number: number; head: { sha: string }; base: { ref: string } };
  };
  payload.number = payload.pull_request.number = 7;
  payload.pull_request.head.sha = head;
  payload.pull_request.base.ref = 'main';
  const response = await deliver(Buffer.from(JSON.stringify(payload)), 'delivery-fork', { event: 'pull_request', signWith: project.webhookSecret, url: project.webhookUrls.github });
  assert.equal(response.status, 201, await response.clone().text());
  const { runId } = (await response.json()) as { runId: number };
  const run = await server.api<{ ref: string; sha: string; trigger: { pullRequest: number } }>('GET', `/api/v1/runs/${runId}`);
  assert.deepEqual([run.ref, run.sha, run.trigger.pullRequest], ['refs/pull/7/head', head, 7]);
  // The runner's clone lacks the commit too: it fetches the ref and runs the fork's file.
  const finished = await waitForRun(server, runId, isFinal);
  assert.equal(finished.status, 'success');
  assert.ok((await jobLog(server, runId, 'test')).some((line) => line.text === 'from a fork'));
});
