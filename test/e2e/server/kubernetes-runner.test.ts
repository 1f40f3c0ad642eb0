// `deploylite runner --executor kubernetes` against a real server and the fake Kubernetes API server
// (test/e2e/support/fake-kubernetes.ts — not a real cluster): an image job runs as Jobs and its output reaches the
// run's log, and a runner killed mid-job deletes that job's Jobs and ConfigMap when it starts again.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { workdir } from '../support/cli.js';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';
import { FakeKubernetes } from '../support/fake-kubernetes.js';

const RUNNER_NAME = `kubernetes-runner-${process.pid}`;

let fake: FakeKubernetes;
let server: ServerProcess;
let runner: RunnerProcess;
let kubeconfig: string;
const runnerWorkDir = join(workdir(), 'runner');
const startKubernetesRunner = () => startRunner(server, { name: RUNNER_NAME, workDir: runnerWorkDir, args: ['--executor', 'kubernetes'], env: { KUBECONFIG: kubeconfig } });

before(async () => {
  fake = await FakeKubernetes.start();
  kubeconfig = fake.writeKubeconfig(workdir());
  server = await startServer({ args: ['--no-runner'] });
  runner = await startKubernetesRunner();
});
after(async () => {
  await runner?.stop();
  await server?.stop();
  await fake?.stop();
});

async function startRun(project: string, pipeline: string): Promise<number> {
  const repo = gitRepo({ '.deploylite.yml': pipeline, 'VERSION': '7.1\n' });
  await server.api('POST', '/api/v1/projects', { name: project, repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', `/api/v1/projects/${project}/runs`, {}, 201);
  return id;
}

test("an image job runs as a Kubernetes Job on the runner and its output reaches the run's log", async () => {
  const id = await startRun('imaged', `jobs:\n  build:\n    image: busybox:1.36\n    steps: [{ run: 'echo "version $(cat VERSION) in $(pwd)"' }]\n`);
  const run = await waitForRun(server, id, isFinal, 60_000);
  assert.equal(run.status, 'success', JSON.stringify(run) + runner.cli.stderr());
  const log = (await jobLog(server, id, 'build')).map((line) => line.text);
  assert.ok(log.includes('version 7.1 in /workspace'), log.join('\n'));
  assert.equal(fake.createdJobs.at(-1)?.metadata.labels['deploylite.runner'], RUNNER_NAME);
  assert.deepEqual(fake.objects(), { jobs: [], configMaps: [] });
});

test('a runner killed with SIGKILL mid-job deletes that job’s Jobs and ConfigMap when it starts again', async () => {
  const id = await startRun('killed', `jobs:\n  deploy:\n    image: busybox:1.36\n    steps: [{ run: 'echo sleeping; sleep 60' }]\n`);
  // Until the server has recorded the run's jobs, the job's log is a 404: keep asking.
  const started = async () => (await jobLog(server, id, 'deploy').catch(() => [])).some((line) => line.text === 'sleeping');
  for (let tries = 0; !(await started()); tries++) {
    assert.ok(tries < 600, `the job never started\n${runner.cli.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await runner.kill9();
  const left = fake.objects();
  assert.equal(left.jobs.length, 1, JSON.stringify(left));
  assert.equal(left.configMaps.length, 1, JSON.stringify(left));
  await server.api('POST', `/api/v1/runs/${id}/cancel`, undefined, 202);

  runner = await startKubernetesRunner();
  // The runner removes its leftovers as it starts, which may be after it registered.
  for (let tries = 0; fake.objects().jobs.length > 0 || fake.objects().configMaps.length > 0; tries++) {
    assert.ok(tries < 300, `leftovers still there: ${JSON.stringify(fake.objects())}\n${runner.cli.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(fake.requests.some((request) => request.method === 'DELETE' && request.path.endsWith(`/jobs/${left.jobs[0]!}`)));
  const run = await waitForRun(server, id, isFinal, 30_000);
  assert.equal(run.status, 'cancelled', JSON.stringify(run));
});
