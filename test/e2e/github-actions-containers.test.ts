// `container:` and `services:` of GitHub Actions workflows, run by the built CLI with `--executor docker` through
// podman's Docker Engine API: the steps run in the job's image and reach a service by its key.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertExit, runCli, workdir } from './support/cli.js';
import type { PodmanEngine } from './support/podman-engine.js';
import { PONG_IMAGE, startPodmanEngine, TEST_IMAGE } from './support/podman-engine.js';

let engine: PodmanEngine;
before(async () => {
  engine = await startPodmanEngine();
});
after(async () => {
  await engine?.stop();
});

test('a container job runs its steps in the image, with the container env, and reaches a service by its key', async () => {
  const dir = workdir({
    '.github/workflows/ci.yml': `
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          container:
            image: ${TEST_IMAGE}
            env: { GREETING: from-the-container }
          services:
            pong:
              image: ${PONG_IMAGE}
              options: --health-cmd "nc 127.0.0.1 8080 </dev/null | grep -q pong" --health-interval 200ms
          steps:
            - id: ask
              run: |
                hostname > job-host.txt
                echo "answer=$(nc pong 8080 </dev/null)" >> "$GITHUB_OUTPUT"
            - run: echo "$GREETING \${{ steps.ask.outputs.answer }}" > result.txt
    `,
  });
  const result = await runCli(['run', '--executor', 'docker', '.github/workflows/ci.yml'], { cwd: dir, env: { DOCKER_HOST: `unix://${engine.socketPath}` }, timeoutMs: 60_000 });
  assertExit(result, 0);
  const jobHost = readFileSync(join(dir, 'job-host.txt'), 'utf8').trim();
  assert.notEqual(jobHost, hostname(), 'the step ran in a container, not on the host');
  assert.equal(readFileSync(join(dir, 'result.txt'), 'utf8'), 'from-the-container pong\n');
});

test('without a container executor, a workflow container job is refused before anything runs, naming the job', async () => {
  const dir = workdir({
    '.github/workflows/ci.yml': `
      on: push
      jobs:
        build: { runs-on: ubuntu-latest, container: '${TEST_IMAGE}', steps: [{ run: touch ran }] }
    `,
  });
  const result = await runCli(['run', '.github/workflows/ci.yml'], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /^\.github\/workflows\/ci\.yml:3:3: job "build" sets image: "deploylite-test\/busybox:1" but the runner uses the local executor; image needs --executor docker or kubernetes/);
});

test('a container job reads GITHUB_EVENT_PATH and writes GITHUB_STEP_SUMMARY, printed when the run ends', async () => {
  const dir = workdir({
    '.github/workflows/ci.yml': `
      on: push
      jobs:
        report:
          runs-on: ubuntu-latest
          container: ${TEST_IMAGE}
          steps:
            - run: |
                grep -o '"after": "[0-9a-f]*"' "$GITHUB_EVENT_PATH" > event-after.txt
                echo "### Built in a container" >> "$GITHUB_STEP_SUMMARY"
                echo "$RUNNER_TEMP" > runner-temp.txt
    `,
  });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=octocat', '-c', 'user.email=octocat@example.com', 'commit', '-qm', 'first', '--allow-empty');
  const sha = git('rev-parse', 'HEAD');
  const result = await runCli(['run', '--executor', 'docker', '.github/workflows/ci.yml'], { cwd: dir, env: { DOCKER_HOST: `unix://${engine.socketPath}` }, timeoutMs: 60_000 });
  assertExit(result, 0);
  assert.equal(readFileSync(join(dir, 'event-after.txt'), 'utf8'), `"after": "${sha}"\n`, 'the event file is readable in the container');
  assert.match(result.stdout, /step summary[^\n]*\n### Built in a container\n/);
  const runnerTemp = readFileSync(join(dir, 'runner-temp.txt'), 'utf8').trim();
  assert.notEqual(runnerTemp, '');
  assert.equal(existsSync(runnerTemp), false, 'RUNNER_TEMP is removed when the run ends');
});
