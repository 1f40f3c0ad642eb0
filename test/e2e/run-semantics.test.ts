import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, runCli, workdir } from './support/cli.js';
import { parseSummary, readReport } from './support/summary-table.js';

const AFTER_FAILURE = `
  jobs:
    deploy:
      steps: [{ run: exit 3 }]
    verify:
      needs: deploy
      steps: [{ run: touch verify-ran }]
    report:
      needs: deploy
      if: always()
      steps: [{ run: 'echo "deploy was \${{ needs.deploy.result }}" > report.txt' }]
    lint:
      steps: [{ run: touch lint-ran }]
`;

const statuses = (stdout: string) => Object.fromEntries(parseSummary(stdout).map((row) => [row.job, row.status]));

test('a failed job fails the run with exit 1 and skips the jobs that need it', async () => {
  const dir = workdir({ 'ci.yml': AFTER_FAILURE });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(result, 1);
  assert.equal(statuses(result.stdout).deploy, 'failed');
  assert.equal(statuses(result.stdout).verify, 'skipped');
  assert.equal(existsSync(join(dir, 'verify-ran')), false);
});

test('an `if: always()` job runs after the job it needs failed', async () => {
  const dir = workdir({ 'ci.yml': AFTER_FAILURE });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assert.equal(statuses(result.stdout).report, 'success');
  assert.equal(readFileSync(join(dir, 'report.txt'), 'utf8').trim(), 'deploy was failure');
});

test('a job that does not depend on the failed one still runs', async () => {
  const dir = workdir({ 'ci.yml': AFTER_FAILURE });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assert.equal(statuses(result.stdout).lint, 'success');
  assert.ok(existsSync(join(dir, 'lint-ran')));
});

test('a failing job with continue-on-error does not fail the run', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        flaky:
          continue-on-error: true
          steps: [{ run: exit 2 }]
        next:
          needs: flaky
          steps: [{ run: touch next-ran }]
    `,
  });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(result, 0);
  assert.match(statuses(result.stdout).flaky ?? '', /^failed/);
  assert.ok(existsSync(join(dir, 'next-ran')));
});

test('matrix instances in the report share their job id and carry their matrix values', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        build:
          matrix: { os: [linux, mac], node: [20] }
          steps: [{ run: 'echo "\${{ matrix.os }}-\${{ matrix.node }}" >> built.txt' }]
    `,
  });
  const result = await runCli(['run', 'ci.yml', '--report', 'report.json'], { cwd: dir });
  assertExit(result, 0);
  const { jobs } = readReport(join(dir, 'report.json'));
  assert.deepEqual(
    jobs.map((job) => [job.id, job.matrix]),
    [
      ['build', { os: 'linux', node: 20 }],
      ['build', { os: 'mac', node: 20 }],
    ],
  );
  assert.deepEqual(readFileSync(join(dir, 'built.txt'), 'utf8').split('\n').filter(Boolean).sort(), ['linux-20', 'mac-20']);
});

test('fail-fast: a failed matrix instance cancels its running siblings', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        test:
          matrix: { shard: [1, 2, 3] }
          steps:
            - run: |
                if [ "\${{ matrix.shard }}" = 1 ]; then sleep 0.3; exit 1; fi
                sleep 30
                touch "finished-\${{ matrix.shard }}"
    `,
  });
  const result = await runCli(['run', 'ci.yml', '--kill-grace', '300ms', '--report', 'report.json'], { cwd: dir });
  assertExit(result, 1);
  const { jobs } = readReport(join(dir, 'report.json'));
  // Cancelled, not successful: the siblings were stopped during their `sleep 30`, and never touched their files.
  assert.deepEqual(jobs.map((job) => job.status), ['failed', 'cancelled', 'cancelled']);
  assert.equal(existsSync(join(dir, 'finished-2')) || existsSync(join(dir, 'finished-3')), false);
});
