// `deploylite runner --executor docker` against a real server: image jobs run in containers on podman's Docker
// Engine API, `reuse-container` jobs of one project share a warm container (and other projects' jobs do not), and a
// runner killed mid-job finds and removes that job's containers and network when it starts again.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertExit, assertNoStackTrace, runCli, workdir } from '../support/cli.js';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';
import { labelledObjects, removeLabelled, waitUntilNoObjects } from '../support/engine-objects.js';
import type { PodmanEngine } from '../support/podman-engine.js';
import { PONG_IMAGE, startPodmanEngine, TEST_IMAGE } from '../support/podman-engine.js';

// Unique per test process: the runner's name is the label its leftovers are found by.
const RUNNER_NAME = `docker-runner-${process.pid}`;
const RUNNER_LABEL = `deploylite.runner=${RUNNER_NAME}`;

let engine: PodmanEngine;
let server: ServerProcess;
let runner: RunnerProcess;
const runnerWorkDir = join(workdir(), 'runner');
const startDockerRunner = () =>
  startRunner(server, { name: RUNNER_NAME, workDir: runnerWorkDir, args: ['--executor', 'docker'], env: { DOCKER_HOST: `unix://${engine.socketPath}` } });

before(async () => {
  engine = await startPodmanEngine();
  server = await startServer({ args: ['--no-runner'] });
  runner = await startDockerRunner();
});
after(async () => {
  await runner?.stop();
  await server?.stop();
  await removeLabelled([RUNNER_LABEL]); // what a failed test left; nothing after a green one
  await engine?.stop();
});

async function startRun(project: string, pipeline: string): Promise<number> {
  const repo = gitRepo({ '.deploylite.yml': pipeline });
  await server.api('POST', '/api/v1/projects', { name: project, repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', `/api/v1/projects/${project}/runs`, {}, 201);
  return id;
}

test("an image job runs in its container on the docker runner and its output reaches the run's log", async () => {
  const id = await startRun('imaged', `jobs:\n  build:\n    image: ${TEST_IMAGE}\n    steps: [{ run: 'echo "in $(hostname)"; cat /pong.sh' }]\n`);
  const run = await waitForRun(server, id, isFinal, 60_000);
  assert.equal(run.status, 'success', JSON.stringify(run) + runner.cli.stderr());
  const log = (await jobLog(server, id, 'build')).map((line) => line.text);
  // A file only in the image, and a host name that is a container's id.
  assert.ok(log.includes('exec nc -ll -p 8080 -e echo pong'), log.join('\n'));
  assert.ok(log.some((line) => /^in [0-9a-f]{12}$/.test(line)), log.join('\n'));
  assert.deepEqual(await labelledObjects([RUNNER_LABEL, `deploylite.run=${id}`]), { containers: [], networks: [] });
});

test('reuse-container jobs of one project reuse the warm container on the runner, without the last job\'s files; another project does not', async () => {
  const pipeline = `jobs:\n  build:\n    image: ${TEST_IMAGE}\n    reuse-container: true\n    steps: [{ run: 'echo "in $(hostname)"; ls; echo made > left.txt; echo left > /tmp/left' }]\n`;
  const hostOf = async (id: number) => {
    const run = await waitForRun(server, id, isFinal, 60_000);
    assert.equal(run.status, 'success', JSON.stringify(run) + runner.cli.stderr());
    const log = (await jobLog(server, id, 'build')).map((line) => line.text);
    assert.ok(!log.includes('left.txt'), `a previous job's file is in the workspace: ${log.join('\n')}`);
    return log.find((line) => /^in [0-9a-f]{12}$/.test(line));
  };
  const first = await hostOf(await startRun('warm-a', pipeline));
  assert.ok(first !== undefined);
  const { id: again } = await server.api<{ id: number }>('POST', '/api/v1/projects/warm-a/runs', {}, 201);
  assert.equal(await hostOf(again), first, 'the second job of the project did not get the warm container');
  const other = await hostOf(await startRun('warm-b', pipeline));
  assert.notEqual(other, first, "another project's job got project warm-a's container");
});

test('a runner killed with SIGKILL mid-job removes that job’s containers and network when it starts again', async () => {
  const id = await startRun(
    'killed',
    `jobs:
  deploy:
    image: ${TEST_IMAGE}
    services: { pong: '${PONG_IMAGE}' }
    steps: [{ run: 'echo sleeping; sleep 60' }]
`,
  );
  const ofRun = [RUNNER_LABEL, `deploylite.run=${id}`];
  // Until the server has recorded the run's jobs, the job's log is a 404: keep asking.
  const started = async () => (await jobLog(server, id, 'deploy').catch(() => [])).some((line) => line.text === 'sleeping');
  for (let tries = 0; !(await started()); tries++) {
    assert.ok(tries < 600, `the job never started\n${runner.cli.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await runner.kill9();
  const left = await labelledObjects(ofRun);
  assert.equal(left.containers.length, 2, `the job and its service outlive the runner: ${JSON.stringify(left)}`);
  assert.equal(left.networks.length, 1, JSON.stringify(left));
  // Cancelled, so the restarted runner is not handed the job again and the only containers of this run are old ones.
  await server.api('POST', `/api/v1/runs/${id}/cancel`, undefined, 202);

  runner = await startDockerRunner();
  assert.deepEqual(await waitUntilNoObjects(ofRun, 15_000), { containers: [], networks: [] });
  const run = await waitForRun(server, id, isFinal, 30_000);
  assert.equal(run.status, 'cancelled', JSON.stringify(run));
});

test('a docker runner whose DOCKER_HOST has no engine says so in one line and exits before it registers', async () => {
  const missing = join(workdir(), 'docker.sock');
  const args = ['runner', '--server', server.url, '--token', 'dlr_unused', '--name', 'no-engine', '--executor', 'docker', '--work-dir', join(workdir(), 'runner')];
  const result = await runCli(args, { cwd: workdir(), env: { DOCKER_HOST: `unix://${missing}` } });
  assertExit(result, 2);
  assertNoStackTrace(result);
  assert.match(result.stderr, new RegExp(`^deploylite: the docker executor cannot reach a container engine at unix://${missing} \\(connect ENOENT [^)]+\\); start Docker or \`podman system service\`, or set DOCKER_HOST\\n$`));
  const { runners } = await server.api<{ runners: { name: string }[] }>('GET', '/api/v1/runners');
  assert.equal(runners.some((r) => r.name === 'no-engine'), false);
});
