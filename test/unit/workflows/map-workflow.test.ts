import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pipeline } from '../../../src/pipeline/index.js';
import { compileWorkflow } from '../../../src/workflows/index.js';
import { dedent } from '../../support/dedent.js';

const FILE = '.github/workflows/ci.yml';

async function compile(yaml: string): Promise<Pipeline> {
  const result = await compileWorkflow(dedent(yaml), FILE);
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.ok(result.pipeline);
  return result.pipeline;
}

/** Error diagnostics as `LINE:COL code message`. */
async function errors(yaml: string): Promise<string[]> {
  const result = await compileWorkflow(dedent(yaml), FILE);
  assert.equal(result.pipeline, undefined);
  return result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
}

const job = (pipeline: Pipeline, id: string) => {
  const found = pipeline.jobs.find((j) => j.id === id);
  assert.ok(found, `no job ${id}`);
  return found;
};

test('jobs keep needs, if, env, outputs and name; the workflow keeps its name and env', async () => {
  const pipeline = await compile(`
    name: CI
    on: push
    env: { LEVEL: top }
    jobs:
      build:
        runs-on: ubuntu-latest
        outputs: { v: '\${{ steps.s.outputs.v }}' }
        steps: [{ id: s, run: echo }]
      deploy:
        name: Deploy \${{ github.ref_name }}
        needs: build
        if: github.ref == 'refs/heads/main'
        env: { TARGET: prod }
        runs-on: ubuntu-latest
        steps: [{ run: echo }]
  `);
  assert.equal(pipeline.name, 'CI');
  assert.deepEqual(pipeline.env, { LEVEL: 'top' });
  assert.deepEqual(job(pipeline, 'build').outputs, { v: '${{ steps.s.outputs.v }}' });
  const deploy = job(pipeline, 'deploy');
  assert.deepEqual(deploy.needs, ['build']);
  assert.equal(deploy.if, "github.ref == 'refs/heads/main'");
  assert.deepEqual(deploy.env, { TARGET: 'prod', GITHUB_JOB: 'deploy' });
  assert.equal(deploy.name, 'Deploy ${{ github.ref_name }}');
});

test('every job gets GITHUB_JOB, its id, as on GitHub; its own env cannot replace it', async () => {
  const pipeline = await compile(`
    on: push
    jobs:
      lint:
        runs-on: ubuntu-latest
        env: { GITHUB_JOB: mine, KEEP: yes }
        steps: [{ run: echo }]
      test:
        name: Unit tests
        runs-on: ubuntu-latest
        strategy: { matrix: { node: [18, 20] } }
        steps: [{ run: echo }]
  `);
  assert.deepEqual(job(pipeline, 'lint').env, { GITHUB_JOB: 'lint', KEEP: 'yes' });
  assert.deepEqual(job(pipeline, 'test').env, { GITHUB_JOB: 'test' });
});

test('an unnamed workflow is named after its path, as GitHub shows it', async () => {
  const pipeline = await compile(`
    on: push
    jobs: { a: { runs-on: x, steps: [{ run: echo }] } }
  `);
  assert.equal(pipeline.name, FILE);
});

test('if: ${{ }} is stored without its wrapper', async () => {
  const pipeline = await compile(`
    on: push
    jobs:
      a: { runs-on: x, if: '\${{ always() }}', steps: [{ run: echo, if: '\${{ failure() }}' }] }
  `);
  assert.equal(job(pipeline, 'a').if, 'always()');
  assert.equal(job(pipeline, 'a').steps[0]?.if, 'failure()');
});

test('step fields map one to one; timeout-minutes becomes milliseconds', async () => {
  const pipeline = await compile(`
    on: push
    jobs:
      a:
        runs-on: x
        timeout-minutes: 5
        steps:
          - id: one
            name: First
            run: make \${{ matrix.x }}
            env: { A: '1' }
            shell: python
            working-directory: src
            continue-on-error: true
            timeout-minutes: 0.5
  `);
  const a = job(pipeline, 'a');
  assert.equal(a.timeoutMs, 300_000);
  assert.deepEqual(
    { ...a.steps[0], position: undefined },
    {
      index: 0, id: 'one', name: 'First', run: 'make ${{ matrix.x }}', env: { A: '1' }, shell: 'python',
      workingDirectory: 'src', continueOnError: true, timeoutMs: 30_000, with: {}, workflowCommands: true, position: undefined,
    },
  );
});

test('templates reach the engine as written, also quoted, folded and block scalars (heredocs keep working)', async () => {
  const pipeline = await compile(`
    on: push
    jobs:
      a:
        runs-on: x
        steps:
          - run: "echo '\${{ github.sha }}' {x} \${{ matrix.a }}!"
          - run: >-
              folded \${{ github.sha }}
              line
          - run: |
              cat <<EOF
              \${{ github.ref }}
              EOF
          - run: \${{ github.ref }}
  `);
  assert.deepEqual(job(pipeline, 'a').steps.map((step) => step.run), [
    "echo '${{ github.sha }}' {x} ${{ matrix.a }}!",
    'folded ${{ github.sha }} line',
    'cat <<EOF\n${{ github.ref }}\nEOF\n',
    '${{ github.ref }}',
  ]);
});

test('a job without timeout-minutes gets GitHub\'s 360 minutes', async () => {
  const pipeline = await compile(`
    on: push
    jobs: { a: { runs-on: x, steps: [{ run: echo }] } }
  `);
  assert.equal(job(pipeline, 'a').timeoutMs, 360 * 60_000);
});

test('defaults.run: the step beats the job, the job beats the workflow; no shell means bash -e', async () => {
  const pipeline = await compile(`
    on: push
    defaults: { run: { shell: sh, working-directory: top } }
    jobs:
      a:
        runs-on: x
        defaults: { run: { working-directory: job } }
        steps:
          - run: echo
          - run: echo
            shell: bash
            working-directory: step
      b:
        runs-on: x
        steps: [{ run: echo }]
  `);
  const [first, second] = job(pipeline, 'a').steps;
  assert.deepEqual([first?.shell, first?.workingDirectory], ['sh', 'job']);
  assert.deepEqual([second?.shell, second?.workingDirectory], ['bash', 'step']);
  const plain = await compile(`
    on: push
    jobs: { b: { runs-on: x, steps: [{ run: echo }] } }
  `);
  assert.equal(job(plain, 'b').steps[0]?.shell, 'bash -e {0}');
  assert.equal(job(plain, 'b').steps[0]?.workingDirectory, undefined);
});

test('strategy maps to the matrix with include, exclude, fail-fast and max-parallel', async () => {
  const pipeline = await compile(`
    on: push
    jobs:
      a:
        runs-on: \${{ matrix.os }}
        strategy:
          fail-fast: false
          max-parallel: 2
          matrix:
            os: [ubuntu-latest, windows-latest]
            node: [18, 20]
            exclude: [{ os: windows-latest, node: 18 }]
            include: [{ os: ubuntu-latest, experimental: true }]
        steps: [{ run: echo }]
  `);
  const a = job(pipeline, 'a');
  assert.deepEqual(a.matrix, {
    axes: { os: ['ubuntu-latest', 'windows-latest'], node: [18, 20] },
    include: [{ os: 'ubuntu-latest', experimental: true }],
    exclude: [{ os: 'windows-latest', node: 18 }],
  });
  assert.equal(a.failFast, false);
  assert.equal(a.maxParallel, 2);
  assert.deepEqual(a.runsOn, ['${{ matrix.os }}']);
});

test('a matrix from an expression is kept for the engine to evaluate when the job is ready', async () => {
  const pipeline = await compile(`
    on: push
    jobs:
      plan: { runs-on: x, outputs: { m: '\${{ steps.p.outputs.m }}' }, steps: [{ id: p, run: echo }] }
      a:
        needs: plan
        runs-on: x
        strategy:
          matrix: \${{ fromJSON(needs.plan.outputs.m) }}
        steps: [{ run: echo }]
  `);
  assert.deepEqual(job(pipeline, 'a').matrix, { axes: '${{ fromJSON(needs.plan.outputs.m) }}', include: [], exclude: [] });
});

test('runs-on as a list or a group with labels becomes runner labels', async () => {
  const pipeline = await compile(`
    on: push
    jobs:
      a: { runs-on: [self-hosted, linux], steps: [{ run: echo }] }
      b: { runs-on: { group: big, labels: [gpu] }, steps: [{ run: echo }] }
  `);
  assert.deepEqual(job(pipeline, 'a').runsOn, ['self-hosted', 'linux']);
  assert.deepEqual(job(pipeline, 'b').runsOn, ['group:big', 'gpu']);
});

test('workflow concurrency keeps its group template and cancel-in-progress', async () => {
  const pipeline = await compile(`
    on: push
    concurrency: { group: 'ci-\${{ github.ref }}', cancel-in-progress: true }
    jobs: { a: { runs-on: x, steps: [{ run: echo }] } }
  `);
  assert.deepEqual(pipeline.concurrency, { group: 'ci-${{ github.ref }}', cancelInProgress: true });
});

test('on: maps push and pull_request filters, schedules and workflow_dispatch; branches-ignore negates', async () => {
  const pipeline = await compile(`
    on:
      push: { branches-ignore: [wip/**], tags: [v*] }
      pull_request: { branches: [main], types: [opened, labeled] }
      schedule: [{ cron: '0 3 * * *' }]
      workflow_dispatch:
    jobs: { a: { runs-on: x, steps: [{ run: echo }] } }
  `);
  assert.deepEqual(pipeline.triggers.push, { branches: ['**', '!wip/**'], tags: ['v*'] });
  assert.deepEqual(pipeline.triggers.pullRequest, { branches: ['main'], types: ['opened'] });
  assert.deepEqual(pipeline.triggers.schedule.map((s) => s.cron), ['0 3 * * *']);
  assert.equal(pipeline.triggers.manual, true);
});

test('actions/checkout is the local checkout; an input that would change it is unsupported', async () => {
  const pipeline = await compile(`
    on: push
    jobs: { a: { runs-on: x, steps: [{ uses: actions/checkout@v4, with: { fetch-depth: 0 } }] } }
  `);
  assert.equal(job(pipeline, 'a').steps[0]?.uses, 'deploylite/checkout');
  assert.equal(job(pipeline, 'a').steps[0]?.name, 'Run actions/checkout@v4');
  assert.deepEqual(
    await errors(`
      on: push
      jobs:
        a:
          runs-on: x
          steps:
            - uses: actions/checkout@v4
              with:
                repository: other/repo
    `),
    ['8:11 workflow.unsupported actions/checkout input "repository" is not supported by DeployLite yet: the run works in the current checkout as it is'],
  );
});

test('reusable workflows and other actions stop validation, each at its line', async () => {
  const found = await errors(`
    on: push
    jobs:
      a:
        runs-on: x
        steps:
          - uses: actions/setup-go@v5
      b:
        uses: ./.github/workflows/other.yml
  `);
  assert.deepEqual(found.map((e) => e.split(' DeployLite')[0]), [
    '6:15 workflow.unsupported uses: actions/setup-go@v5 is not supported by',
    '8:5 workflow.unsupported jobs.b.uses is not supported by',
  ]);
});

test('an expression inside a matrix axis or include is unsupported rather than kept as text', async () => {
  const found = await errors(`
    on: push
    jobs:
      a:
        runs-on: x
        strategy:
          matrix:
            sha: [a, '\${{ github.sha }}']
            cfg:
              - env:
                  \${{ insert }}: { k: v }
            include: [{ sha: '\${{ github.sha }}' }]
        steps: [{ run: echo }]
  `);
  assert.deepEqual(found.map((e) => e.split(' is not supported')[0]), [
    '7:14 workflow.unsupported an expression inside matrix axis "sha"',
    '9:11 workflow.unsupported an expression inside matrix axis "cfg"',
    '11:18 workflow.unsupported an expression inside matrix "include"',
  ]);
  // A whole axis from an expression is still the engine's to evaluate.
  const pipeline = await compile(`
    on: push
    jobs:
      a:
        runs-on: x
        strategy: { matrix: { sha: '\${{ fromJSON(vars.SHAS) }}' } }
        steps: [{ run: echo }]
  `);
  assert.deepEqual(job(pipeline, 'a').matrix?.axes, { sha: '${{ fromJSON(vars.SHAS) }}' });
});

test('expressions where the engine needs a value before the run are unsupported, not ignored', async () => {
  const found = await errors(`
    on: push
    jobs:
      a:
        runs-on: x
        continue-on-error: \${{ matrix.experimental }}
        steps: [{ run: echo, timeout-minutes: '\${{ matrix.minutes }}' }]
  `);
  assert.equal(found.length, 2);
  assert.match(found[0] as string, /^5:24 workflow\.unsupported an expression in "continue-on-error"/);
  assert.match(found[1] as string, /^6:44 workflow\.unsupported an expression in "timeout-minutes"/);
});

test('GitHub\'s parser errors keep GitHub\'s text, line and column', async () => {
  assert.deepEqual(
    await errors(`
      on: push
      jobs:
        a:
          runs-on: x
          steps: [{ run: echo }]
        b:
          runs-on: x
          needs: [a, missing]
          steps: [{ run: echo }]
    `),
    ["8:16 workflow.invalid Job 'b' depends on unknown job 'missing'."],
  );
});

test('a job-level concurrency is a warning: one local run has nothing to queue behind', async () => {
  const result = await compileWorkflow(dedent(`
    on: push
    jobs: { a: { runs-on: x, concurrency: deploy, steps: [{ run: echo }] } }
  `), FILE);
  assert.ok(result.pipeline);
  assert.deepEqual(result.diagnostics.map((d) => [d.severity, d.code]), [['warning', 'workflow.ignored']]);
});

test('workflow_dispatch inputs are facts for the inputs context', async () => {
  const result = await compileWorkflow(dedent(`
    on:
      workflow_dispatch:
        inputs:
          level: { type: choice, options: [a, b], default: a }
          force: { type: boolean, required: true }
    jobs: { a: { runs-on: x, steps: [{ run: echo }] } }
  `), FILE);
  assert.deepEqual(result.facts?.events, ['workflow_dispatch']);
  assert.deepEqual(result.facts?.dispatchInputs, {
    level: { type: 'choice', required: false, default: 'a', options: ['a', 'b'] },
    force: { type: 'boolean', required: true },
  });
});
