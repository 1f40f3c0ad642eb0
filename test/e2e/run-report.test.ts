import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, runCli, workdir } from './support/cli.js';

const PIPELINE = `
  name: shapes
  jobs:
    plan:
      outputs: { version: '\${{ steps.v.outputs.version }}' }
      steps: [{ id: v, run: echo "version=1.2.3" >> "$DEPLOYLITE_OUTPUT" }]
    deploy:
      needs: plan
      steps: [{ run: exit 3 }]
      rollback: [{ run: echo undo }]
    build:
      matrix: { os: [linux, mac] }
      steps: [{ run: echo built }]
`;

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

type Report = Record<string, unknown> & { jobs: Record<string, unknown>[] };
let ran: Promise<Report> | undefined;

/** One run serves every test here: they read different parts of the same report. */
function report(): Promise<Report> {
  ran ??= (async () => {
    const dir = workdir({ 'ci.yml': PIPELINE });
    const result = await runCli(['run', 'ci.yml', '--report', 'report.json'], { cwd: dir });
    assertExit(result, 1);
    return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
  })();
  return ran;
}

test('--report writes the run as { id, status, jobs } JSON', async () => {
  const json = await report();
  assert.equal(typeof json.id, 'number');
  assert.equal(json.status, 'failed');
  assert.ok(Array.isArray(json.jobs));
  assert.deepEqual(json.jobs.map((job) => `${String(job.id)}: ${String(job.status)}`).sort(), [
    'build: success',
    'build: success',
    'deploy: failed',
    'plan: success',
  ]);
});

test('every job in the report has id, name, matrix, status, attempts, exitCode, times, outputs and rollback', async () => {
  const json = await report();
  for (const job of json.jobs) {
    for (const key of ['id', 'name', 'matrix', 'status', 'attempts', 'exitCode', 'startedAt', 'finishedAt', 'outputs', 'rollback']) {
      assert.ok(key in job, `job ${String(job.id)} has no "${key}": ${JSON.stringify(job)}`);
    }
    assert.equal(typeof job.name, 'string');
    assert.equal(typeof job.attempts, 'number');
    assert.match(String(job.startedAt), ISO);
    assert.match(String(job.finishedAt), ISO);
    assert.equal(typeof job.outputs, 'object');
  }
});

test('the report holds each job instance\'s values: exit code, outputs, matrix and rollback', async () => {
  const json = await report();
  const byId = (id: string) => json.jobs.filter((job) => job.id === id);
  assert.deepEqual(
    byId('plan').map(({ name, matrix, attempts, exitCode, outputs, rollback }) => ({ name, matrix, attempts, exitCode, outputs, rollback })),
    [{ name: 'plan', matrix: null, attempts: 1, exitCode: 0, outputs: { version: '1.2.3' }, rollback: null }],
  );
  assert.deepEqual(
    byId('deploy').map(({ exitCode, attempts, rollback }) => ({ exitCode, attempts, rollback })),
    [{ exitCode: 3, attempts: 1, rollback: { status: 'success' } }],
  );
  assert.deepEqual(byId('build').map((job) => job.matrix), [{ os: 'linux' }, { os: 'mac' }]);
});
