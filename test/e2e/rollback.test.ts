import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, runCli, workdir } from './support/cli.js';
import { readReport, reportJob } from './support/summary-table.js';

test('a job that finally fails runs its rollback steps once, after its last attempt', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        deploy:
          retry: { max: 1, delay: 50ms }
          steps: [{ run: exit 1 }]
          rollback:
            - run: echo "rolled back (DEPLOYLITE_ROLLBACK=$DEPLOYLITE_ROLLBACK)" >> rollback.log
    `,
  });
  const result = await runCli(['run', 'ci.yml', '--report', 'report.json'], { cwd: dir });
  assertExit(result, 1);
  assert.deepEqual(readFileSync(join(dir, 'rollback.log'), 'utf8').split('\n').filter(Boolean), [
    'rolled back (DEPLOYLITE_ROLLBACK=true)',
  ]);
  assert.deepEqual(reportJob(readReport(join(dir, 'report.json')), 'deploy').rollback, { status: 'success' });
});

test('a job that succeeds does not run its rollback steps and reports rollback null', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        deploy:
          steps: [{ run: echo deployed }]
          rollback: [{ run: touch rolled-back }]
    `,
  });
  const result = await runCli(['run', 'ci.yml', '--report', 'report.json'], { cwd: dir });
  assertExit(result, 0);
  assert.equal(existsSync(join(dir, 'rolled-back')), false);
  assert.equal(reportJob(readReport(join(dir, 'report.json')), 'deploy').rollback, null);
});

test('a failing rollback is reported as failed', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        deploy:
          steps: [{ run: exit 1 }]
          rollback: [{ run: exit 7 }]
    `,
  });
  const result = await runCli(['run', 'ci.yml', '--report', 'report.json'], { cwd: dir });
  assertExit(result, 1);
  assert.deepEqual(reportJob(readReport(join(dir, 'report.json')), 'deploy').rollback, { status: 'failed' });
});
