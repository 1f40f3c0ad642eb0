import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePipeline } from '../../../src/pipeline/index.js';
import { compiled } from './compile-support.js';

test('a minimal pipeline compiles with GitHub-like defaults', () => {
  const pipeline = compiled(`
    jobs:
      build:
        steps:
          - run: make
  `);
  assert.equal(pipeline.name, 'p');
  assert.deepEqual(pipeline.defaults, {});
  const [build] = pipeline.jobs;
  assert.equal(build?.name, 'build');
  assert.deepEqual(build?.needs, []);
  assert.equal(build?.failFast, true);
  assert.equal(build?.continueOnError, false);
  assert.deepEqual(build?.position, { line: 2, col: 3 });
  assert.deepEqual(build?.steps, [{ index: 0, run: 'make', env: {}, with: {}, continueOnError: false, position: { line: 4, col: 9 } }]);
});

test('jobs keep file order and needs accepts a single id or a list', () => {
  const pipeline = compiled(`
    jobs:
      test: { needs: build, steps: [{ run: t }] }
      build: { steps: [{ run: b }] }
      ship: { needs: [build, test], steps: [{ run: s }] }
  `);
  assert.deepEqual(pipeline.jobs.map((job) => [job.id, job.needs]), [['test', ['build']], ['build', []], ['ship', ['build', 'test']]]);
});

test('env, with and outputs values become strings as YAML wrote them', () => {
  const pipeline = compiled(`
    env: { VERSION: 1.10, DEBUG: true, COUNT: 010, EMPTY: }
    jobs:
      build:
        outputs: { size: 42 }
        steps:
          - uses: deploylite/checkout
            with: { depth: 1, lfs: false }
  `);
  assert.deepEqual(pipeline.env, { VERSION: '1.10', DEBUG: 'true', COUNT: '010', EMPTY: '' });
  assert.deepEqual(pipeline.jobs[0]?.outputs, { size: '42' });
  assert.deepEqual(pipeline.jobs[0]?.steps[0]?.with, { depth: '1', lfs: 'false' });
});

test('an if condition is stored without its ${{ }} wrapper, written either way', () => {
  const pipeline = compiled(`
    jobs:
      a: { if: "\${{ always() }}", steps: [{ run: a, if: "\${{ failure() }}" }] }
      b: { if: github.ref == 'main', steps: [{ run: b }] }
  `);
  assert.equal(pipeline.jobs[0]?.if, 'always()');
  assert.equal(pipeline.jobs[0]?.steps[0]?.if, 'failure()');
  assert.equal(pipeline.jobs[1]?.if, "github.ref == 'main'");
});

test('durations, retry policies and their defaults are resolved to milliseconds', () => {
  const pipeline = compiled(`
    defaults: { timeout: 1h30m, retry: 2 }
    jobs:
      build:
        timeout: 90s
        retry: { max: 3, backoff: fixed, delay: 500ms }
        steps: [{ run: b, timeout: 10m }]
  `);
  assert.deepEqual(pipeline.defaults, { timeoutMs: 5_400_000, retry: { max: 2, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000 } });
  const build = pipeline.jobs[0];
  assert.equal(build?.timeoutMs, 90_000);
  assert.deepEqual(build?.retry, { max: 3, backoff: 'fixed', delayMs: 500, maxDelayMs: 60_000 });
  assert.equal(build?.steps[0]?.timeoutMs, 600_000);
});

test('a matrix keeps its axes, include and exclude as plain values', () => {
  const pipeline = compiled(`
    jobs:
      test:
        matrix:
          os: [linux, mac]
          node: [20, 22]
          include: [{ os: linux, node: 24, experimental: true }]
          exclude: [{ os: mac, node: 20 }]
        fail-fast: false
        max-parallel: 2
        steps: [{ run: t }]
  `);
  const job = pipeline.jobs[0];
  assert.deepEqual(job?.matrix, {
    axes: { os: ['linux', 'mac'], node: [20, 22] },
    include: [{ os: 'linux', node: 24, experimental: true }],
    exclude: [{ os: 'mac', node: 20 }],
  });
  assert.equal(job?.failFast, false);
  assert.equal(job?.maxParallel, 2);
});

test('a whole matrix or one axis may be an expression evaluated later', () => {
  const pipeline = compiled(`
    jobs:
      plan: { outputs: { targets: "\${{ steps.p.outputs.t }}" }, steps: [{ id: p, run: p }] }
      all: { needs: plan, matrix: "\${{ fromJSON(needs.plan.outputs.targets) }}", steps: [{ run: a }] }
      one: { needs: plan, matrix: { target: "\${{ fromJSON(needs.plan.outputs.targets) }}" }, steps: [{ run: o }] }
  `);
  assert.equal(pipeline.jobs[1]?.matrix?.axes, '${{ fromJSON(needs.plan.outputs.targets) }}');
  assert.deepEqual(pipeline.jobs[2]?.matrix?.axes, { target: '${{ fromJSON(needs.plan.outputs.targets) }}' });
});

test('rollback steps, artifacts, cache and runner keys are kept on the job', () => {
  const pipeline = compiled(`
    jobs:
      deploy:
        continue-on-error: true
        runs-on: [linux, x64]
        image: node:20
        artifacts: { paths: [dist/**] }
        cache: { key: "deps-\${{ hashFiles('package-lock.json') }}", paths: node_modules, restore-keys: [deps-] }
        steps: [{ run: ./deploy.sh }]
        rollback:
          - name: Undo
            run: ./undo.sh
  `);
  const job = pipeline.jobs[0];
  assert.equal(job?.continueOnError, true);
  assert.deepEqual(job?.runsOn, ['linux', 'x64']);
  assert.equal(job?.image, 'node:20');
  assert.deepEqual(job?.artifacts, { paths: ['dist/**'], when: 'on_success' });
  assert.deepEqual(job?.cache, { key: "deps-${{ hashFiles('package-lock.json') }}", paths: ['node_modules'], restoreKeys: ['deps-'] });
  assert.deepEqual(job?.rollback.map((step) => [step.index, step.name, step.run]), [[0, 'Undo', './undo.sh']]);
});

test('YAML anchors and merge keys can share settings between jobs', () => {
  const pipeline = compiled(`
    x-defaults: &defaults
      timeout: 5m
      env: { CI: "1" }
    jobs:
      a: { <<: *defaults, steps: [{ run: a }] }
      b: { <<: *defaults, timeout: 1m, steps: [{ run: b }] }
  `);
  assert.deepEqual(pipeline.jobs.map((job) => [job.timeoutMs, job.env]), [[300_000, { CI: '1' }], [60_000, { CI: '1' }]]);
});

test('no pipeline is returned when there is an error, but warnings alone allow one', () => {
  assert.equal(compilePipeline('jobs:\n  a:\n    steps: []\n', 'p.yml').pipeline, undefined);
  const warned = compilePipeline('jobs:\n  a: { steps: [{ run: a }] }\n  b: { needs: [a, a], steps: [{ run: b }] }\n', 'p.yml');
  assert.deepEqual(warned.diagnostics.map((d) => d.severity), ['warning']);
  assert.deepEqual(warned.pipeline?.jobs[1]?.needs, ['a']);
});
