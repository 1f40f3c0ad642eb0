import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
let runner: RunnerProcess;
before(async () => {
  server = await startServer({ args: ['--no-runner'] });
  runner = await startRunner(server, { name: 'cacher' });
});
after(async () => {
  await runner.stop();
  await server.stop();
});

// Each run checks out a fresh workspace: deps/installed can only come from the cache.
const PIPELINE = `name: cached
jobs:
  build:
    cache:
      key: deps-\${{ hashFiles('deps.lock') }}
      restore-keys: [deps-]
      paths: [deps]
    steps:
      - run: |
          if [ -f deps/installed ]; then echo "restored: $(cat deps/installed)"; else echo fresh install; fi
          mkdir -p deps && cp deps.lock deps/installed
`;

async function runOnce(project: string): Promise<string[]> {
  const { id } = await server.api<{ id: number }>('POST', `/api/v1/projects/${project}/runs`, {}, 201);
  const run = await waitForRun(server, id, isFinal);
  assert.equal(run.status, 'success', JSON.stringify(run));
  return (await jobLog(server, id, 'build')).map((line) => line.text);
}

async function cacheRequests(): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^deploylite_cache_requests_total\{result="(\w+)"\} (\d+)/gm)) counts[match[1] ?? ''] = Number(match[2]);
  return counts;
}

test('a runner saves a missed cache through the server and the next run restores it', async () => {
  const repo = gitRepo({ '.deploylite.yml': PIPELINE, 'deps.lock': 'left-pad@1\n' });
  await server.api('POST', '/api/v1/projects', { name: 'cached', repository: repo.path }, 201);

  const first = await runOnce('cached');
  assert.ok(first.some((line) => /^cache miss: deps-[0-9a-f]{64}$/.test(line)), first.join('\n'));
  assert.ok(first.includes('fresh install'), first.join('\n'));
  assert.ok(first.some((line) => /^cache saved: deps-[0-9a-f]{64} \(\d/.test(line)), first.join('\n'));

  const second = await runOnce('cached');
  assert.ok(second.some((line) => /^cache hit: deps-/.test(line)), second.join('\n'));
  assert.ok(second.includes('restored: left-pad@1'), second.join('\n'));

  repo.commit({ 'deps.lock': 'left-pad@2\n' });
  const third = await runOnce('cached');
  assert.ok(third.some((line) => /^cache restored from deps-[0-9a-f]{64} \(restore key deps-\)$/.test(line)), third.join('\n'));
  assert.deepEqual(await cacheRequests(), { hit: 1, partial: 1, miss: 1 });
});

test('a runner reaches caches only under a lease it holds', async () => {
  const { token } = JSON.parse(readFileSync(join(runner.workDir, 'runner.json'), 'utf8')) as { token: string };
  const call = (path: string, body?: unknown) =>
    fetch(`${server.url}/api/v1/runner/leases/no-such-lease/caches/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const lookup = await call('lookup', { key: 'k', restoreKeys: [], version: 'v' });
  assert.equal(lookup.status, 409);
  assert.equal(((await lookup.json()) as { error: { code: string } }).error.code, 'lease.gone');
  assert.equal((await call(`archives/sha256:${'0'.repeat(64)}`)).status, 409);
});
