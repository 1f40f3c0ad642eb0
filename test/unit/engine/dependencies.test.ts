import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRecord } from '../../../src/engine/index.js';
import { SqliteRunStore } from '../../../src/store/index.js';
import { runYaml } from '../../support/run-yaml.js';

test('a failed job skips its dependents but not `if: always()` ones', async () => {
  const run = await runYaml(`
    jobs:
      deploy: { steps: [{ run: exit 3 }] }
      verify: { needs: deploy, steps: [{ run: echo never }] }
      report: { needs: deploy, if: '\${{ always() }}', steps: [{ run: echo ran }] }
  `);
  assert.equal(run.job('deploy').status, 'failed');
  assert.equal(run.job('deploy').exitCode, 3);
  assert.equal(run.job('verify').status, 'skipped');
  assert.equal(run.job('report').status, 'success');
  assert.equal(run.run.status, 'failed');
});

test('independent jobs go on when another job fails', async () => {
  const run = await runYaml(`
    jobs:
      broken: { steps: [{ run: exit 1 }] }
      lint: { steps: [{ run: sleep 20; echo linted }] }
  `);
  assert.equal(run.job('lint').status, 'success');
  assert.deepEqual(await run.log('lint'), ['▶ sleep 20; echo linted', 'linted']);
});

test('failure() runs a job only when a job before it failed, also further up the chain', async () => {
  const run = await runYaml(`
    jobs:
      build: { steps: [{ run: exit 1 }] }
      package: { needs: build, if: always(), steps: [{ run: echo packaged }] }
      notify: { needs: package, if: failure(), steps: [{ run: echo notified }] }
      celebrate: { needs: package, if: success(), steps: [{ run: echo yay }] }
  `);
  assert.equal(run.job('notify').status, 'success');
  assert.equal(run.job('celebrate').status, 'skipped');
});

test('a skipped job skips its dependents', async () => {
  const run = await runYaml(`
    jobs:
      optional: { if: "vars.ENABLED == 'yes'", steps: [{ run: echo hi }] }
      after: { needs: optional, steps: [{ run: echo after }] }
  `);
  assert.equal(run.job('optional').status, 'skipped');
  assert.equal(run.job('after').status, 'skipped');
  assert.equal(run.run.status, 'success');
});

test('a job with continue-on-error fails without failing the run, and its dependents run', async () => {
  const run = await runYaml(`
    jobs:
      flaky: { continue-on-error: true, steps: [{ run: exit 2 }] }
      next: { needs: flaky, steps: [{ run: 'echo \${{ needs.flaky.result }}' }] }
  `);
  assert.equal(run.job('flaky').status, 'failed');
  assert.equal(run.job('next').status, 'success');
  assert.ok((await run.log('next')).includes('failure'));
  assert.equal(run.run.status, 'success');
});

test('job outputs flow to the jobs that need them', async () => {
  const run = await runYaml(`
    jobs:
      plan:
        outputs: { version: '\${{ steps.v.outputs.value }}' }
        steps: [{ id: v, run: output value=1.2.3 }]
      ship: { needs: plan, steps: [{ run: 'echo shipping \${{ needs.plan.outputs.version }}' }] }
  `);
  assert.deepEqual(run.job('plan').outputs, { version: '1.2.3' });
  assert.ok((await run.log('ship')).includes('shipping 1.2.3'));
});

test('--job runs the named job and the jobs it needs, nothing else', async () => {
  const run = await runYaml(
    `
    jobs:
      a: { steps: [{ run: echo a }] }
      b: { needs: a, steps: [{ run: echo b }] }
      c: { steps: [{ run: echo c }] }
  `,
    { jobFilter: ['b'] },
  );
  assert.deepEqual(run.jobs.map((j) => j.jobId).sort(), ['a', 'b']);
});

test('no more job instances run at once than --parallel allows', async () => {
  let running = 0;
  let peak = 0;
  const run = await runYaml(
    `
    jobs:
      a: { steps: [{ run: sleep 30 }] }
      b: { steps: [{ run: sleep 30 }] }
      c: { steps: [{ run: sleep 30 }] }
      d: { steps: [{ run: sleep 30 }] }
  `,
    {
      parallel: 2,
      onEvent: (event) => {
        if (event.type === 'job:started') peak = Math.max(peak, ++running);
        if (event.type === 'job:finished') running--;
      },
    },
  );
  assert.equal(run.run.status, 'success');
  assert.equal(peak, 2);
});

test('a run is stored as final only after the records of the jobs it skipped', async () => {
  const store = new SqliteRunStore(':memory:');
  const order: string[] = [];
  const slowStore = new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'saveJob') {
        return async (record: JobRecord) => {
          // A store with a pool can finish a later write first: make the skipped job's write the slow one.
          if (record.status === 'skipped') await new Promise((resolve) => setTimeout(resolve, 50));
          await target.saveJob(record);
          order.push(`${record.key}:${record.status}`);
        };
      }
      if (name === 'updateRun') {
        return async (id: number, fields: Parameters<SqliteRunStore['updateRun']>[1]) => {
          await target.updateRun(id, fields);
          if (fields.finishedAt) order.push(`run:${fields.status ?? ''}`);
        };
      }
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
  await runYaml(
    `
    jobs:
      flaky: { steps: [{ run: exit 1 }] }
      deploy: { needs: flaky, steps: [{ run: echo never }] }
  `,
    { store: slowStore },
  );
  assert.deepEqual(order.slice(-2), ['deploy:skipped', 'run:failed']);
});
