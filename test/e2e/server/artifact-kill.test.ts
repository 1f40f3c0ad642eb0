import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sleep } from '../support/cli.js';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
const runners: RunnerProcess[] = [];
before(async () => {
  server = await startServer({ args: ['--no-runner'], env: { DEPLOYLITE_LEASE_TTL: '2s' } });
});
after(async () => {
  for (const runner of runners) await runner.stop();
  await server.stop();
});

const pipeline = (size: number) => `jobs:
  big:
    artifacts: { paths: big.bin }
    steps: [{ run: head -c ${size} /dev/zero > big.bin }]
  use:
    needs: big
    steps: [{ run: test "$(wc -c < big.bin)" -eq ${size} && echo "got all of it" }]
`;

/** Waits until an upload is staged on the server but not yet half done. */
async function midUpload(staging: string, size: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!filesUnder(staging).some((file) => file.size > 0 && file.size < size / 2)) {
    assert.ok(Date.now() < deadline, 'the upload never started');
    await sleep(5);
  }
}

// Big enough that the upload takes a moment over loopback, so the kill lands in the middle of it.
const SIZE = 160 * 1024 * 1024;

/** Every file under `dir`, recursively, with its size. */
function filesUnder(dir: string): { path: string; size: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => ({ path: join(entry.parentPath, entry.name), size: statSync(join(entry.parentPath, entry.name)).size }));
}

test('kill -9 of the runner mid-upload: nothing partial is visible, and the retried job resumes the upload and completes it', async () => {
  const repo = gitRepo({ '.deploylite.yml': pipeline(SIZE) });
  runners.push(await startRunner(server, { name: 'doomed' }));
  await server.api('POST', '/api/v1/projects', { name: 'big', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/big/runs', {}, 201);

  const staging = join(server.dataDir, 'artifact-uploads');
  await midUpload(staging, SIZE);
  await runners[0]?.kill9();

  const { artifacts } = await server.api<{ artifacts: unknown[] }>('GET', `/api/v1/runs/${id}/artifacts`);
  assert.deepEqual(artifacts, [], 'a half-uploaded artifact is not listed');
  const blobs = filesUnder(join(server.dataDir, 'blobs', 'blobs'));
  assert.deepEqual(blobs, [], 'the blob store holds nothing of it');
  const held = filesUnder(staging)[0]?.size ?? 0;
  assert.ok(held > 0 && held < SIZE);

  runners.push(await startRunner(server, { name: 'rescuer' }));
  const run = await waitForRun(server, id, isFinal, 120_000);
  assert.equal(run.status, 'success', JSON.stringify(run));
  const bigLog = (await jobLog(server, id, 'big')).map((line) => line.text);
  assert.ok(bigLog.some((text) => /artifact "big": resuming the upload at \d+ of \d+ bytes/.test(text)), bigLog.join('\n'));
  assert.ok((await jobLog(server, id, 'use')).some((line) => line.text === 'got all of it'));
  const listed = await server.api<{ artifacts: { name: string; size: number }[] }>('GET', `/api/v1/runs/${id}/artifacts`);
  assert.equal(listed.artifacts[0]?.name, 'big');
  assert.deepEqual(filesUnder(staging), [], 'the committed upload leaves no staging file');
});

test('kill -9 of the server mid-upload: the runner waits for it, resumes from what it kept, and commits', async () => {
  for (const runner of runners.splice(0)) await runner.stop();
  const repo = gitRepo({ '.deploylite.yml': pipeline(SIZE) });
  runners.push(await startRunner(server, { name: 'patient', workDir: join(server.dataDir, '..', 'patient') }));
  await server.api('POST', '/api/v1/projects', { name: 'restart', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/restart/runs', {}, 201);
  await midUpload(join(server.dataDir, 'artifact-uploads'), SIZE);
  await server.kill9();
  // A restarted server gives every lease one TTL to be renewed. The runner must get that renewal in while it retries
  // against a server that is starting, so this TTL is generous: with 2 s a loaded machine can make the runner miss it,
  // and the job is queued again instead of resumed (a different test: the first one).
  server = await startServer({ port: server.port, dataDir: server.dataDir, token: server.token, args: ['--no-runner'], env: { DEPLOYLITE_LEASE_TTL: '30s' } });

  const run = await waitForRun(server, id, isFinal, 120_000);
  assert.equal(run.status, 'success', JSON.stringify(run));
  const bigLog = (await jobLog(server, id, 'big')).map((line) => line.text);
  assert.ok(bigLog.some((text) => /artifact "big": upload interrupted at \d+ bytes .*; resuming/.test(text)), bigLog.join('\n'));
  assert.ok((await jobLog(server, id, 'use')).some((line) => line.text === 'got all of it'));
});
