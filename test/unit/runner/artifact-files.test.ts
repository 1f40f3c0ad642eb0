import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { collectArtifactFiles, packArtifact } from '../../../src/artifacts/index.js';
import { systemClock } from '../../../src/core/index.js';
import type { JobFilesJob } from '../../../src/engine/index.js';
import { runnerArtifactFiles } from '../../../src/runner/artifact-files.js';
import type { ServerClient } from '../../../src/runner/server-client.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('a download cut off mid-archive fails the restore with the network error, instead of hanging or crashing the runner', { timeout: 10_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'runner-artifact-files-'));
  dirs.push(dir);
  const source = join(dir, 'source');
  await mkdir(join(source, 'dist'), { recursive: true });
  await writeFile(join(source, 'dist/app.js'), 'x'.repeat(300_000));
  const chunks: Buffer[] = [];
  for await (const chunk of packArtifact(source, await collectArtifactFiles(source, ['dist'])).stream) chunks.push(chunk);
  const archive = Buffer.concat(chunks);
  const digest = `sha256:${createHash('sha256').update(archive).digest('hex')}`;

  // The server's response ends in a socket error after half the archive, as when the connection drops.
  const cutOff = () => {
    const stream = new Readable({ read() {} });
    stream.push(archive.subarray(0, archive.length / 2));
    setTimeout(() => stream.destroy(new Error('socket hang up')), 20);
    return stream;
  };
  const client = {
    listRunArtifacts: async () => [{ name: 'dist', job: 'build', digest, size: archive.length, files: 1, createdAt: 0, expiresAt: null, sbomDigest: digest, signature: '', sbomSignature: '' }],
    downloadArtifact: async () => cutOff(),
  } as unknown as ServerClient;
  const files = runnerArtifactFiles({ client, token: 't', leaseId: 'l', tempDir: join(dir, 'tmp'), clock: systemClock });
  const job = { runId: 1, jobKey: 'deploy', spec: { needs: ['build'] }, log: () => {}, signal: new AbortController().signal } as unknown as JobFilesJob;
  const workspace = join(dir, 'ws');
  await mkdir(workspace);

  await assert.rejects(files.restore(job, { dir: workspace } as never), /socket hang up/);
  assert.deepEqual(await readdir(join(workspace, 'dist')).catch(() => []), [], 'no half-written file is left behind');
});
