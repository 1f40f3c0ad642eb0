import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, runCli, workdir } from './support/cli.js';
import { parseSummary, readReport, reportJob, runIdOf } from './support/summary-table.js';

/** Fails until the attempt whose number is given, counting attempts in a file. */
const failUntil = (attempt: number) =>
  `n=$(( $(cat count 2>/dev/null || echo 0) + 1 )); echo $n > count; [ $n -ge ${attempt} ]`;

test('a job that fails twice succeeds on its third attempt with retry max 3', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        flaky:
          retry: { max: 3, delay: 100ms }
          steps: [{ run: '${failUntil(3)}' }]
    `,
  });
  const result = await runCli(['run', 'ci.yml', '--report', 'report.json'], { cwd: dir });
  assertExit(result, 0);
  const job = reportJob(readReport(join(dir, 'report.json')), 'flaky');
  assert.equal(job.status, 'success');
  assert.equal(job.attempts, 3);
  assert.equal(parseSummary(result.stdout)[0]?.attempts, '3');
});

test('a job that always fails stops after max retries: attempts 2 with max 1, exit 1', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        broken:
          retry: { max: 1, delay: 50ms }
          steps: [{ run: echo attempt >> attempts.log; exit 1 }]
    `,
  });
  const result = await runCli(['run', 'ci.yml', '--report', 'report.json'], { cwd: dir });
  assertExit(result, 1);
  const job = reportJob(readReport(join(dir, 'report.json')), 'broken');
  assert.equal(job.status, 'failed');
  assert.equal(job.attempts, 2);
  assert.equal(readFileSync(join(dir, 'attempts.log'), 'utf8'), 'attempt\nattempt\n');
});

test('the waits between retries grow exponentially, as the log shows', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        broken:
          retry: { max: 3, delay: 100ms }
          steps: [{ run: exit 1 }]
    `,
  });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(result, 1);
  const logs = await runCli(['logs', runIdOf(result.stdout)], { cwd: dir });
  assertExit(logs, 0);
  const waits = logs.stdout
    .split('\n')
    .filter((line) => /retry/i.test(line))
    .map((line) => /(\d+(?:\.\d+)?)(ms|s)\b/.exec(line))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]) * (m[2] === 's' ? 1000 : 1));
  assert.deepEqual(waits, [100, 200, 400], logs.stdout);
});
