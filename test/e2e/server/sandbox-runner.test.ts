// `deploylite runner --executor sandbox` against a real server: jobs run in bubblewrap, the runner advertises its
// executor, and jobs it cannot run as asked (image:) are not handed to it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sleep } from '../support/cli.js';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
let runner: RunnerProcess;
before(async () => {
  server = await startServer({ args: ['--no-runner'] });
  runner = await startRunner(server, { name: 'boxed', args: ['--executor', 'sandbox'], env: { RUNNER_SECRET: 'runner-secret-value' } });
});
after(async () => {
  await runner.stop();
  await server.stop();
});

test('a sandbox runner registers with its executor labels', async () => {
  for (let tries = 0; ; tries++) {
    const { runners } = await server.api<{ runners: { name: string; labels: string[] }[] }>('GET', '/api/v1/runners');
    const boxed = runners.find((r) => r.name === 'boxed');
    if (boxed) {
      assert.ok(boxed.labels.includes('executor:sandbox') && boxed.labels.includes('executor:network-none'), boxed.labels.join(','));
      assert.equal(boxed.labels.includes('executor:container'), false);
      return;
    }
    assert.ok(tries < 200, 'the runner did not register');
    await sleep(50);
  }
});

test("a job runs in the sandbox: outputs pass on, the runner's token, files and environment stay hidden", async () => {
  const stateFile = join(runner.workDir, 'runner.json');
  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  build:
    network: none
    steps:
      - id: v
        run: echo "version=$(cat version.txt)" >> "$DEPLOYLITE_OUTPUT"
      - run: |
          cat "${stateFile}" 2>/dev/null || echo "state file hidden"
          echo "secret \${RUNNER_SECRET:-absent}"
          ls "${runner.workDir}" | wc -l
    outputs: { version: '\${{ steps.v.outputs.version }}' }
`,
    'version.txt': '4.5.6\n',
  });
  await server.api('POST', '/api/v1/projects', { name: 'boxed', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/boxed/runs', {}, 201);
  const run = await waitForRun(server, id, isFinal, 60_000);
  assert.equal(run.status, 'success', JSON.stringify(run));
  assert.equal(run.jobs[0]?.outputs.version, '4.5.6');
  const log = (await jobLog(server, id, 'build')).map((line) => line.text);
  assert.ok(log.includes('state file hidden'), log.join('\n'));
  assert.ok(log.includes('secret absent'), log.join('\n'));
  // Only its own workspace (and scratch directory) under the hidden work root.
  assert.ok(log.includes('2'), log.join('\n'));
});

test('a job with image: is not handed to a sandbox runner', async () => {
  const repo = gitRepo({ '.deploylite.yml': 'jobs:\n  build:\n    image: alpine\n    steps: [{ run: "true" }]\n' });
  await server.api('POST', '/api/v1/projects', { name: 'imaged', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/imaged/runs', {}, 201);
  await sleep(2000);
  const run = await waitForRun(server, id, () => true);
  // Still waiting for a runner that can run containers, though the sandbox runner is idle.
  assert.equal(run.jobs[0]?.status, 'pending', JSON.stringify(run));
  await server.api('POST', `/api/v1/runs/${id}/cancel`, {}, 202).catch(() => undefined);
});

test("a workflow job in the sandbox reads GITHUB_EVENT_PATH and writes GITHUB_STEP_SUMMARY in its scratch folder under the hidden work root", async () => {
  const repo = gitRepo({
    '.github/workflows/report.yml': `on: [push, workflow_dispatch]
jobs:
  main:
    runs-on: self-hosted
    steps:
      - run: |
          grep -c '"workflow":' "$GITHUB_EVENT_PATH"
          echo "## Sandboxed report" >> "$GITHUB_STEP_SUMMARY"
`,
  });
  await server.api('POST', '/api/v1/projects', { name: 'boxed-report', repository: repo.path, pipelinePath: '.github/workflows/' }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/boxed-report/runs', {}, 201);
  const run = await waitForRun(server, id, isFinal, 60_000);
  const log = (await jobLog(server, id, 'main')).map((line) => line.text);
  assert.equal(run.status, 'success', log.join('\n'));
  assert.ok(log.includes('1'), `the event file is readable in the sandbox:\n${log.join('\n')}`);
  const { summary } = await server.api<{ summary: string | null }>('GET', `/api/v1/runs/${id}/jobs/main/summary`);
  assert.equal(summary, '## Sandboxed report\n');
});
