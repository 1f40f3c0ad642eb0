// `deploylite run --executor docker`: the bundled CLI runs jobs in containers through podman's Docker Engine API
// (DOCKER_HOST=unix://…), with services reachable by alias, and leaves nothing labelled on the engine.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertExit, assertNoStackTrace, runCli, startCli, waitForFile, workdir } from './support/cli.js';
import { containerLabel, labelledObjects, removeLabelled } from './support/engine-objects.js';
import type { PodmanEngine } from './support/podman-engine.js';
import { PONG_IMAGE, startPodmanEngine, TEST_IMAGE } from './support/podman-engine.js';

let engine: PodmanEngine;
let dockerHost: Record<string, string>;
/** The `deploylite.runner` labels the runs carried, for the clean-up after a failed test. */
const seenRunners = new Set<string>();
before(async () => {
  engine = await startPodmanEngine();
  dockerHost = { DOCKER_HOST: `unix://${engine.socketPath}` };
});
after(async () => {
  for (const runner of seenRunners) await removeLabelled([runner]);
  await engine?.stop();
});

/**
 * A job in the busybox image with a pong service: it writes its host name (the container's id) to job-host.txt and
 * waits for the test to create `go` before it asks the service, by its alias, for the output the next job prints.
 */
const SERVICE_PIPELINE = `
  jobs:
    build:
      image: ${TEST_IMAGE}
      services:
        pong: { image: '${PONG_IMAGE}', aliases: [ponger], health-check: { command: 'nc 127.0.0.1 8080 </dev/null | grep -q pong', interval: 200ms } }
      steps:
        - run: |
            echo "in $(hostname)"; cat /pong.sh
            hostname > job-host.txt
            until [ -e go ]; do sleep 0.1; done
        - id: ask
          run: |
            answer=$(nc ponger 8080 </dev/null)
            echo "answer=$answer" >> "$DEPLOYLITE_OUTPUT"
            test "$answer" = pong
      outputs: { answer: '\${{ steps.ask.outputs.answer }}' }
    report:
      needs: build
      image: ${TEST_IMAGE}
      steps: [{ run: 'echo "got \${{ needs.build.outputs.answer }}"' }]
`;

test('jobs run in their image, reach a service by alias, pass outputs on, and leave nothing labelled behind', async () => {
  const dir = workdir({ 'pipeline.yml': SERVICE_PIPELINE });
  const cli = startCli(['run', '--executor', 'docker', 'pipeline.yml'], { cwd: dir, env: dockerHost, timeoutMs: 60_000 });
  const container = await waitForFile(join(dir, 'job-host.txt'), 30_000);
  const runner = `deploylite.runner=${await containerLabel(container, 'deploylite.runner')}`;
  seenRunners.add(runner);
  assert.match(runner, /^deploylite\.runner=local-[0-9a-f]+$/);
  // While the job waits: its container and its service's, on the run's network, all labelled.
  const during = await labelledObjects([runner]);
  assert.equal(during.containers.length, 2, JSON.stringify(during));
  assert.equal(during.networks.length, 1, JSON.stringify(during));
  writeFileSync(join(dir, 'go'), '');

  const result = await cli.exited;
  assertExit(result, 0);
  assert.notEqual(container, hostname());
  assert.equal(existsSync('/pong.sh'), false, 'the file the job printed is only in the image');
  for (const line of [`[build] in ${container}`, '[build] exec nc -ll -p 8080 -e echo pong', '[report] got pong']) {
    assert.ok(result.stdout.includes(line), `missing "${line}" in\n${result.stdout}`);
  }
  assert.deepEqual(await labelledObjects([runner]), { containers: [], networks: [] });
});

test("two projects' runs with the same run number at once keep apart: one finishing does not take the other's network", async () => {
  const waiting = workdir({ 'pipeline.yml': SERVICE_PIPELINE });
  const quick = workdir({ 'pipeline.yml': `jobs:\n  build:\n    image: ${TEST_IMAGE}\n    steps: [{ run: echo quick }]\n` });
  const cli = startCli(['run', '--executor', 'docker', 'pipeline.yml'], { cwd: waiting, env: dockerHost, timeoutMs: 60_000 });
  seenRunners.add(`deploylite.runner=${await containerLabel(await waitForFile(join(waiting, 'job-host.txt'), 30_000), 'deploylite.runner')}`);
  // Run 1 of another project, on the same engine, starts and finishes while the first one's job waits.
  const other = await runCli(['run', '--executor', 'docker', 'pipeline.yml'], { cwd: quick, env: dockerHost, timeoutMs: 30_000 });
  assertExit(other, 0);
  assert.match(other.stdout, /^run 1 /m);
  writeFileSync(join(waiting, 'go'), '');
  const result = await cli.exited;
  assertExit(result, 0);
  assert.match(result.stdout, /^run 1 /m);
  assert.ok(result.stdout.includes('[report] got pong'), result.stdout);
});

test('DOCKER_HOST naming a socket nobody listens on is a one-line error before anything runs', async () => {
  const dir = workdir({ 'pipeline.yml': `jobs:\n  build:\n    image: ${TEST_IMAGE}\n    steps: [{ run: echo never }]\n` });
  const missing = join(dir, 'no-engine', 'docker.sock');
  const result = await runCli(['run', '--executor', 'docker', 'pipeline.yml'], { cwd: dir, env: { DOCKER_HOST: `unix://${missing}` } });
  assertExit(result, 2);
  assertNoStackTrace(result);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, new RegExp(`^deploylite: the docker executor cannot reach a container engine at unix://${missing} \\(connect ENOENT [^)]+\\); start Docker or \`podman system service\`, or set DOCKER_HOST\\n$`));
});

test('a DOCKER_HOST that is not a unix or tcp address is named in a one-line error', async () => {
  const dir = workdir({ 'pipeline.yml': `jobs:\n  build:\n    image: ${TEST_IMAGE}\n    steps: [{ run: echo never }]\n` });
  const result = await runCli(['run', '--executor', 'docker', 'pipeline.yml'], { cwd: dir, env: { DOCKER_HOST: 'ssh://ci@build-host' } });
  assertExit(result, 2);
  assertNoStackTrace(result);
  assert.equal(result.stderr, 'deploylite: DOCKER_HOST "ssh://ci@build-host" is not unix:///path/to/socket or tcp://host:port\n');
});
