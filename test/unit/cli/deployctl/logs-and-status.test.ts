import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { aFinishedRun, aJob, aLogLine } from './support/api-fixtures.js';
import type { ApiStandIn } from './support/api-stand-in.js';
import { sendJson, startApiStandIn } from './support/api-stand-in.js';
import { deployctl } from './support/test-context.js';

let server: ApiStandIn;
let env: { server: string; token: string };
const run = aFinishedRun('failed', [
  aJob('build', { status: 'success', finishedAt: '2025-01-01T10:00:03.500Z' }),
  aJob('test (node 20)', { jobId: 'test', status: 'failed', attempts: 3, finishedAt: '2025-01-01T10:01:06.000Z', error: 'exit code 1' }),
  aJob('deploy', { status: 'skipped', startedAt: null }),
]);

before(async () => {
  server = await startApiStandIn();
  env = { server: server.url, token: 'tok-logs' };
  server.json('GET', '/api/v1/runs/42', 200, run);
  // Pages of two lines: build has 5 lines (three pages), test has 1.
  const logs: Record<string, string[]> = { build: ['l1', 'l2', 'l3', 'l4', 'l5'], 'test (node 20)': ['boom'], deploy: [] };
  for (const [key, texts] of Object.entries(logs)) {
    server.on('GET', `/api/v1/runs/42/jobs/${encodeURIComponent(key)}/logs`, (request, response) => {
      const after = Number(request.query.get('after'));
      const lines = texts.slice(after, after + 2).map((text, i) => aLogLine(after + i + 1, text, key === 'build' ? 'stdout' : 'stderr'));
      const next = lines.at(-1)?.lineNo ?? after;
      sendJson(response, 200, { lines, next, complete: next >= texts.length });
    });
  }
});
after(() => server.close());

const logRequests = (key: string) =>
  server.requests.filter((request) => request.path === `/api/v1/runs/42/jobs/${encodeURIComponent(key)}/logs`);

test('logs pages through every job in the run order, passing `next` as `after`', async () => {
  const before = logRequests('build').length;
  const result = await deployctl(['logs', '42'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '[build] l1\n[build] l2\n[build] l3\n[build] l4\n[build] l5\n[test (node 20)] boom\n');
  assert.deepEqual(logRequests('build').slice(before).map((request) => request.query.get('after')), ['0', '2', '4']);
});

test('logs --job takes a job key, or a job id for all its matrix instances', async () => {
  assert.equal((await deployctl(['logs', '42', '--job', 'test (node 20)'], { env })).stdout, '[test (node 20)] boom\n');
  assert.equal((await deployctl(['logs', '42', '--job', 'test'], { env })).stdout, '[test (node 20)] boom\n');
});

test('logs --job with a job the run does not have lists the jobs it has', async () => {
  const result = await deployctl(['logs', '42', '--job', 'lint'], { env });
  assert.equal(result.code, 2);
  assert.equal(result.stderr, 'deployctl: run 42 has no job "lint" (jobs: build, test (node 20), deploy)\n');
});

test('logs --json prints each log line as the API sent it, with its job key', async () => {
  const result = await deployctl(['logs', '42', '--job', 'test', '--json'], { env });
  assert.deepEqual(result.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown), [
    { job: 'test (node 20)', ...aLogLine(1, 'boom', 'stderr') },
  ]);
});

test('a run id that is not a number is a usage error', async () => {
  const result = await deployctl(['logs', 'latest'], { env });
  assert.equal(result.code, 2);
  assert.equal(result.stderr, 'deployctl: a run id is a number, got "latest"\n');
});

test('status prints the run and a row per job with attempts, duration and error', async () => {
  const result = await deployctl(['status', '42'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^run 42 web: build and deploy {2}failed$/m);
  assert.match(result.stdout, /^ {2}ref {6}main \(4f2a9c0d1e2f\)$/m);
  assert.match(result.stdout, /^ {2}url {6}http:\/\/deploylite\.example\/runs\/42$/m);
  assert.match(result.stdout, /^JOB +STATUS +ATTEMPTS +DURATION +ERROR$/m);
  assert.match(result.stdout, /^build +success +1 +2\.5s$/m);
  assert.match(result.stdout, /^test \(node 20\) +failed +3 +1m05s +exit code 1$/m);
  assert.match(result.stdout, /^deploy +skipped +1 +-$/m);
});

test('status --json prints the run exactly as the API sent it', async () => {
  const result = await deployctl(['status', '42', '--json'], { env });
  assert.deepEqual(JSON.parse(result.stdout), run);
});
