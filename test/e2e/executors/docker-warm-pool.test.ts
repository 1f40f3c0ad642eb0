import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import type { DockerExecutor } from '../../../src/executors/docker/index.js';
import { createDockerExecutor, LABEL_RUNNER } from '../../../src/executors/docker/index.js';
import { jobRequest, runStep } from '../support/docker-jobs.js';
import type { PodmanEngine } from '../support/podman-engine.js';
import { startPodmanEngine, TEST_IMAGE } from '../support/podman-engine.js';

let engine: PodmanEngine;
let docker: Docker;
const executors: DockerExecutor[] = [];

before(async () => {
  engine = await startPodmanEngine();
  docker = new Docker({ socketPath: engine.socketPath });
});

after(async () => {
  for (const executor of executors) {
    await executor.close();
    await executor.removeLeftovers();
  }
  await engine?.stop();
});

function executor(name: string, options: { warmPoolSize?: number; warmIdleMs?: number } = {}): DockerExecutor {
  const made = createDockerExecutor({ socketPath: engine.socketPath, runnerId: `test-pool-${name}-${process.pid}`, ...options });
  executors.push(made);
  return made;
}

/** Runs a one-step job and returns its output lines. */
async function runJob(on: DockerExecutor, request: ReturnType<typeof jobRequest>, script: string): Promise<string[]> {
  const workspace = await on.prepareJob(request);
  try {
    return (await runStep(on, workspace, script)).stdout;
  } finally {
    await on.cleanupJob(workspace);
  }
}

async function pooledContainers(on: DockerExecutor): Promise<number> {
  return (await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUNNER}=${on.runnerId}`, 'deploylite.pool'] } })).length;
}

test('a job that allows reuse gets the warm container of the previous job, reset: no processes, empty /tmp', async () => {
  const pool = executor('reuse');
  const first = jobRequest({ image: TEST_IMAGE, reuseContainer: true });
  try {
    const [firstHost] = await runJob(pool, first, 'hostname; echo left > /tmp/left; echo kept > kept.txt; sleep 300 >/dev/null 2>&1 &');
    // Reclaiming another run, and removing leftovers, spare the warm container and its network.
    await pool.reclaimRun(first.runId + 100);
    await pool.removeLeftovers();
    assert.equal(await pooledContainers(pool), 1);
    assert.equal((await docker.listNetworks({ filters: { label: [`${LABEL_RUNNER}=${pool.runnerId}`] } })).length, 1, "the warm container's network was removed");
    const second = await runJob(pool, { ...first, runId: first.runId + 1 }, 'hostname; ls /tmp/left 2>/dev/null || true; ps -o comm | grep -c "^sleep"; cat kept.txt');
    // The one sleep left is PID 1's own; the workspace (under /tmp on the host here) survives the reset.
    assert.deepEqual(second, [firstHost, '1', 'kept']);
    assert.equal(readFileSync(join(first.workspaceDir, 'kept.txt'), 'utf8'), 'kept\n');
  } finally {
    first.done();
  }
});

test('jobs that do not allow reuse, or run in another workspace, get a fresh container', async () => {
  const pool = executor('fresh');
  const a = jobRequest({ image: TEST_IMAGE, reuseContainer: true });
  const b = jobRequest({ image: TEST_IMAGE, reuseContainer: true });
  try {
    const [first] = await runJob(pool, a, 'hostname');
    const [otherWorkspace] = await runJob(pool, b, 'hostname');
    const [noReuse] = await runJob(pool, { ...a, reuseContainer: false }, 'hostname');
    assert.notEqual(otherWorkspace, first);
    assert.notEqual(noReuse, first);
  } finally {
    a.done();
    b.done();
  }
});

/** Polls the engine until `on` has `count` warm containers (removal runs in the background); the last count seen. */
async function settleAt(on: DockerExecutor, count: number): Promise<number> {
  let seen = await pooledContainers(on);
  for (let waited = 0; seen !== count && waited < 15_000; waited += 250) {
    await sleep(250);
    seen = await pooledContainers(on);
  }
  return seen;
}

test('the pool is bounded: one too many discards the longest idle', async () => {
  const pool = executor('bounded', { warmPoolSize: 1 });
  const a = jobRequest({ image: TEST_IMAGE, reuseContainer: true });
  const b = jobRequest({ image: TEST_IMAGE, reuseContainer: true });
  try {
    await runJob(pool, a, 'true');
    await runJob(pool, b, 'true');
    assert.equal(pool.warmContainers, 1);
    assert.equal(await settleAt(pool, 1), 1);
  } finally {
    a.done();
    b.done();
  }
});

test('an idle warm container is removed after its expiry', async () => {
  const pool = executor('expiry', { warmIdleMs: 500 });
  const a = jobRequest({ image: TEST_IMAGE, reuseContainer: true });
  try {
    await runJob(pool, a, 'true');
    assert.equal(await settleAt(pool, 0), 0, 'an idle warm container outlived its expiry');
    assert.equal(pool.warmContainers, 0);
  } finally {
    a.done();
  }
});
