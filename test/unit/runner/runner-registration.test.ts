import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeRunnerState } from '../../../src/runner/runner-state-file.js';
import { waitFor } from './support/protocol-stub.js';
import { withRunner } from './support/runner-fixture.js';

test('a runner registers once, keeps its identity in a 0600 state file and reuses it when restarted', () =>
  withRunner(async ({ stub, dir, createAgent }) => {
    const stateFile = join(dir, 'state', 'runner.json');
    const registration = { registrationToken: stub.registrationToken, stateFile };
    const first = createAgent({ registration });
    const firstRun = first.start();
    await waitFor('the first poll', () => stub.polls().length > 0);
    await first.stop('drain');
    await firstRun;
    assert.deepEqual(JSON.parse(await readFile(stateFile, 'utf8')), { runnerId: 7, token: stub.runnerToken, serverUrl: stub.url });
    assert.equal((await stat(stateFile)).mode & 0o777, 0o600);

    const second = createAgent({ registration });
    const pollsBefore = stub.polls().length;
    const secondRun = second.start();
    await waitFor('a poll of the restarted runner', () => stub.polls().length > pollsBefore);
    await second.stop('drain');
    await secondRun;
    assert.equal(second.runnerId, 7);
    assert.equal(stub.requestsOf('register').length, 1);
    assert.ok(stub.requestsOf('poll').every((r) => r.authorization === `Bearer ${stub.runnerToken}`));
  }));

test('registration sends the name, labels, capacity and version, with the registration token', () =>
  withRunner(async ({ stub, dir, startAgent }) => {
    const { agent } = startAgent({ registration: { registrationToken: stub.registrationToken, stateFile: join(dir, 'runner.json') }, labels: ['linux', 'x64'], capacity: 3 });
    await waitFor('the first poll', () => stub.polls().length > 0);
    const [register] = stub.requestsOf('register');
    assert.deepEqual(register?.body, { name: 'test-runner', labels: ['linux', 'x64'], capacity: 3, version: '0.0.0-test' });
    assert.equal(register?.authorization, `Bearer ${stub.registrationToken}`);
    assert.equal(agent.runnerId, 7);
    assert.equal(stub.polls()[0]?.free, 3);
  }));

test('a rejected runner token stops the runner with a clear error', () =>
  withRunner(async ({ stub, startAgent, logger }) => {
    const { stopped } = startAgent({ registration: { runnerToken: 'revoked-token' } });
    await assert.rejects(stopped, { message: 'runner token rejected by the server; register again' });
    assert.ok(logger.entries.some((e) => e.level === 'error' && e.message === 'runner token rejected by the server; register again'));
    assert.ok(!logger.text().includes('revoked-token'));
    assert.equal(stub.polls().length, 1);
  }));

test('a rejected registration token stops the runner, and nothing is written', () =>
  withRunner(async ({ dir, startAgent }) => {
    const stateFile = join(dir, 'runner.json');
    const { stopped } = startAgent({ registration: { registrationToken: 'wrong', stateFile } });
    await assert.rejects(stopped, /the server rejected the registration request \(HTTP 401\): bad token/);
    await assert.rejects(stat(stateFile), { code: 'ENOENT' });
  }));

test('a state file of another server is not used with this one', () =>
  withRunner(async ({ stub, dir, startAgent }) => {
    const stateFile = join(dir, 'runner.json');
    await writeRunnerState(stateFile, { runnerId: 3, token: 'elsewhere', serverUrl: 'http://other.example' });
    const { stopped } = startAgent({ registration: { registrationToken: stub.registrationToken, stateFile } });
    await assert.rejects(stopped, {
      message: `the runner state file ${stateFile} belongs to the server http://other.example, not ${stub.url}; remove it to register with ${stub.url}`,
    });
    assert.equal(stub.requests.length, 0);
  }));

test('invalid runner settings are refused before anything is sent', () =>
  withRunner(async ({ createAgent }) => {
    assert.throws(() => createAgent({ labels: ['has space'] }), /invalid runner labels\.0: labels are letters, digits and _ \. : \/ -/);
    assert.throws(() => createAgent({ capacity: 0 }), /invalid runner capacity/);
  }));
