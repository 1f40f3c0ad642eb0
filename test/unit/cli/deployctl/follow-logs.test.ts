import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, test } from 'node:test';
import { aFinishedRun, aJob, aRun } from './support/api-fixtures.js';
import type { ApiStandIn, RecordedRequest } from './support/api-stand-in.js';
import { sseEnd, sseLine, startApiStandIn, startEventStream } from './support/api-stand-in.js';
import { deployctl } from './support/test-context.js';

let server: ApiStandIn;
let env: { server: string; token: string };

beforeEach(async () => {
  server = await startApiStandIn();
  env = { server: server.url, token: 'tok-follow' };
  server.json('POST', '/api/v1/projects/web/runs', 201, aRun({ status: 'pending' }));
  // `test` starts a poll later than `build`: new jobs are found while following.
  server.sequence('GET', '/api/v1/runs/42', [
    aRun({ jobs: [aJob('build'), aJob('test', { status: 'pending', startedAt: null })] }),
    aRun({ jobs: [aJob('build'), aJob('test')] }),
    aFinishedRun('success', [aJob('build', { status: 'success' }), aJob('test', { status: 'success' })]),
  ]);
});
afterEach(() => server.close());

const eventsPath = (key: string) => `/api/v1/logs/${encodeURIComponent(`42:${key}`)}/events`;

function serveLog(key: string, lines: readonly string[], status = 'success') {
  server.on('GET', eventsPath(key), (request, response) => {
    const after = Number(request.query.get('after'));
    startEventStream(response);
    response.end(lines.slice(after).map((text, i) => sseLine({ lineNo: after + i + 1, text })).join('') + sseEnd(status));
  });
}

/** Sends lines 1–2 and half of line 3, then the connection drops; reconnecting works. */
function serveLogThatDropsOnce(key: string, lines: readonly string[]) {
  let connections = 0;
  server.on('GET', eventsPath(key), (request: RecordedRequest, response: ServerResponse) => {
    connections++;
    const after = Number(request.query.get('after'));
    startEventStream(response);
    if (connections === 1) {
      const whole = sseLine({ lineNo: 1, text: lines[0] ?? '' }) + sseLine({ lineNo: 2, text: lines[1] ?? '' });
      const half = sseLine({ lineNo: 3, text: lines[2] ?? '' }).slice(0, 30);
      response.write(whole + half, () => response.destroy());
      return;
    }
    response.end(lines.slice(after).map((text, i) => sseLine({ lineNo: after + i + 1, text })).join('') + sseEnd('success'));
  });
}

const linesOf = (stdout: string, key: string) => stdout.split('\n').filter((line) => line.startsWith(`[${key}] `));

test('run --follow prints the lines of every job prefixed with its key, then exits as --wait', async () => {
  serveLog('build', ['compiling', 'linking']);
  serveLog('test', ['1 passed']);
  const result = await deployctl(['run', 'web', '--follow'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(linesOf(result.stdout, 'build'), ['[build] compiling', '[build] linking', '[build] success']);
  assert.deepEqual(linesOf(result.stdout, 'test'), ['[test] 1 passed', '[test] success']);
  assert.match(result.stdout, /run 42 success in 4\.0s\n$/);
});

test('a log stream dropped mid-message resumes after the last whole line, without duplicates', async () => {
  serveLogThatDropsOnce('build', ['one', 'two', 'three', 'four']);
  serveLog('test', ['ok']);
  const result = await deployctl(['run', 'web', '--follow'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(linesOf(result.stdout, 'build'), ['[build] one', '[build] two', '[build] three', '[build] four', '[build] success']);
  const afters = server.requests.filter((request) => request.path === eventsPath('build')).map((request) => request.query.get('after'));
  assert.deepEqual(afters, ['0', '2']);
});

test('lines a server sends again after a reconnect are not printed twice', async () => {
  let connections = 0;
  server.on('GET', eventsPath('build'), (_request, response) => {
    connections++;
    startEventStream(response);
    // This server ignores `after` and always starts from line 1.
    const lines = [sseLine({ lineNo: 1, text: 'a' }), sseLine({ lineNo: 2, text: 'b' })];
    if (connections === 1) response.write(lines[0], () => response.destroy());
    else response.end(lines.join('') + sseEnd('success'));
  });
  serveLog('test', []);
  const result = await deployctl(['run', 'web', '--follow'], { env });
  assert.deepEqual(linesOf(result.stdout, 'build'), ['[build] a', '[build] b', '[build] success']);
});

test('logs -f follows every job until the jobs end', async () => {
  serveLog('build', ['compiling']);
  serveLog('test', ['1 passed', '2 passed']);
  const result = await deployctl(['logs', '42', '-f'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(linesOf(result.stdout, 'build'), ['[build] compiling']);
  assert.deepEqual(linesOf(result.stdout, 'test'), ['[test] 1 passed', '[test] 2 passed']);
});

test('logs -f --job follows only that job', async () => {
  serveLog('build', ['compiling']);
  serveLog('test', ['1 passed']);
  const result = await deployctl(['logs', '42', '--follow', '--job', 'test'], { env });
  assert.equal(result.stdout, '[test] 1 passed\n');
  assert.equal(server.requests.some((request) => request.path === eventsPath('build')), false);
});

test('a log stream that keeps failing ends the command with the server error', async () => {
  server.json('GET', eventsPath('build'), 503, { error: { code: 'unavailable', message: 'log store is down' } });
  serveLog('test', []);
  const result = await deployctl(['run', 'web', '--follow'], { env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^deployctl: log store is down\n$/);
});
