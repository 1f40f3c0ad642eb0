// GitHub Actions workflow files run by `deploylite run` and checked by `deploylite validate`
// (the built CLI as a child process), with GitHub's semantics for the features supported.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, assertNoStackTrace, readOr, runCli, workdir } from './support/cli.js';
import { parseSummary } from './support/summary-table.js';

const WORKFLOW = '.github/workflows/ci.yml';
const statuses = (stdout: string) => Object.fromEntries(parseSummary(stdout).map((row) => [row.job, row.status]));

test('jobs run in needs order, a matrix expands, and outputs reach later jobs through needs.<id>.outputs', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        plan:
          runs-on: ubuntu-latest
          outputs:
            target: \${{ steps.pick.outputs.target }}
          steps:
            - id: pick
              run: echo "target=staging" >> "$GITHUB_OUTPUT"
        build:
          needs: plan
          runs-on: \${{ matrix.os }}
          strategy:
            matrix:
              os: [ubuntu-latest]
              node: [18, 20, 22]
              exclude:
                - node: 18
              include:
                - node: 22
                  extra: lts
          steps:
            - run: echo "\${{ matrix.node }}-\${{ matrix.extra }}" >> built.txt
        deploy:
          needs: [plan, build]
          runs-on: ubuntu-latest
          steps:
            - run: echo "deploying to \${{ needs.plan.outputs.target }}" > deploy.txt
    `,
  });
  const result = await runCli(['run', WORKFLOW], { cwd: dir });
  assertExit(result, 0);
  assert.deepEqual(readFileSync(join(dir, 'built.txt'), 'utf8').trim().split('\n').sort(), ['20-', '22-lts']);
  assert.equal(readFileSync(join(dir, 'deploy.txt'), 'utf8').trim(), 'deploying to staging');
});

test('after a failed job, its dependents are skipped but if: failure() and if: always() jobs run', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        test:
          runs-on: ubuntu-latest
          steps:
            - run: exit 3
        deploy:
          needs: test
          runs-on: ubuntu-latest
          steps:
            - run: touch deployed
        notify:
          needs: test
          if: failure()
          runs-on: ubuntu-latest
          steps:
            - run: echo "test was \${{ needs.test.result }}" > notify.txt
        cleanup:
          needs: [test, deploy]
          if: \${{ always() }}
          runs-on: ubuntu-latest
          steps:
            - run: touch cleaned
    `,
  });
  const result = await runCli(['run', WORKFLOW], { cwd: dir });
  assertExit(result, 1);
  assert.deepEqual(statuses(result.stdout), { test: 'failed', deploy: 'skipped', notify: 'success', cleanup: 'success' });
  assert.equal(readOr(join(dir, 'notify.txt')).trim(), 'test was failure');
  assert.equal(readOr(join(dir, 'deployed'), 'absent'), 'absent');
});

test('GITHUB_ENV, GITHUB_PATH and GITHUB_OUTPUT written by a step reach the following steps', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          steps:
            - id: first
              run: |
                mkdir -p tools && printf '#!/bin/sh\\necho tool-ran\\n' > tools/mytool && chmod +x tools/mytool
                echo "GREETING=hello" >> "$GITHUB_ENV"
                echo "$PWD/tools" >> "$GITHUB_PATH"
                echo "answer=42" >> "$GITHUB_OUTPUT"
            - run: echo "$GREETING \${{ env.GREETING }} \${{ steps.first.outputs.answer }} $(mytool)" > out.txt
    `,
  });
  const result = await runCli(['run', WORKFLOW], { cwd: dir });
  assertExit(result, 0);
  assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8').trim(), 'hello hello 42 tool-ran');
});

test('a step with continue-on-error fails without failing the job; its outcome and conclusion differ', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          steps:
            - id: flaky
              run: exit 1
              continue-on-error: true
            - run: echo "\${{ steps.flaky.outcome }}/\${{ steps.flaky.conclusion }}" > result.txt
    `,
  });
  const result = await runCli(['run', WORKFLOW], { cwd: dir });
  assertExit(result, 0);
  assert.equal(readFileSync(join(dir, 'result.txt'), 'utf8').trim(), 'failure/success');
});

test('defaults.run sets the shell and working directory of run steps; a step overrides them', async () => {
  const dir = workdir({
    'sub/.keep': '',
    [WORKFLOW]: `
      on: push
      defaults:
        run:
          working-directory: sub
      jobs:
        build:
          runs-on: ubuntu-latest
          defaults:
            run:
              shell: sh
          steps:
            - run: echo "\${BASH_VERSION:-no-bash}" > shell.txt
            - run: pwd > where.txt
              working-directory: .
    `,
  });
  const result = await runCli(['run', WORKFLOW], { cwd: dir });
  assertExit(result, 0);
  assert.equal(readFileSync(join(dir, 'sub', 'shell.txt'), 'utf8').trim(), 'no-bash');
  assert.equal(readFileSync(join(dir, 'where.txt'), 'utf8').trim(), dir);
});

test('a step without a shell runs in bash -e without pipefail, as on GitHub; shell: bash adds pipefail', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        default-shell:
          runs-on: ubuntu-latest
          steps:
            - run: false | true; echo "$BASH_VERSION" > default.txt
        bash-shell:
          runs-on: ubuntu-latest
          steps:
            - run: false | true
              shell: bash
    `,
  });
  const result = await runCli(['run', WORKFLOW], { cwd: dir });
  assert.deepEqual(statuses(result.stdout), { 'default-shell': 'success', 'bash-shell': 'failed' });
  assert.notEqual(readOr(join(dir, 'default.txt')).trim(), '');
});

test('the github context, default variables and inputs come from the checkout, --event and --input', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on:
        workflow_dispatch:
          inputs:
            level: { type: choice, options: [low, high], default: low }
            dry-run: { type: boolean, default: true }
      jobs:
        show:
          runs-on: ubuntu-latest
          steps:
            - run: |
                echo "\${{ github.event_name }} \${{ github.ref }} \${{ github.ref_name }} \${{ github.repository }} \${{ github.actor }} \${{ github.sha }}" > context.txt
                echo "$GITHUB_EVENT_NAME $GITHUB_REF $GITHUB_REPOSITORY $GITHUB_SHA $GITHUB_ACTIONS $CI $RUNNER_OS $GITHUB_WORKSPACE" > env.txt
                echo "\${{ inputs.level }} \${{ inputs.dry-run }} \${{ github.event.inputs.level }} \${{ runner.os }}" > inputs.txt
                cp "$GITHUB_EVENT_PATH" event.json
    `,
  });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'octocat');
  git('config', 'user.email', 'octocat@example.com');
  git('remote', 'add', 'origin', 'https://github.com/acme/widgets.git');
  git('add', '-A');
  git('commit', '-qm', 'first');
  const sha = git('rev-parse', 'HEAD');

  const result = await runCli(['run', WORKFLOW, '--event', 'workflow_dispatch', '--input', 'level=high', '--input', 'dry-run=false'], { cwd: dir });
  assertExit(result, 0);
  assert.equal(readOr(join(dir, 'context.txt')).trim(), `workflow_dispatch refs/heads/main main acme/widgets octocat ${sha}`);
  assert.equal(readOr(join(dir, 'env.txt')).trim(), `workflow_dispatch refs/heads/main acme/widgets ${sha} true true Linux ${dir}`);
  assert.equal(readOr(join(dir, 'inputs.txt')).trim(), 'high false high Linux');
  const event = JSON.parse(readOr(join(dir, 'event.json'), '{}')) as { inputs?: unknown; sender?: { login?: string } };
  assert.deepEqual(event.inputs, { level: 'high', 'dry-run': false });
  assert.equal(event.sender?.login, 'octocat');
});

test('an input outside its choices is a usage error before anything runs', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on:
        workflow_dispatch:
          inputs:
            level: { type: choice, options: [low, high] }
      jobs:
        show:
          runs-on: ubuntu-latest
          steps:
            - run: touch ran
    `,
  });
  const result = await runCli(['run', WORKFLOW, '--event', 'workflow_dispatch', '--input', 'level=extreme'], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /input "level" must be one of: low, high/);
  assert.equal(readOr(join(dir, 'ran'), 'absent'), 'absent');
  assertNoStackTrace(result);
});

test('what steps write to GITHUB_STEP_SUMMARY is printed when the run ends, secrets masked, and RUNNER_TEMP removed', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        report:
          runs-on: ubuntu-latest
          steps:
            - run: echo "### Coverage 93%" >> "$GITHUB_STEP_SUMMARY"
            - run: echo "deployed with \${{ secrets.DEPLOY_TOKEN }}" >> "$GITHUB_STEP_SUMMARY"
            - run: echo "$RUNNER_TEMP" > runner-temp.txt
    `,
  });
  const result = await runCli(['run', WORKFLOW, '--secret', 'DEPLOY_TOKEN=tok-8c41f'], { cwd: dir });
  assertExit(result, 0);
  assert.match(result.stdout, /step summary[^\n]*\n### Coverage 93%\ndeployed with \*\*\*/);
  assert.doesNotMatch(result.stdout, /tok-8c41f/, 'a secret in the summary is masked');
  const runnerTemp = readOr(join(dir, 'runner-temp.txt')).trim();
  assert.notEqual(runnerTemp, '');
  assert.equal(existsSync(runnerTemp), false, 'RUNNER_TEMP is removed when the run ends');
});

test('validate reports an unknown key with GitHub\'s message at its line and column, and exits 2', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          bogus: true
          steps:
            - run: echo hi
    `,
  });
  const result = await runCli(['validate', WORKFLOW], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /^\.github\/workflows\/ci\.yml:5:5: Unexpected value 'bogus'$/m);
  assertNoStackTrace(result);
});

test('an action DeployLite does not run stops validation with an error naming it and its line', async () => {
  const dir = workdir({
    'deploy.yml': `
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          steps:
            - uses: actions/checkout@v4
            - uses: docker://alpine:3.20
              with:
                args: echo hi
            - run: touch ran
    `,
  });
  // Outside .github/workflows: recognised by its `on:` and `runs-on`.
  const result = await runCli(['run', 'deploy.yml'], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /^deploy\.yml:7:15: uses: docker:\/\/alpine:3\.20 is not supported by DeployLite yet/m);
  assert.doesNotMatch(result.stderr, /^deploy\.yml:6:/m, "actions/checkout is built in");
  assert.equal(readOr(join(dir, 'ran'), 'absent'), 'absent');
});

test('validate accepts a supported workflow and counts its jobs', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      name: CI
      on: [push, pull_request]
      concurrency:
        group: ci-\${{ github.ref }}
        cancel-in-progress: true
      permissions:
        contents: read
      jobs:
        lint:
          runs-on: ubuntu-latest
          timeout-minutes: 5
          steps:
            - uses: actions/checkout@v4
            - run: echo lint
        test:
          needs: lint
          runs-on: [self-hosted, linux]
          continue-on-error: true
          strategy:
            fail-fast: false
            max-parallel: 2
            matrix:
              node: [20, 22]
          steps:
            - run: echo \${{ matrix.node }}
              timeout-minutes: 1
    `,
  });
  const result = await runCli(['validate', WORKFLOW], { cwd: dir });
  assertExit(result, 0);
  assert.match(result.stdout, /ci\.yml: ok \(2 jobs\)/);
  assert.equal(result.stderr, '');
});

test('--event is refused for a DeployLite pipeline file', async () => {
  const dir = workdir({ 'ci.yml': 'jobs:\n  build:\n    steps:\n      - run: echo hi\n' });
  const result = await runCli(['run', 'ci.yml', '--event', 'push'], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /--event and --input are for GitHub Actions workflow files/);
});
