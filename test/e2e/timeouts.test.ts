import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, killLeftover, readOr, runCli, waitUntilGone, workdir } from './support/cli.js';
import { readReport, reportJob } from './support/summary-table.js';

/** A step that leaves a background child behind, which a timeout must kill too. */
const SLEEPER = 'sleep 30 & echo $! > child.pid; sleep 30';

async function expectTimedOut(pipeline: string): Promise<void> {
  const dir = workdir({ 'ci.yml': pipeline });
  const started = Date.now();
  try {
    const result = await runCli(['run', 'ci.yml', '--kill-grace', '300ms', '--report', 'report.json'], { cwd: dir });
    const elapsed = Date.now() - started;
    assertExit(result, 1);
    assert.ok(elapsed < 5000, `the run took ${elapsed}ms with a 1s timeout`);
    assert.match(result.stdout + result.stderr, /timed out/);
    assert.equal(reportJob(readReport(join(dir, 'report.json')), 'slow').status, 'failed');
    const child = Number(readOr(join(dir, 'child.pid')).trim());
    assert.ok(child > 0, 'the step did not start its background child');
    assert.ok(await waitUntilGone(child), `the step's background child ${child} is still running`);
  } finally {
    const child = Number(readOr(join(dir, 'child.pid')).trim());
    if (child > 0) killLeftover(child);
  }
}

test('a job over its timeout fails within seconds and its whole process tree is killed', async () => {
  await expectTimedOut(`
    jobs:
      slow:
        timeout: 1s
        steps: [{ run: '${SLEEPER}' }]
  `);
});

test('a step over its own timeout fails within seconds and its whole process tree is killed', async () => {
  await expectTimedOut(`
    jobs:
      slow:
        steps:
          - run: echo quick
          - timeout: 1s
            run: '${SLEEPER}'
  `);
});
