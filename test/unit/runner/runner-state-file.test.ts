import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRunnerState, writeRunnerState } from '../../../src/runner/runner-state-file.js';

async function inTempDir(body: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'runner-state-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the state file is written readable by its owner only, replacing the old one without leftovers', () =>
  inTempDir(async (dir) => {
    const file = join(dir, 'nested', 'runner.json');
    await writeRunnerState(file, { runnerId: 1, token: 'old', serverUrl: 'http://a' });
    await writeRunnerState(file, { runnerId: 2, token: 'new', serverUrl: 'http://a' });
    assert.deepEqual(await readRunnerState(file), { runnerId: 2, token: 'new', serverUrl: 'http://a' });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(dir, 'nested')), ['runner.json']);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { runnerId: 2, token: 'new', serverUrl: 'http://a' });
  }));

test('a missing state file means "not registered yet"; a damaged one is an error naming the file', () =>
  inTempDir(async (dir) => {
    assert.equal(await readRunnerState(join(dir, 'none.json')), undefined);
    const damaged = join(dir, 'runner.json');
    await writeFile(damaged, '{"runnerId": 1');
    await assert.rejects(readRunnerState(damaged), { message: `the runner state file ${damaged} is not valid JSON; remove it to register the runner again` });
    await writeFile(damaged, '{"runnerId": 1}');
    await assert.rejects(readRunnerState(damaged), /the runner state file .* is damaged .*remove it to register the runner again/);
  }));
