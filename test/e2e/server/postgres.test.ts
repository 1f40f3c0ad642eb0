import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';
import { freshDatabase } from '../support/postgres.js';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

test('on PostgreSQL, unchanged: several runners share a matrix run and logs are stored', async () => {
  const database = await freshDatabase();
  cleanup.push(() => database.drop());
  const server: ServerProcess = await startServer({ args: ['--no-runner'], env: { DEPLOYLITE_DB_DSN: database.dsn } });
  cleanup.push(() => server.stop());
  const runners: RunnerProcess[] = [await startRunner(server, { name: 'pg-a' }), await startRunner(server, { name: 'pg-b' })];
  for (const runner of runners) cleanup.push(() => runner.stop());
  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  build:
    matrix:
      n: [1, 2, 3, 4]
    steps:
      - run: echo "building \${{ matrix.n }}"; sleep 0.3
  report:
    needs: build
    steps: [{ run: echo all built }]
`,
  });
  await server.api('POST', '/api/v1/projects', { name: 'pg', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/pg/runs', {}, 201);
  const run = await waitForRun(server, id, isFinal, 60_000);
  assert.equal(run.status, 'success', JSON.stringify(run));
  assert.equal(run.jobs.length, 5);
  const log = await jobLog(server, id, 'build[2]');
  assert.ok(log.some((l) => l.text === 'building 3'), JSON.stringify(log));
  const { runners: listed } = await server.api<{ runners: { name: string }[] }>('GET', '/api/v1/runners');
  assert.deepEqual(listed.map((r) => r.name).sort(), ['pg-a', 'pg-b']);
});
