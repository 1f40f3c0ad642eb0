import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, assertNoStackTrace, runCli, workdir } from './support/cli.js';
import { runIdOf } from './support/summary-table.js';

const PIPELINE = `
  name: greet
  jobs:
    one: { steps: [{ run: echo hello from one }] }
    two: { steps: [{ run: echo hello from two }] }
`;

/** A directory with one finished run; returns the directory and the run's id. */
async function oneRun(): Promise<{ dir: string; id: string }> {
  const dir = workdir({ 'ci.yml': PIPELINE });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(result, 0);
  return { dir, id: runIdOf(result.stdout) };
}

test('runs lists the runs of this directory, newest first', async () => {
  const dir = workdir({
    'first.yml': 'name: first\njobs: { a: { steps: [{ run: "true" }] } }\n',
    'second.yml': 'name: second\njobs: { a: { steps: [{ run: "false" }] } }\n',
  });
  const first = await runCli(['run', 'first.yml'], { cwd: dir });
  const second = await runCli(['run', 'second.yml'], { cwd: dir });
  const runs = await runCli(['runs'], { cwd: dir });
  assertExit(runs, 0);
  const rows = runs.stdout.split('\n').filter((line) => /^\d+\s/.test(line));
  assert.equal(rows.length, 2, runs.stdout);
  assert.match(rows[0] ?? '', new RegExp(`^${runIdOf(second.stdout)}\\s+second\\s+failed\\b`));
  assert.match(rows[1] ?? '', new RegExp(`^${runIdOf(first.stdout)}\\s+first\\s+success\\b`));
});

test('logs RUN_ID prints the stored log of every job', async () => {
  const { dir, id } = await oneRun();
  const logs = await runCli(['logs', id], { cwd: dir });
  assertExit(logs, 0);
  assert.match(logs.stdout, /^\[one\] hello from one$/m);
  assert.match(logs.stdout, /^\[two\] hello from two$/m);
});

test('logs RUN_ID --job ID prints only that job\'s log', async () => {
  const { dir, id } = await oneRun();
  const logs = await runCli(['logs', id, '--job', 'two'], { cwd: dir });
  assertExit(logs, 0);
  assert.match(logs.stdout, /hello from two/);
  assert.doesNotMatch(logs.stdout, /hello from one|\[one\]/);
});

test('logs of an unknown run exits 2 with a clear message', async () => {
  const { dir } = await oneRun();
  for (const id of ['999', 'abc']) {
    const logs = await runCli(['logs', id], { cwd: dir });
    assertExit(logs, 2);
    assert.match(logs.stderr, new RegExp(`run.*${id}|${id}.*run`));
    assertNoStackTrace(logs);
  }
});

test('logs --job of a job the run does not have exits 2 naming the jobs it has', async () => {
  const { dir, id } = await oneRun();
  const logs = await runCli(['logs', id, '--job', 'three'], { cwd: dir });
  assertExit(logs, 2);
  assert.match(logs.stderr, /three/);
  assert.match(logs.stderr, /one, two/);
  assertNoStackTrace(logs);
});

test('a damaged run history is reported with its path and left untouched', async () => {
  const dir = workdir({ 'ci.yml': 'jobs:\n  a: { steps: [{ run: touch ran }] }\n', '.deploylite/runs.db': 'not a database' });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /cannot open the run history .*runs\.db/);
  assertNoStackTrace(result);
  assert.equal(readFileSync(join(dir, '.deploylite', 'runs.db'), 'utf8'), 'not a database');
  assert.equal(existsSync(join(dir, 'ran')), false);
});
