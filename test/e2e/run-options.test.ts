import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, assertNoStackTrace, runCli, workdir } from './support/cli.js';
import { parseSummary } from './support/summary-table.js';

const CHAIN = `
  jobs:
    build: { steps: [{ run: touch build-ran }] }
    deploy: { needs: build, steps: [{ run: touch deploy-ran }] }
    lint: { steps: [{ run: touch lint-ran }] }
`;

test('--job runs that job and the jobs it needs, nothing else', async () => {
  const dir = workdir({ 'ci.yml': CHAIN });
  const result = await runCli(['run', 'ci.yml', '--job', 'deploy'], { cwd: dir });
  assertExit(result, 0);
  assert.deepEqual(parseSummary(result.stdout).map((row) => row.job), ['build', 'deploy']);
  assert.ok(existsSync(join(dir, 'build-ran')) && existsSync(join(dir, 'deploy-ran')));
  assert.equal(existsSync(join(dir, 'lint-ran')), false);
});

test('--job with an unknown id exits 2 naming the available jobs and runs nothing', async () => {
  const dir = workdir({ 'ci.yml': CHAIN });
  const result = await runCli(['run', 'ci.yml', '--job', 'missing'], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /missing/);
  assert.match(result.stderr, /build.*deploy.*lint/);
  assert.equal(existsSync(join(dir, 'build-ran')), false);
  assertNoStackTrace(result);
});

/** Three independent jobs that record when they ran, in nanoseconds. */
const TIMED = `
  jobs:
    one: { steps: [{ run: 'date +%s%N > $DEPLOYLITE_JOB.start; sleep 0.3; date +%s%N > $DEPLOYLITE_JOB.end' }] }
    two: { steps: [{ run: 'date +%s%N > $DEPLOYLITE_JOB.start; sleep 0.3; date +%s%N > $DEPLOYLITE_JOB.end' }] }
    three: { steps: [{ run: 'date +%s%N > $DEPLOYLITE_JOB.start; sleep 0.3; date +%s%N > $DEPLOYLITE_JOB.end' }] }
`;

/** Whether any two of the jobs' [start, end] intervals overlapped. */
function overlapped(dir: string): boolean {
  const at = (file: string) => BigInt(readFileSync(join(dir, file), 'utf8').trim());
  const spans = ['one', 'two', 'three'].map((job) => [at(`${job}.start`), at(`${job}.end`)] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1));
  return spans.some((span, i) => i > 0 && span[0] < (spans[i - 1] as readonly [bigint, bigint])[1]);
}

test('--parallel 1 runs the jobs one at a time', async () => {
  const dir = workdir({ 'ci.yml': TIMED });
  assertExit(await runCli(['run', 'ci.yml', '--parallel', '1'], { cwd: dir }), 0);
  assert.equal(overlapped(dir), false);
});

test('independent jobs run at the same time by default', async () => {
  const dir = workdir({ 'ci.yml': TIMED });
  assertExit(await runCli(['run', 'ci.yml'], { cwd: dir }), 0);
  assert.equal(overlapped(dir), true);
});

test('--var NAME=VALUE is available as ${{ vars.NAME }}', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        deploy: { steps: [{ run: 'echo "target=\${{ vars.TARGET }}" > var.txt' }] }
    `,
  });
  assertExit(await runCli(['run', 'ci.yml', '--var', 'TARGET=staging'], { cwd: dir }), 0);
  assert.equal(readFileSync(join(dir, 'var.txt'), 'utf8'), 'target=staging\n');
});

test('runs-on prints a notice that local runs ignore it, while artifacts and cache are kept, and the job still runs', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        build:
          runs-on: ubuntu-latest
          artifacts: { paths: [dist/**] }
          cache: { key: deps, paths: [node_modules] }
          steps: [{ run: mkdir -p dist node_modules && touch dist/app built node_modules/dep }]
    `,
  });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(result, 0);
  assert.match(result.stderr, /^ci\.yml:[23]:\d+: .*runs-on ignored/m);
  assert.doesNotMatch(result.stderr, /artifacts|cache/);
  assert.match(result.stdout, /cache saved: deps/);
  assert.match(result.stdout, /artifact build: 1 file/);
  assert.ok(existsSync(join(dir, 'built')));
});

test('a job with image: on the local executor is refused before anything runs, naming the job and its line', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        prepare:
          steps: [{ run: touch prepared }]
        build:
          image: alpine
          steps: [{ run: touch built }]
    `,
  });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /^ci\.yml:4:3: job "build" sets image: "alpine" but the runner uses the local executor; image needs --executor docker or kubernetes$/m);
  assert.equal(existsSync(join(dir, 'prepared')), false);
});

test('an unknown executor is a usage error that lists the known ones', async () => {
  const dir = workdir({ 'ci.yml': CHAIN });
  const unknown = await runCli(['run', 'ci.yml', '--executor', 'vm'], { cwd: dir });
  assertExit(unknown, 2);
  assert.match(unknown.stderr, /--executor expects local, sandbox, docker, kubernetes, got "vm"/);
  assertNoStackTrace(unknown);
});

test('bad command lines exit 2 with a message naming the problem and no stack trace', async () => {
  const dir = workdir({ 'ci.yml': CHAIN });
  const cases: [string[], RegExp][] = [
    [['run', 'ci.yml', '--parallel', 'zero'], /--parallel/],
    [['run', 'ci.yml', '--var', 'no-equals-sign'], /--var/],
    [['run', 'ci.yml', '--secret', 'NOVALUE'], /--secret/],
    [['run', 'ci.yml', '--kill-grace', 'soon'], /--kill-grace/],
    [['run', 'ci.yml', '--secrets-file', 'absent.env'], /absent\.env: no such file/],
    [['run', 'ci.yml', '--report', 'no-dir/report.json'], /--report no-dir\/report\.json/],
    [['run', 'ci.yml', '--no-such-flag'], /no-such-flag/],
    [['frobnicate'], /frobnicate/],
    [['run'], /file/],
    [['resume'], /no runs/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args, { cwd: dir });
    assert.equal(result.code, 2, `deploylite ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
    assert.match(result.stderr, message, `deploylite ${args.join(' ')}`);
    assertNoStackTrace(result);
  }
  assert.equal(existsSync(join(dir, 'build-ran')), false, 'a bad command line ran a job');
});
