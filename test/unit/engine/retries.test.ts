import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordingClock, runYaml } from '../../support/run-yaml.js';

test('a job is retried until it succeeds and the record counts the attempts', async () => {
  const run = await runYaml(`
    jobs:
      flaky: { retry: { max: 3, delay: 10ms }, steps: [{ run: fail-before 3 }] }
  `);
  assert.equal(run.job('flaky').status, 'success');
  assert.equal(run.job('flaky').attempts, 3);
});

test('a job that keeps failing fails after max retries', async () => {
  const run = await runYaml(`
    jobs:
      broken: { retry: { max: 2, delay: 10ms }, steps: [{ run: exit 1 }] }
  `);
  assert.equal(run.job('broken').status, 'failed');
  assert.equal(run.job('broken').attempts, 3);
});

test('exponential backoff doubles the delay and is capped by max-delay', async () => {
  const clock = recordingClock();
  await runYaml(
    `
    jobs:
      broken: { retry: { max: 4, delay: 1s, max-delay: 5s }, steps: [{ run: exit 1 }] }
  `,
    { clock },
  );
  assert.deepEqual(clock.sleeps, [1000, 2000, 4000, 5000]);
});

test('fixed backoff waits the same delay every time', async () => {
  const clock = recordingClock();
  await runYaml(
    `
    jobs:
      broken: { retry: { max: 2, backoff: fixed, delay: 3s }, steps: [{ run: exit 1 }] }
  `,
    { clock },
  );
  assert.deepEqual(clock.sleeps, [3000, 3000]);
});

test('defaults.retry applies to jobs that do not set their own', async () => {
  const run = await runYaml(`
    defaults: { retry: { max: 1, delay: 10ms } }
    jobs:
      a: { steps: [{ run: exit 1 }] }
      b: { retry: 0, steps: [{ run: exit 1 }] }
  `);
  assert.equal(run.job('a').attempts, 2);
  assert.equal(run.job('b').attempts, 1);
});

test('a job that exceeds its timeout fails with a timeout message', async () => {
  const run = await runYaml(`
    jobs:
      slow: { timeout: 50ms, steps: [{ run: sleep 5000 }] }
  `);
  assert.equal(run.job('slow').status, 'failed');
  assert.match(run.job('slow').error ?? '', /timed out after/);
});

test('rollback steps run once, when the job finally fails, and their result is recorded', async () => {
  const run = await runYaml(`
    jobs:
      deploy:
        retry: { max: 1, delay: 10ms }
        steps: [{ run: exit 1 }]
        rollback: [{ run: echo rolling back }]
      healthy:
        steps: [{ run: echo ok }]
        rollback: [{ run: echo never }]
  `);
  assert.equal(run.job('deploy').rollbackStatus, 'success');
  assert.equal((await run.log('deploy')).filter((l) => l === 'rolling back').length, 1);
  assert.equal(run.job('healthy').rollbackStatus, null);
});

test('a failing rollback is recorded as failed', async () => {
  const run = await runYaml(`
    jobs:
      deploy: { steps: [{ run: exit 1 }], rollback: [{ run: exit 7 }] }
  `);
  assert.equal(run.job('deploy').rollbackStatus, 'failed');
});
