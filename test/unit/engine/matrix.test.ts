import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runYaml } from '../../support/run-yaml.js';

test('a matrix job runs one instance per combination, each seeing its own values', async () => {
  const run = await runYaml(`
    jobs:
      build:
        matrix: { node: [18, 20], os: [linux] }
        steps: [{ run: 'echo node \${{ matrix.node }} on \${{ matrix.os }}' }]
  `);
  const builds = run.instances('build');
  assert.deepEqual(builds.map((b) => b.matrix), [{ node: 18, os: 'linux' }, { node: 20, os: 'linux' }]);
  assert.deepEqual(builds.map((b) => b.name), ['build (18, linux)', 'build (20, linux)']);
  const log = await run.log('build');
  assert.ok(log.includes('node 18 on linux') && log.includes('node 20 on linux'));
});

test('fail-fast cancels the other combinations when one fails', async () => {
  const run = await runYaml(`
    jobs:
      test:
        matrix: { shard: [1, 2, 3] }
        steps: [{ run: "\${{ matrix.shard == 1 && 'exit 1' || 'sleep 5000' }}" }]
  `);
  assert.deepEqual(run.instances('test').map((i) => i.status), ['failed', 'cancelled', 'cancelled']);
  assert.equal(run.run.status, 'failed');
});

test('with fail-fast false the other combinations finish', async () => {
  const run = await runYaml(`
    jobs:
      test:
        fail-fast: false
        matrix: { shard: [1, 2] }
        steps: [{ run: "\${{ matrix.shard == 1 && 'exit 1' || 'sleep 20' }}" }]
  `);
  assert.deepEqual(run.instances('test').map((i) => i.status), ['failed', 'success']);
});

test('max-parallel limits how many combinations of a job run at once', async () => {
  let running = 0;
  let peak = 0;
  await runYaml(
    `
    jobs:
      test:
        max-parallel: 1
        matrix: { shard: [1, 2, 3] }
        steps: [{ run: sleep 20 }]
  `,
    {
      parallel: 8,
      onEvent: (event) => {
        if (event.type === 'job:started') peak = Math.max(peak, ++running);
        if (event.type === 'job:finished') running--;
      },
    },
  );
  assert.equal(peak, 1);
});

test('a matrix can come from the outputs of a job it needs', async () => {
  const run = await runYaml(`
    jobs:
      plan:
        outputs: { targets: '\${{ steps.p.outputs.targets }}' }
        steps: [{ id: p, run: 'output targets=["amd64","arm64"]' }]
      build:
        needs: plan
        matrix: { arch: '\${{ fromJSON(needs.plan.outputs.targets) }}' }
        steps: [{ run: 'echo \${{ matrix.arch }}' }]
  `);
  assert.deepEqual(run.instances('build').map((b) => b.matrix), [{ arch: 'amd64' }, { arch: 'arm64' }]);
});

test("the strategy context gives each instance its index among the job's instances, for sharding", async () => {
  const run = await runYaml(`
    jobs:
      test:
        name: 'shard \${{ strategy.job-index }} of \${{ strategy.job-total }}'
        max-parallel: 2
        fail-fast: false
        matrix: { shard: [a, b, c], exclude: [{ shard: b }], include: [{ shard: d }] }
        steps: [{ run: 'echo \${{ matrix.shard }} \${{ strategy.job-index }}/\${{ strategy.job-total }} \${{ strategy.max-parallel }} \${{ strategy.fail-fast }}' }]
      lint:
        steps: [{ run: 'echo \${{ strategy.job-index }}/\${{ strategy.job-total }} \${{ strategy.max-parallel }} \${{ strategy.fail-fast }}' }]
  `);
  const lines = (await run.log('test')).filter((line) => !line.startsWith('▶'));
  assert.deepEqual(lines.sort(), ['a 0/3 2 false', 'c 1/3 2 false', 'd 2/3 2 false']);
  assert.deepEqual(run.instances('test').map((instance) => instance.name), ['shard 0 of 3', 'shard 1 of 3', 'shard 2 of 3']);
  assert.deepEqual((await run.log('lint')).filter((line) => !line.startsWith('▶')), ['0/1 1 true']);
});
