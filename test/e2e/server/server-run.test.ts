import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();
});

const PIPELINE = `name: app
jobs:
  build:
    steps:
      - run: cat version.txt
      - id: v
        run: echo "version=$(cat version.txt)" >> "$DEPLOYLITE_OUTPUT"
    outputs:
      version: \${{ steps.v.outputs.version }}
  test:
    needs: build
    steps:
      - run: echo "testing \${{ needs.build.outputs.version }} with $GREETING"
        env:
          GREETING: \${{ vars.greeting }}
`;

test('a triggered run checks out the exact commit on the built-in runner and passes outputs along', async () => {
  const repo = gitRepo({ '.deploylite.yml': PIPELINE, 'version.txt': '1.0.0\n' });
  const newer = repo.commit({ 'version.txt': '2.0.0\n' });
  await server.api('POST', '/api/v1/projects', { name: 'app', repository: repo.path }, 201);

  const { id } = await server.api<{ id: number; sha: string }>('POST', '/api/v1/projects/app/runs', { ref: repo.sha, variables: { greeting: 'hello' } }, 201);
  const run = await waitForRun(server, id, isFinal);

  assert.equal(run.status, 'success', JSON.stringify(run));
  assert.equal(run.jobs.find((j) => j.key === 'build')?.outputs.version, '1.0.0');
  const testLog = (await jobLog(server, id, 'test')).map((l) => l.text);
  assert.ok(testLog.includes('testing 1.0.0 with hello'), testLog.join('\n'));
  assert.notEqual(newer, repo.sha);
});

test('a run of the default branch uses its newest commit', async () => {
  const repo = gitRepo({ '.deploylite.yml': PIPELINE, 'version.txt': '1.0.0\n' });
  const head = repo.commit({ 'version.txt': '3.1.4\n' });
  await server.api('POST', '/api/v1/projects', { name: 'latest', repository: `file://${repo.path}` }, 201);
  const started = await server.api<{ id: number; sha: string; ref: string }>('POST', '/api/v1/projects/latest/runs', {}, 201);
  assert.equal(started.sha, head);
  assert.equal(started.ref, 'main');
  const run = await waitForRun(server, started.id, isFinal);
  assert.equal(run.jobs.find((j) => j.key === 'build')?.outputs.version, '3.1.4');
});

test('an invalid pipeline fails the run with file:line:col diagnostics and runs nothing', async () => {
  const repo = gitRepo({ '.deploylite.yml': 'jobs:\n  a:\n    stepz: []\n' });
  await server.api('POST', '/api/v1/projects', { name: 'broken', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/broken/runs', {}, 201);
  const run = await waitForRun(server, id, isFinal);
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /\.deploylite\.yml:3:5: .*stepz/);
  assert.deepEqual(run.jobs, []);
});

test('an unknown ref is a 400 naming the field, and no run is stored', async () => {
  const repo = gitRepo({ '.deploylite.yml': PIPELINE, 'version.txt': '1\n' });
  await server.api('POST', '/api/v1/projects', { name: 'refs', repository: repo.path }, 201);
  const error = await server.api<{ error: { code: string; message: string; field?: string } }>('POST', '/api/v1/projects/refs/runs', { ref: 'no-such-branch' }, 400);
  assert.equal(error.error.field, 'ref');
  assert.match(error.error.message, /no-such-branch/);
  const { runs } = await server.api<{ runs: unknown[] }>('GET', '/api/v1/runs?project=refs');
  assert.equal(runs.length, 0);
});

test("a project's maxConcurrentJobs caps its jobs running at once, whatever the runners' capacity", async () => {
  const lock = `${gitRepo({ 'x': '' }).path}/lock`;
  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  exclusive:
    matrix:
      n: [1, 2, 3]
    steps:
      - run: mkdir ${lock} && sleep 0.3 && rmdir ${lock}
`,
  });
  await server.api('POST', '/api/v1/projects', { name: 'capped', repository: repo.path, maxConcurrentJobs: 1 }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/capped/runs', {}, 201);
  const run = await waitForRun(server, id, isFinal);
  assert.equal(run.status, 'success', 'no two instances ever held the lock at once');
});
