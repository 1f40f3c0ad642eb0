import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRequest } from '../../../src/engine/index.js';
import { hostDirProblem, jobContainerOptions, warmPoolKey } from '../../../src/executors/docker/container-config.js';

const spec = {
  image: 'busybox:1',
  name: 'deploylite-x-r1-build',
  labels: {},
  workspaceDir: '/work/project',
  scratchDir: '/tmp/deploylite-docker/r1-abc',
  network: 'deploylite-r1',
  extraHosts: [],
  capAdd: [],
  readOnlyRootfs: false,
  limits: { cpus: 1, memoryBytes: 1 << 30, pids: 256 },
};

test('the directories the runner made for the job are bind-mounted read-write at their own paths, beside the workspace', () => {
  const options = jobContainerOptions({ ...spec, hostDirs: ['/tmp/deploylite-runner-abc'] });
  assert.deepEqual(options.HostConfig?.Binds, [
    '/work/project:/work/project:rw',
    '/tmp/deploylite-docker/r1-abc:/__deploylite:rw',
    '/tmp/deploylite-runner-abc:/tmp/deploylite-runner-abc:rw',
  ]);
});

test('without host directories a job container mounts only its workspace and scratch directory', () => {
  assert.equal(jobContainerOptions(spec).HostConfig?.Binds?.length, 2);
});

test('a warm container is offered only to a job with the same host directories, since its mounts are fixed', () => {
  const job: JobRequest = { runId: 1, jobKey: 'build', jobId: 'build', workspaceDir: '/work/project', reuseContainer: true };
  const first = warmPoolKey({ ...job, hostDirs: ['/tmp/deploylite-runner-a'] }, 'busybox:1');
  assert.notEqual(first, undefined);
  assert.equal(warmPoolKey({ ...job, runId: 2, jobKey: 'test', hostDirs: ['/tmp/deploylite-runner-a'] }, 'busybox:1'), first);
  assert.notEqual(warmPoolKey({ ...job, hostDirs: ['/tmp/deploylite-runner-b'] }, 'busybox:1'), first);
  assert.notEqual(warmPoolKey(job, 'busybox:1'), first);
  assert.equal(warmPoolKey({ ...job, reuseContainer: false }, 'busybox:1'), undefined);
});

test('a host directory that is relative or holds the bind separator is refused', () => {
  assert.match(hostDirProblem('tmp/x') ?? '', /not an absolute path/);
  assert.match(hostDirProblem('/tmp/a:/etc') ?? '', /holds a ":"/);
  assert.equal(hostDirProblem('/tmp/deploylite-runner-abc'), undefined);
});
