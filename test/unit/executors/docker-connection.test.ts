import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dockerConnection, openDockerExecutor } from '../../../src/executors/docker/index.js';

test('DOCKER_HOST unix and tcp addresses become dockerode options, unset means the default socket', () => {
  assert.deepEqual(dockerConnection(undefined), { socketPath: '/var/run/docker.sock' });
  assert.deepEqual(dockerConnection('unix:///run/podman/podman.sock'), { socketPath: '/run/podman/podman.sock' });
  assert.deepEqual(dockerConnection('tcp://10.0.0.5:2375'), { protocol: 'http', host: '10.0.0.5', port: 2375 });
});

test('a DOCKER_HOST the executor cannot use is refused with the value in the message', () => {
  assert.throws(() => dockerConnection('ssh://me@host'), /DOCKER_HOST "ssh:\/\/me@host" is not unix:\/\/\/path\/to\/socket or tcp:\/\/host:port/);
  assert.throws(() => dockerConnection('unix://relative.sock'), /is not unix/);
});

test('an executor whose engine does not answer says where it looked when it is opened', async () => {
  await assert.rejects(
    openDockerExecutor({ dockerHost: 'unix:///nonexistent/docker.sock' }),
    /the docker executor cannot reach a container engine at unix:\/\/\/nonexistent\/docker.sock .*set DOCKER_HOST/,
  );
});
