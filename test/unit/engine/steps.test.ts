import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runYaml } from '../../support/run-yaml.js';

test('a failed step skips the following steps unless they say always() or failure()', async () => {
  const run = await runYaml(`
    jobs:
      build:
        steps:
          - run: exit 4
          - run: echo never
          - name: cleanup
            if: always()
            run: echo cleaned
  `);
  const log = await run.log('build');
  assert.ok(!log.includes('never'));
  assert.ok(log.includes('cleaned'));
  assert.equal(run.job('build').exitCode, 4);
});

test('a step with continue-on-error has outcome failure and conclusion success', async () => {
  const run = await runYaml(`
    jobs:
      build:
        steps:
          - { id: try, run: exit 1, continue-on-error: true }
          - run: echo \${{ steps.try.outcome }}/\${{ steps.try.conclusion }}
  `);
  assert.equal(run.job('build').status, 'success');
  assert.ok((await run.log('build')).includes('failure/success'));
});

test('variables written to $DEPLOYLITE_ENV reach the following steps, and step env wins over them', async () => {
  const run = await runYaml(`
    jobs:
      build:
        env: { MODE: job }
        steps:
          - run: setenv MODE=file
          - run: printenv MODE
          - { env: { MODE: step }, run: printenv MODE }
  `);
  assert.deepEqual((await run.log('build')).filter((l) => !l.startsWith('▶')), ['file', 'step']);
});

test('secrets are masked in logs, outputs and job names', async () => {
  const run = await runYaml(
    `
    jobs:
      leak:
        outputs: { token: '\${{ steps.s.outputs.t }}' }
        steps:
          - run: echo token is \${{ secrets.TOKEN }}
          - { id: s, run: 'output t=\${{ secrets.TOKEN }}' }
  `,
    { secrets: { TOKEN: 's3cr3t-value' } },
  );
  assert.ok((await run.log('leak')).includes('token is ***'));
  assert.deepEqual(run.job('leak').outputs, { token: '***' });
  assert.ok(!JSON.stringify(run.jobs).includes('s3cr3t-value'));
});

test('an expression that fails at run time fails the step with a message naming it, without retries', async () => {
  const run = await runYaml(`
    jobs:
      build:
        retry: 3
        steps: [{ run: 'echo \${{ fromJSON(vars.NOT_JSON) }}' }]
  `, { vars: { NOT_JSON: '{nope' } });
  assert.equal(run.job('build').status, 'failed');
  assert.equal(run.job('build').attempts, 1);
  assert.match(run.job('build').error ?? '', /fromJSON|JSON/);
});
