import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeExecutor } from '../../../src/executors/fake/index.js';
import { SqliteRunStore } from '../../../src/store/index.js';
import { runYaml } from '../../support/run-yaml.js';

test('cancelling a run stops running jobs and cancels the pending ones', async () => {
  const controller = new AbortController();
  const run = await runYaml(
    `
    jobs:
      long: { steps: [{ run: sleep 10000 }] }
      after: { needs: long, steps: [{ run: echo never }] }
  `,
    {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'job:started') setTimeout(() => controller.abort(), 20);
      },
    },
  );
  assert.equal(run.run.status, 'cancelled');
  assert.equal(run.job('long').status, 'cancelled');
  assert.equal(run.job('after').status, 'cancelled');
});

test('resuming a run keeps finished jobs and runs the unfinished ones again', async () => {
  const store = new SqliteRunStore(':memory:');
  const pipeline = `
    jobs:
      first: { outputs: { v: '\${{ steps.s.outputs.v }}' }, steps: [{ id: s, run: output v=kept }] }
      second: { needs: first, steps: [{ run: 'echo got \${{ needs.first.outputs.v }}' }] }
  `;
  const original = await runYaml(pipeline, { store });
  // Make the stored run look like a CLI killed while `second` was running.
  await store.updateRun(original.run.id, { status: 'running', finishedAt: null });
  await store.saveJob({ ...original.job('second'), status: 'running', finishedAt: null });

  const executor = new FakeExecutor();
  const resumed = await runYaml(pipeline, { store, executor, resume: (await store.getRun(original.run.id))! });
  assert.equal(resumed.run.id, original.run.id);
  assert.equal(resumed.run.attempt, 2);
  assert.deepEqual(executor.ran.map((r) => r.jobKey), ['second']);
  assert.equal(resumed.job('second').status, 'success');
  assert.ok((await resumed.log('second')).includes('got kept'));
});
