import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { LocalExecutor } from '../../../src/executors/index.js';
import { describeExecutorConformance, withJob } from './executor-suite.js';

const local = (baseEnv: Record<string, string | undefined> = process.env) => () => new LocalExecutor({ killGraceMs: 300, baseEnv });

describeExecutorConformance('local', local());

test('the default shell is bash with pipefail: a failing command inside a pipe fails the step', () =>
  withJob(local(), async ({ run }) => {
    const step = await run('false | true; echo after');
    assert.deepEqual([step.outcome.exitCode, step.stdout], [1, []]);
  }));

test("the host's environment is the base of every step's environment, and step env wins", () =>
  withJob(local({ PATH: process.env.PATH, FROM_HOST: 'host', SHARED: 'host' }), async ({ run }) => {
    const step = await run('echo "$FROM_HOST $SHARED"', { env: { SHARED: 'step' } });
    assert.deepEqual(step.stdout, ['host step']);
  }));

test('without bash on PATH the default shell is sh -e, and shell bash is an error', async () => {
  const bin = await mkdtemp(join(tmpdir(), 'no-bash-'));
  await symlink(await realpath('/bin/sh'), join(bin, 'sh'));
  await withJob(local({ PATH: bin }), async ({ run }) => {
    const step = await run('echo "${BASH_VERSION:-no bash}"; false; echo after');
    assert.deepEqual([step.outcome.exitCode, step.stdout], [1, ['no bash']]);
    assert.equal((await run('true', { shell: 'bash' })).outcome.error, 'shell "bash" not found');
  });
  await rm(bin, { recursive: true });
});

test('shell python falls back to `python` when there is no python3', async () => {
  const bin = await mkdtemp(join(tmpdir(), 'no-python3-'));
  // The interpreter itself: python3 on PATH may be a wrapper script (pyenv) that needs more of PATH.
  const python3 = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  await symlink(python3, join(bin, 'python'));
  await withJob(local({ PATH: bin }), async ({ run }) => {
    assert.deepEqual((await run('print("fallback")', { shell: 'python' })).stdout, ['fallback']);
  });
  await rm(bin, { recursive: true });
});

test('onStart reports the pid of the process group leading the step', () =>
  withJob(local(), async ({ run }) => {
    const step = await run('ps -o pgid= -p $$');
    assert.equal(step.pids.length, 1);
    assert.equal(Number(step.stdout[0]), step.pids[0]);
  }));

test('a background process of a timed-out step is killed with it', () =>
  withJob(local(), async ({ run }) => {
    const step = await run('sleep 100 & echo $!; sleep 30', { timeoutMs: 200 });
    assert.equal(step.outcome.timedOut, true);
    assert.equal(await goneWithin(Number(step.stdout[0]), 1000), true);
  }));

test('a step that ends on its own returns without waiting for its background processes, which the job end kills', async () => {
  let pid = 0;
  await withJob(local(), async ({ run }) => {
    const started = Date.now();
    const step = await run('sleep 100 & echo $!');
    pid = Number(step.stdout[0]);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal(await isRunning(pid), true);
  });
  await delay(50);
  assert.equal(await isRunning(pid), false);
});

test('a line longer than 64 KiB is delivered in pieces of at most 64 KiB', () =>
  withJob(local(), async ({ run }) => {
    const step = await run("head -c 150000 /dev/zero | tr '\\0' x; echo; echo next");
    assert.deepEqual(step.stdout.map((line) => line.length), [65536, 65536, 150000 - 2 * 65536, 4]);
  }));

/** Alive and not a zombie: an orphaned zombie may wait for a reaper that this container does not have. */
/** Signals are delivered asynchronously: a killed process may take a moment to die. */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (await isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await delay(10);
  }
  return true;
}

async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
