import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import { createDockerExecutor, LABEL_RUNNER } from '../../../src/executors/docker/index.js';
import { jobRequest, runStep } from '../support/docker-jobs.js';
import type { PodmanEngine } from '../support/podman-engine.js';
import { PONG_IMAGE, startPodmanEngine, TEST_IMAGE } from '../support/podman-engine.js';

let engine: PodmanEngine;
let docker: Docker;

before(async () => {
  engine = await startPodmanEngine();
  docker = new Docker({ socketPath: engine.socketPath });
});

after(async () => {
  await engine?.stop();
});

/** How many containers, networks and volumes carry the runner's label. */
async function labelled(runnerId: string): Promise<{ containers: number; networks: number; volumes: number }> {
  const filters = { label: [`${LABEL_RUNNER}=${runnerId}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return { containers: containers.length, networks: networks.length, volumes: (volumes.Volumes ?? []).length };
}

const NOTHING = { containers: 0, networks: 0, volumes: 0 };

test('a finished job leaves no container or network behind', async () => {
  const runnerId = `test-clean-${process.pid}`;
  const executor = createDockerExecutor({ socketPath: engine.socketPath, runnerId });
  const request = jobRequest({ image: TEST_IMAGE, services: [{ name: 'pong', image: PONG_IMAGE, env: {}, aliases: [] }] });
  const workspace = await executor.prepareJob(request);
  assert.deepEqual(await labelled(runnerId), { containers: 2, networks: 1, volumes: 0 });
  await runStep(executor, workspace, 'echo done');
  await executor.cleanupJob(workspace);
  request.done();
  assert.deepEqual(await labelled(runnerId), NOTHING);
  await executor.removeLeftovers(); // its empty scratch root
});

test('after a runner is killed with SIGKILL mid-job, cleanup on start removes everything the job had', async () => {
  const runnerId = `test-crash-${process.pid}`;
  const workspaceDir = mkdtempSync(join(tmpdir(), 'deploylite-docker-ws-'));
  const scratchRoot = join(tmpdir(), `deploylite-docker-${runnerId}`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../support/docker-job-child.ts'), engine.socketPath, runnerId, TEST_IMAGE, PONG_IMAGE, workspaceDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (text: string) => text.includes('running') && resolve());
      child.once('exit', (code) => reject(new Error(`the runner stand-in exited (${code}) before its step ran`)));
    });
    child.kill('SIGKILL');
    const left = await labelled(runnerId);
    assert.ok(left.containers === 2 && left.networks === 1, `expected the job's leftovers, found ${JSON.stringify(left)}`);
    assert.ok(existsSync(scratchRoot), 'the job had no scratch directory');

    const restarted = createDockerExecutor({ socketPath: engine.socketPath, runnerId });
    await restarted.removeLeftovers();
    assert.deepEqual(await labelled(runnerId), NOTHING);
    assert.deepEqual(existsSync(scratchRoot) ? (await import('node:fs')).readdirSync(scratchRoot) : [], []);
  } finally {
    child.kill('SIGKILL');
    rmSync(workspaceDir, { recursive: true, force: true });
    rmSync(scratchRoot, { recursive: true, force: true });
  }
});

test('a resumed run reclaims what a killed process left of that run only', async () => {
  const runnerId = `test-reclaim-${process.pid}`;
  const first = createDockerExecutor({ socketPath: engine.socketPath, runnerId });
  const keep = jobRequest({ image: TEST_IMAGE });
  const lost = jobRequest({ image: TEST_IMAGE });
  const kept = await first.prepareJob(keep);
  const reclaimed = await first.prepareJob(lost);
  try {
    await createDockerExecutor({ socketPath: engine.socketPath, runnerId }).reclaimRun(lost.runId);
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUNNER}=${runnerId}`] } });
    assert.deepEqual(left.map((info) => info.Labels['deploylite.run']), [String(keep.runId)]);
  } finally {
    await first.cleanupJob(kept);
    await first.cleanupJob(reclaimed);
    await first.removeLeftovers();
    keep.done();
    lost.done();
  }
});
