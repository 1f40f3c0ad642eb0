import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, killLeftover, runCli, startCli, waitForFile, waitUntilGone, workdir } from './support/cli.js';

/** A step with a background child, so "the process tree is gone" means more than one process. */
const LONG_STEP = `
  jobs:
    long:
      steps:
        - run: |
            sleep 30 &
            echo $! > child.pid
            echo $$ > step.pid
            wait
    after:
      needs: long
      steps: [{ run: touch after-ran }]
`;

/** Interrupts a run while its step runs; returns the exit and the step's pids. */
async function interrupt(signal: NodeJS.Signals, pipeline: string, killGrace = '1s') {
  const dir = workdir({ 'ci.yml': pipeline });
  const cli = startCli(['run', 'ci.yml', '--kill-grace', killGrace], { cwd: dir });
  const pids: number[] = [];
  try {
    pids.push(Number(await waitForFile(join(dir, 'step.pid'))));
    if (pipeline.includes('child.pid')) pids.push(Number(await waitForFile(join(dir, 'child.pid'))));
    const sentAt = Date.now();
    cli.child.kill(signal);
    const result = await cli.exited;
    return { dir, result, pids, elapsed: Date.now() - sentAt };
  } finally {
    cli.child.kill('SIGKILL');
    for (const pid of pids) killLeftover(pid);
  }
}

async function assertGone(pids: readonly number[]): Promise<void> {
  for (const pid of pids) assert.ok(await waitUntilGone(pid, 500), `process ${pid} of the step is still running`);
}

test('SIGINT cancels the run: exit 130 within 2 s and the step\'s process tree is gone', async () => {
  const { result, pids, elapsed } = await interrupt('SIGINT', LONG_STEP);
  assertExit(result, 130);
  assert.ok(elapsed < 2000, `exited ${elapsed}ms after SIGINT`);
  await assertGone(pids);
});

test('SIGTERM cancels the run: exit 130 within 2 s and the step\'s process tree is gone', async () => {
  const { result, pids, elapsed } = await interrupt('SIGTERM', LONG_STEP);
  assertExit(result, 130);
  assert.ok(elapsed < 2000, `exited ${elapsed}ms after SIGTERM`);
  await assertGone(pids);
});

test('a cancelled run is recorded as cancelled and the jobs after it never start', async () => {
  const { dir, result } = await interrupt('SIGINT', LONG_STEP);
  assertExit(result, 130);
  const runs = await runCli(['runs'], { cwd: dir });
  assertExit(runs, 0);
  assert.match(runs.stdout, /^1\s.*\bcancelled\b/m);
  assert.match(result.stdout, /after\s+cancelled/);
  assert.equal(existsSync(join(dir, 'after-ran')), false);
});

test('a step that ignores SIGTERM is killed with SIGKILL after --kill-grace', async () => {
  const { result, pids, elapsed } = await interrupt(
    'SIGINT',
    `
    jobs:
      stubborn:
        steps:
          - run: |
              set +e  # the group's SIGTERM also kills sleep, and errexit would then end the script
              trap 'echo ignoring TERM' TERM
              echo $$ > step.pid
              while true; do sleep 0.1; done
  `,
    '300ms',
  );
  assertExit(result, 130);
  assert.ok(elapsed >= 250 && elapsed < 2000, `exited ${elapsed}ms after SIGINT with a 300ms grace`);
  await assertGone(pids);
});

test('a second Ctrl-C quits at once and kills steps that ignore SIGTERM', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        stubborn:
          steps:
            - run: |
                set +e
                trap 'echo ignoring TERM' TERM
                echo $$ > step.pid
                while true; do sleep 0.1; done
    `,
  });
  const cli = startCli(['run', 'ci.yml', '--kill-grace', '30s'], { cwd: dir });
  const pid = Number(await waitForFile(join(dir, 'step.pid')));
  try {
    const sentAt = Date.now();
    cli.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    cli.child.kill('SIGINT');
    const result = await cli.exited;
    assertExit(result, 130);
    assert.ok(Date.now() - sentAt < 2000, 'the second Ctrl-C did not quit at once');
    await assertGone([pid]);
    assert.deepEqual(readdirSync(join(dir, '.deploylite', 'tmp')), [], 'scratch files left behind');
  } finally {
    cli.child.kill('SIGKILL');
    killLeftover(pid);
  }
});
