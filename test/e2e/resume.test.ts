import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, isAlive, killLeftover, runCli, startCli, waitForFile, waitUntilGone, workdir } from './support/cli.js';
import { parseSummary } from './support/summary-table.js';

/** `b` sleeps on its first run (so the CLI can be killed under it) and finishes when resumed. */
const PIPELINE = `
  jobs:
    a:
      steps: [{ run: echo a >> a.log }]
    b:
      needs: a
      steps:
        - run: |
            if [ -f resumed ]; then echo done; exit 0; fi
            touch resumed
            sleep 30 &
            echo $! > sleep.pid
            echo $$ > b.pid
            wait
`;

/** Starts the run and SIGKILLs the CLI while `b` sleeps, as a crash or `kill -9` would. */
async function killedWhileBRuns(): Promise<{ dir: string; leftovers: number[] }> {
  const dir = workdir({ 'ci.yml': PIPELINE });
  const cli = startCli(['run', 'ci.yml'], { cwd: dir });
  const leftovers = [Number(await waitForFile(join(dir, 'sleep.pid'))), Number(await waitForFile(join(dir, 'b.pid')))];
  cli.child.kill('SIGKILL');
  const killed = await cli.exited;
  assert.equal(killed.signal, 'SIGKILL');
  return { dir, leftovers };
}

test('resume after the CLI was SIGKILLed finishes the run without running finished jobs again', async () => {
  const { dir, leftovers } = await killedWhileBRuns();
  try {
    const result = await runCli(['resume'], { cwd: dir });
    assertExit(result, 0);
    assert.equal(readFileSync(join(dir, 'a.log'), 'utf8'), 'a\n', 'job a ran again');
    const b = parseSummary(result.stdout).find((row) => row.job === 'b');
    assert.equal(b?.status, 'success');
  } finally {
    leftovers.forEach(killLeftover);
  }
});

test('resume first kills the process group and removes the scratch files a SIGKILLed CLI left', async () => {
  const { dir, leftovers } = await killedWhileBRuns();
  try {
    for (const pid of leftovers) assert.ok(isAlive(pid), `process ${pid} died with the CLI; this test needs it alive`);
    assert.notDeepEqual(readdirSync(join(dir, '.deploylite', 'tmp')), [], 'the killed CLI left no scratch directory');
    assertExit(await runCli(['resume'], { cwd: dir }), 0);
    // Generous: on a loaded machine a killed process can take a while to be reaped.
    for (const pid of leftovers) assert.ok(await waitUntilGone(pid, 10_000), `leftover process ${pid} of job b is still running`);
    assert.deepEqual(readdirSync(join(dir, '.deploylite', 'tmp')), [], 'scratch directories of the killed run are left');
  } finally {
    leftovers.forEach(killLeftover);
  }
});

test('a resumed run keeps its id: `runs` shows one run, succeeded', async () => {
  const { dir, leftovers } = await killedWhileBRuns();
  try {
    assertExit(await runCli(['resume'], { cwd: dir }), 0);
    const runs = await runCli(['runs'], { cwd: dir });
    assertExit(runs, 0);
    const rows = runs.stdout.split('\n').filter((line) => /^\d+\s/.test(line));
    assert.equal(rows.length, 1, runs.stdout);
    assert.match(rows[0] ?? '', /\bsuccess\b/);
  } finally {
    leftovers.forEach(killLeftover);
  }
});
