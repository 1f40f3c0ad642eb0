import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createDockerExecutor } from '../../../src/executors/docker/index.js';
import type { JobWorkspace } from '../../../src/engine/index.js';
import type { DockerExecutor } from '../../../src/executors/docker/index.js';
import { runYaml } from '../../support/run-yaml.js';
import { jobRequest, runStep } from '../support/docker-jobs.js';
import type { PodmanEngine } from '../support/podman-engine.js';
import { PONG_IMAGE, startPodmanEngine, TEST_IMAGE } from '../support/podman-engine.js';

let engine: PodmanEngine;
let executor: DockerExecutor;

let shared: JobWorkspace;
let sharedRequest: ReturnType<typeof jobRequest>;

// One job container serves the tests of single steps, as it serves the steps of one job: a container costs
// seconds to start and remove under podman here, a step a fraction of one.
before(async () => {
  engine = await startPodmanEngine();
  executor = createDockerExecutor({
    socketPath: engine.socketPath,
    runnerId: `test-exec-${process.pid}`,
    limits: { memoryBytes: 64 * 1024 * 1024, cpus: 1, pids: 200 },
    killGraceMs: 500,
  });
  sharedRequest = jobRequest({ image: TEST_IMAGE });
  shared = await executor.prepareJob(sharedRequest);
});

after(async () => {
  if (shared) await executor.cleanupJob(shared);
  sharedRequest?.done();
  await executor?.close();
  await executor?.removeLeftovers();
  await engine?.stop();
});

async function inSharedJob(body: (workspace: JobWorkspace) => Promise<void>): Promise<void> {
  await body(shared);
}

/** Prepares a job in the test image, runs `body`, and always cleans up. */
async function withJob<T>(body: (workspace: JobWorkspace) => Promise<T>, extra = {}): Promise<T> {
  const request = jobRequest({ image: TEST_IMAGE, ...extra });
  const workspace = await executor.prepareJob(request);
  try {
    return await body(workspace);
  } finally {
    await executor.cleanupJob(workspace);
    request.done();
  }
}

test('a step runs in the image, its stdout and stderr stream as lines, and its exit code is kept', async () => {
  await inSharedJob(async (workspace) => {
    const step = await runStep(executor, workspace, 'echo one; echo two >&2; ls /bin/busybox; printf "no newline"; exit 3');
    assert.equal(step.exitCode, 3);
    assert.deepEqual(step.stdout, ['one', '/bin/busybox', 'no newline']);
    assert.deepEqual(step.stderr, ['two']);
  });
});

test('the workspace is mounted where it is on the host, both ways', async () => {
  await inSharedJob(async (workspace) => {
    writeFileSync(`${workspace.dir}/from-host.txt`, 'hello\n');
    const step = await runStep(executor, workspace, 'cat from-host.txt; pwd; echo made > from-job.txt');
    assert.deepEqual(step.stdout, ['hello', workspace.dir]);
    assert.equal(readFileSync(`${workspace.dir}/from-job.txt`, 'utf8'), 'made\n');
  });
});

test('step env, $DEPLOYLITE_OUTPUT, $GITHUB_ENV and $DEPLOYLITE_PATH work as on the local executor', async () => {
  await inSharedJob(async (workspace) => {
    const step = await runStep(executor, workspace, 'echo "greeting=$GREETING" >> "$DEPLOYLITE_OUTPUT"; echo "NEXT=1" >> "$GITHUB_ENV"; echo /opt/tools >> "$DEPLOYLITE_PATH"', {
      env: { GREETING: 'hi there' },
    });
    assert.equal(step.exitCode, 0);
    assert.deepEqual(step.outputs, { greeting: 'hi there' });
    assert.deepEqual(step.env, { NEXT: '1' });
    assert.deepEqual(step.path, ['/opt/tools']);
    const next = await runStep(executor, workspace, 'echo "$PATH"', { pathPrepend: ['/opt/tools'] });
    assert.deepEqual(next.stdout, ['/opt/tools:/bin']);
  });
});

test("a job sees neither the runner's environment nor its files, and its writes outside the workspace stay in the container", async () => {
  process.env.DEPLOYLITE_TEST_RUNNER_TOKEN = 'dlrt_must_not_leak';
  const marker = `/tmp/deploylite-escape-${process.pid}`;
  await inSharedJob(async (workspace) => {
    const step = await runStep(executor, workspace, `env; test -e ${process.cwd()}/package.json && echo HOST-VISIBLE; echo x > ${marker}; echo x > /etc/escape && echo wrote-etc; ls /var/run/docker.sock /run/podman 2>&1 || true`);
    assert.ok(!step.stdout.some((line) => line.includes('dlrt_must_not_leak')), 'the runner token reached the job');
    assert.ok(!step.stdout.includes('HOST-VISIBLE'), "the host's files are visible in the job");
    assert.ok(!existsSync(marker), 'a write to /tmp in the job reached the host');
    assert.ok(!existsSync('/etc/escape'), 'a write to /etc in the job reached the host');
    assert.ok(step.stdout.some((line) => /No such file/.test(line)), 'the engine socket is visible in the job');
  });
  delete process.env.DEPLOYLITE_TEST_RUNNER_TOKEN;
});

test('a memory hog is stopped by the memory limit and the job container carries on', async () => {
  await inSharedJob(async (workspace) => {
    const hog = await runStep(executor, workspace, 'x=$(head -c 300000000 /dev/zero | tr "\\0" a); echo survived ${#x}');
    assert.notEqual(hog.exitCode, 0);
    assert.ok(!hog.stdout.some((line) => line.startsWith('survived')), 'the memory hog was not stopped');
    const next = await runStep(executor, workspace, 'echo still here');
    assert.deepEqual(next.stdout, ['still here']);
  });
});

test('a fork bomb is stopped by the process limit', async () => {
  await withJob(async (workspace) => {
    // 400 long sleeps in the background: more than the 200 processes the executor allows.
    const bomb = await runStep(executor, workspace, 'i=0; while [ $i -lt 400 ]; do sleep 600 & i=$((i+1)); done; echo all started');
    assert.notEqual(bomb.exitCode, 0);
    assert.ok(!bomb.stdout.includes('all started'), 'the process limit did not stop the fork bomb');
    assert.ok(bomb.stderr.some((line) => /fork/i.test(line)), `no fork failure reported: ${bomb.stderr.join(' | ')}`);
  });
});

test('a job with network: none has no network interface but loopback', async () => {
  await withJob(
    async (workspace) => {
      const step = await runStep(executor, workspace, 'ls /sys/class/net');
      assert.deepEqual(step.stdout, ['lo']);
    },
    { network: 'none' },
  );
});

test('a service is reachable by its name and its alias once its health check passes', async () => {
  const services = [{ name: 'pong', image: PONG_IMAGE, env: {}, aliases: ['ponger'], healthCheck: { command: 'nc 127.0.0.1 8080 </dev/null | grep -q pong', intervalMs: 200 } }];
  await withJob(
    async (workspace) => {
      const step = await runStep(executor, workspace, 'nc pong 8080 </dev/null; nc ponger 8080 </dev/null');
      assert.deepEqual(step.stdout, ['pong', 'pong']);
    },
    { services },
  );
});

test('a cancelled step that ignores SIGTERM is killed after the grace period', async () => {
  await inSharedJob(async (workspace) => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 500);
    const step = await runStep(executor, workspace, "trap '' TERM; echo started; sleep 30; echo survived", { signal: controller.signal });
    assert.equal(step.cancelled, true);
    assert.equal(step.exitCode, null);
    assert.deepEqual(step.stdout, ['started']);
    assert.ok(Date.now() - started < 5000, `the step took ${Date.now() - started} ms to stop`);
  });
});

test('a step over its timeout is stopped, also its background processes', async () => {
  await inSharedJob(async (workspace) => {
    const step = await runStep(executor, workspace, "trap '' TERM; sleep 30 & sleep 30", { timeoutMs: 300 });
    assert.equal(step.timedOut, true);
    const left = await runStep(executor, workspace, 'ps -o comm | grep -c sleep || true');
    // Only PID 1's own idle sleep is left.
    assert.deepEqual(left.stdout, ['1']);
  });
});

test('a job without an image on an executor without a default image is refused clearly', async () => {
  const request = jobRequest();
  try {
    await assert.rejects(executor.prepareJob(request), /names no image/);
  } finally {
    request.done();
  }
});

test('a job whose image is not on the engine and cannot be pulled is refused with the image named', async () => {
  const request = jobRequest({ image: 'deploylite-test/missing:1' });
  try {
    await assert.rejects(executor.prepareJob(request), /image "deploylite-test\/missing:1" is not on the engine and could not be pulled/);
  } finally {
    request.done();
  }
});

test('a pipeline with image and services runs through the engine on the docker executor', async () => {
  const run = await runYaml(
    `
    jobs:
      test:
        image: ${TEST_IMAGE}
        services:
          pong: { image: '${PONG_IMAGE}', health-check: { command: 'nc 127.0.0.1 8080 </dev/null | grep -q pong', interval: 200ms } }
        steps:
          - id: ask
            run: echo "answer=$(nc pong 8080 </dev/null)" >> "$DEPLOYLITE_OUTPUT"
          - run: test "\${{ steps.ask.outputs.answer }}" = pong
  `,
    { executor },
  );
  assert.equal(run.job('test').status, 'success', (await run.log('test')).join('\n'));
});
