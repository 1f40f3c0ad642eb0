import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { aFinishedRun, aJob, aRun } from './support/api-fixtures.js';
import type { ApiStandIn } from './support/api-stand-in.js';
import { startApiStandIn } from './support/api-stand-in.js';
import { deployctl } from './support/test-context.js';

let server: ApiStandIn;
let env: { server: string; token: string };

before(async () => {
  server = await startApiStandIn();
  env = { server: server.url, token: 'tok-run' };
  server.json('POST', '/api/v1/projects/web/runs', 201, aRun({ status: 'pending', startedAt: null }));
});
after(() => server.close());

/** The run is running for two polls, then ends with `status`. */
function runEndsWith(status: string) {
  const running = aRun({ jobs: [aJob('build')] });
  server.sequence('GET', '/api/v1/runs/42', [running, running, aFinishedRun(status, [aJob('build', { status, finishedAt: '2025-01-01T10:00:04.200Z' })])]);
}

test('run starts a run of the project and prints its id and URL', async () => {
  const result = await deployctl(['run', 'web'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'started run 42 of web at main (4f2a9c0d1e2f)\nhttp://deploylite.example/runs/42\n');
  assert.deepEqual(server.requests.at(-1)?.body, {});
});

test('run sends --ref and every --var', async () => {
  await deployctl(['run', 'web', '--ref', 'v1.2', '--var', 'REGION=eu', '--var', 'DRY_RUN=a=b'], { env });
  assert.deepEqual(server.requests.at(-1)?.body, { ref: 'v1.2', variables: { REGION: 'eu', DRY_RUN: 'a=b' } });
});

test('a --var without NAME=VALUE is a usage error and starts nothing', async () => {
  const before = server.requests.length;
  const result = await deployctl(['run', 'web', '--var', 'oops'], { env });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--var expects NAME=VALUE/);
  assert.equal(server.requests.length, before);
});

for (const [status, code] of [['success', 0], ['failed', 1], ['cancelled', 130]] as const) {
  test(`run --wait exits ${code} when the run ends ${status}`, async () => {
    runEndsWith(status);
    const result = await deployctl(['run', 'web', '--wait'], { env });
    assert.equal(result.code, code, result.stderr);
    assert.match(result.stdout, new RegExp(`^build +${status} +1 +3\\.2s`, 'm'));
    assert.match(result.stdout, new RegExp(`run 42 ${status} in 4\\.0s\\n$`));
  });
}

test('run --json prints the created run exactly as the API sent it', async () => {
  const result = await deployctl(['run', 'web', '--json'], { env });
  assert.deepEqual(JSON.parse(result.stdout), aRun({ status: 'pending', startedAt: null }));
});

test('run --wait --json prints only the final run as the API sent it', async () => {
  runEndsWith('failed');
  const result = await deployctl(['run', 'web', '--wait', '--json'], { env });
  assert.equal(result.code, 1);
  assert.deepEqual(JSON.parse(result.stdout), aFinishedRun('failed', [aJob('build', { status: 'failed', finishedAt: '2025-01-01T10:00:04.200Z' })]));
});

test('Ctrl-C while waiting stops waiting, says the run goes on, and exits 130', async () => {
  server.json('GET', '/api/v1/runs/42', 200, aRun({ jobs: [aJob('build')] }));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const result = await deployctl(['run', 'web', '--wait'], { env, signal: controller.signal });
  assert.equal(result.code, 130);
  assert.match(result.stderr, /stopped following run 42; it goes on on the server \(`deployctl cancel 42` stops it\)/);
  assert.equal(server.requests.some((request) => request.path.endsWith('/cancel')), false);
});
