import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from '../support/cli.js';
import { deployctl } from '../support/deployctl-cli.js';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';

// A project whose pipeline path is the folder .github/workflows/: a real server with its
// built-in runner off, a separate `deploylite runner`, and a real Git repository.

const workflow = (name: string, on: string, run: string) => `name: ${name}
on:
${on}
jobs:
  main:
    runs-on: self-hosted
    steps:
      - run: ${run}
`;

let server: ServerProcess;
let runner: RunnerProcess;
let repo: ReturnType<typeof gitRepo>;
let secret: string;
let hookUrl: string;

before(async () => {
  server = await startServer({ env: { DEPLOYLITE_RUNNER: 'false' } });
  runner = await startRunner(server, { name: 'gha', labels: 'self-hosted' });
  repo = gitRepo({
    '.github/workflows/api.yml': workflow('api', "  push:\n    branches: [main]\n    paths: ['api/**']", 'echo "api ${{ github.event_name }} ${{ github.sha }} from ${{ github.event.repository.full_name }} by ${{ github.actor }}"'),
    '.github/workflows/web.yml': workflow('web', "  push:\n    paths-ignore: ['api/**']", 'echo web'),
    '.github/workflows/deploy.yml': workflow(
      'deploy',
      '  workflow_dispatch:\n    inputs:\n      target:\n        type: choice\n        options: [staging, production]\n        required: true\n      dry:\n        type: boolean\n        default: true',
      'echo "deploying to ${{ inputs.target }} dry=${{ inputs.dry }} on ${{ github.event_name }}"',
    ),
    '.github/workflows/pr-api.yml': workflow('pr-api', "  pull_request:\n    paths: ['api/**']", 'echo "pr ${{ github.head_ref }} into ${{ github.base_ref }}"'),
    '.github/workflows/pr-web.yml': workflow('pr-web', "  pull_request:\n    paths: ['web/**']", 'echo web'),
    'README.md': 'hello\n',
  });
  const project = await server.api<{ webhookSecret: string; webhookUrls: { github: string } }>('POST', '/api/v1/projects', { name: 'gha', repository: repo.path, pipelinePath: '.github/workflows/' }, 201);
  secret = project.webhookSecret;
  hookUrl = project.webhookUrls.github;
});
after(async () => {
  await runner.stop();
  await server.stop();
});

/** GitHub's recorded push payload, pointed at the test repository's commits. */
function pushPayload(ref: string, before: string, after: string): Buffer {
  const payload = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/webhooks/github/push.json'), 'utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...payload, ref, before, after }));
}

function deliver(body: Buffer, delivery: string, event = 'push') {
  const signature = createHmac('sha256', secret).update(body).digest('hex');
  return fetch(hookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': `sha256=${signature}` },
    body,
  });
}

test('a signed push starts the workflow whose on.push.paths matches the changed files, not the one whose filter does not', async () => {
  const before = repo.sha;
  const after = repo.commit({ 'api/routes.txt': 'GET /health\n' });
  const response = await deliver(pushPayload('refs/heads/main', before, after), 'push-api');
  assert.equal(response.status, 201, await response.clone().text());
  const { runIds } = (await response.json()) as { runIds: number[] };
  assert.equal(runIds.length, 1, 'only the api workflow matches a change under api/');
  const runId = runIds[0] as number;
  const run = await server.api<{ name: string; sha: string }>('GET', `/api/v1/runs/${runId}`);
  assert.deepEqual([run.name, run.sha], ['api', after]);
  assert.equal((await waitForRun(server, runId, isFinal)).status, 'success');
  // The github context comes from the webhook: its event, the pushed commit, the payload, the pusher.
  const lines = (await jobLog(server, runId, 'main')).map((line) => line.text);
  assert.ok(lines.includes(`api push ${after} from Codertocat/Hello-World by Codertocat`), lines.join('\n'));
});

test('a push outside api/ starts the workflow with paths-ignore: [api/**] and not the api one', async () => {
  const before = repo.commit({ 'api/more.txt': 'x\n' });
  const after = repo.commit({ 'README.md': 'changed\n' });
  const response = await deliver(pushPayload('refs/heads/main', before, after), 'push-readme');
  assert.equal(response.status, 201, await response.clone().text());
  const { runIds } = (await response.json()) as { runIds: number[] };
  const names = await Promise.all(runIds.map(async (id) => (await server.api<{ name: string }>('GET', `/api/v1/runs/${id}`)).name));
  assert.deepEqual(names, ['web']);
  assert.equal((await waitForRun(server, runIds[0] as number, isFinal)).status, 'success');
});

test('a pull request runs the workflows whose paths match what it changed since it left its base (three-dot diff)', async () => {
  const git = (...args: string[]) => execFileSync('git', ['-C', repo.path, ...args], { encoding: 'utf8' }).trim();
  git('checkout', '--quiet', '-b', 'feature');
  const head = repo.commit({ 'api/feature.txt': 'new endpoint\n' });
  git('checkout', '--quiet', 'main');
  // main moves on under web/ after the branch left it: a two-dot diff would count that as the pull request's change.
  const base = repo.commit({ 'web/page.html': '<p>news</p>\n' });
  git('update-ref', 'refs/pull/3/head', head);
  const payload = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/webhooks/github/pull_request-opened.json'), 'utf8')) as {
    number: number;
    pull_request: { number: number; head: { sha: string; ref: string }; base: { sha: string; ref: string } };
  };
  payload.number = payload.pull_request.number = 3;
  payload.pull_request.head = { ...payload.pull_request.head, sha: head, ref: 'feature' };
  payload.pull_request.base = { ...payload.pull_request.base, sha: base, ref: 'main' };
  const response = await deliver(Buffer.from(JSON.stringify(payload)), 'pr-3', 'pull_request');
  assert.equal(response.status, 201, await response.clone().text());
  const { runIds } = (await response.json()) as { runIds: number[] };
  const names = await Promise.all(runIds.map(async (id) => (await server.api<{ name: string }>('GET', `/api/v1/runs/${id}`)).name));
  assert.deepEqual(names, ['pr-api']);
  assert.equal((await waitForRun(server, runIds[0] as number, isFinal)).status, 'success');
  assert.ok((await jobLog(server, runIds[0] as number, 'main')).some((line) => line.text === 'pr feature into main'));
});

test('workflow_dispatch through deployctl run --input shows the inputs, defaults included, in the job log', async () => {
  const config = join(server.dataDir, '..', 'deployctl.json');
  const env = { DEPLOYLITE_SERVER: server.url, DEPLOYLITE_TOKEN: server.token };
  const result = await deployctl(['run', 'gha', '--workflow', 'deploy.yml', '--input', 'target=staging', '--wait', '--json'], { config, env, timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  const run = JSON.parse(result.stdout) as { id: number; name: string };
  assert.equal(run.name, 'deploy');
  const lines = (await jobLog(server, run.id, 'main')).map((line) => line.text);
  assert.ok(lines.includes('deploying to staging dry=true on workflow_dispatch'), lines.join('\n'));
  // A retry rebuilds the contexts from the event stored with the run.
  await server.api('POST', `/api/v1/runs/${run.id}/retry`, { job: 'main' });
  assert.equal((await waitForRun(server, run.id, isFinal)).status, 'success');
  const again = (await jobLog(server, run.id, 'main')).map((line) => line.text).filter((text) => text.startsWith('deploying to'));
  // Both attempts' lines are kept: the first attempt's and the retry's, with the same inputs.
  assert.deepEqual(again, ['deploying to staging dry=true on workflow_dispatch', 'deploying to staging dry=true on workflow_dispatch']);
});

test('workflow_dispatch inputs are validated: a value outside the choices and a missing required input are 400s naming them', async () => {
  const outside = await fetch(`${server.url}/api/v1/projects/gha/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'deploy.yml', inputs: { target: 'moon', dry: 'maybe' } }),
  });
  assert.equal(outside.status, 400);
  const message = ((await outside.json()) as { error: { message: string } }).error.message;
  assert.match(message, /input "target" must be one of: staging, production/);
  assert.match(message, /input "dry" is a boolean/);
  const missing = await fetch(`${server.url}/api/v1/projects/gha/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'deploy.yml' }),
  });
  assert.equal(missing.status, 400);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /input "target" is required/);
});
