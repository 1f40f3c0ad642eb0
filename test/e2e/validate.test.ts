import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, assertNoStackTrace, runCli, workdir } from './support/cli.js';

const BROKEN = `
  name: broken
  jobs:
    build:
      neds: test
      timeout: 5 minutes
      steps:
        - run: echo hi
    deploy:
      needs: missing
      steps:
        - run: echo "\${{ vars.TARGET == }}"
    a:
      needs: b
      steps: [{ run: echo a }]
    b:
      needs: a
      steps: [{ run: echo b }]
`;

/** The `FILE:LINE:COL: message` lines of the output, as [line, col, message]. */
function diagnostics(stderr: string, file: string): [number, number, string][] {
  const pattern = new RegExp(`^${file.replace('.', '\\.')}:(\\d+):(\\d+): (.+)$`, 'gm');
  return [...stderr.matchAll(pattern)].map((m) => [Number(m[1]), Number(m[2]), m[3] as string]);
}

test('validate reports every problem of a file as FILE:LINE:COL: message and exits 2', async () => {
  const dir = workdir({ 'broken.yml': BROKEN });
  const result = await runCli(['validate', 'broken.yml'], { cwd: dir });
  assertExit(result, 2);
  const found = diagnostics(result.stderr, 'broken.yml');
  const at = (line: number, message: RegExp) =>
    assert.ok(
      found.some(([l, , m]) => l === line && message.test(m)),
      `no diagnostic on line ${line} matching ${message} in:\n${result.stderr}`,
    );
  assert.ok(found.some(([l, c, m]) => l === 4 && c === 5 && /"neds".*"needs"/.test(m)), result.stderr);
  at(5, /duration|timeout/i);
  at(9, /missing/);
  at(11, /.+/);
  assert.ok(
    found.some(([l, , m]) => [12, 13, 15, 16].includes(l) && /cycle/i.test(m)),
    `no cycle reported on the lines of a or b in:\n${result.stderr}`,
  );
  assertNoStackTrace(result);
});

test('validate prints ok for a valid file and exits 0', async () => {
  const dir = workdir({ 'ok.yml': 'jobs:\n  build:\n    steps:\n      - run: echo hi\n' });
  const result = await runCli(['validate', 'ok.yml'], { cwd: dir });
  assertExit(result, 0);
  assert.match(result.stdout, /ok\.yml: ok/);
  assert.equal(result.stderr, '');
});

test('run of an invalid file exits 2 and runs nothing', async () => {
  const dir = workdir({
    'broken.yml': `
      jobs:
        build:
          neds: test
          steps:
            - run: touch ran
    `,
  });
  const result = await runCli(['run', 'broken.yml'], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /^broken\.yml:3:5: .*neds/m);
  assert.equal(existsSync(join(dir, 'ran')), false, 'the step ran');
  const runs = await runCli(['runs'], { cwd: dir });
  assertExit(runs, 0);
  assert.match(runs.stdout, /no runs/);
  assertNoStackTrace(result);
});

test('a YAML syntax error is reported with its position', async () => {
  const dir = workdir({
    'bad.yml': 'jobs:\n  build:\n    steps:\n      - run: echo hi\n     bad: x\n',
  });
  const result = await runCli(['validate', 'bad.yml'], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /^bad\.yml:5:\d+: \S/m);
  assertNoStackTrace(result);
});

test('a missing pipeline file gives a clear error, not a stack trace', async () => {
  const dir = workdir();
  for (const command of ['validate', 'run', 'graph']) {
    const result = await runCli([command, 'nope.yml'], { cwd: dir });
    assertExit(result, 2);
    assert.match(result.stderr, /nope\.yml.*(no such file|not found|does not exist)/i, `${command}: ${result.stderr}`);
    assertNoStackTrace(result);
  }
});
