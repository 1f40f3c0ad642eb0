import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/core/index.js';
import { startControlPlane } from '../../../src/server/index.js';
import type { QueueItem } from '../../../src/store/index.js';
import { openControlStore } from '../../../src/store/index.js';

/** An HTTP "Git host" that accepts connections and never answers: `git fetch` hangs. */
async function hangingGitHost(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/slow.git`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

test("a lost lease is reaped while a due schedule's Git fetch hangs", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'control-plane-ticks-'));
  const host = await hangingGitHost();
  const store = await openControlStore({ sqlitePath: join(dataDir, 'control.db') });
  await store.migrate();
  const now = Date.now();
  const project = await store.createProject(
    { name: 'slow', repository: host.url, pipelinePath: '.deploylite.yml', defaultBranch: 'main', webhookSecret: 's', maxConcurrentJobs: null },
    now,
  );
  await store.replaceSchedules(project.id, [{ cron: '* * * * * *', nextAt: now }]);
  const run = await store.createServerRun({
    projectId: project.id,
    name: 'ci',
    file: '.deploylite.yml',
    source: 'jobs:\n  build:\n    steps: [{ run: "true" }]\n',
    options: { workspaceDir: dataDir, parallel: 0, jobFilter: [], vars: {}, secretNames: [] },
    ref: 'main',
    sha: 'a'.repeat(40),
    trigger: { kind: 'manual' },
    concurrencyGroup: null,
    cancelInProgress: false,
    // Not 'running': a recovered run's driver would only add noise (and timers) to this test.
    status: 'failed',
    error: null,
    createdAt: now,
  });
  // A runner took the job, then was killed: its lease lapses one lease term after the start.
  const runner = await store.createRunner({ name: 'gone', labels: [], capacity: 1, version: 'test', createdAt: now });
  const item = await store.enqueue({ runId: run.id, jobKey: 'build', projectId: project.id, labels: [], priority: 0, payload: {}, createdAt: now });
  assert.ok(await store.claim(item.id, { leaseId: 'lease-1', runnerId: runner.id, expiresAt: now, now }));

  const plane = await startControlPlane(
    { host: '127.0.0.1', port: 0, dataDir, leaseTtlMs: 200, onLeaseLost: 'requeue', maxRequeues: 2, tickMs: 50 },
    store,
    { logger: silentLogger },
  );
  try {
    let current: QueueItem | undefined;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
      current = await store.getQueueItem(item.id);
      if (current?.leaseAttempt === 2) break;
    }
    assert.deepEqual([current?.status, current?.leaseAttempt], ['queued', 2], 'the job is queued again as attempt 2');
  } finally {
    await plane.stop();
    await host.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
