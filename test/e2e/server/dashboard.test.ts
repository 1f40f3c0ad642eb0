// `deploylite server` serves the dashboard that `npm run build` built, next to an unchanged
// API, and the graph the run page draws.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call } from '../support/callers.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, startServer } from '../support/control-plane.js';

let server: ServerProcess;

before(async () => {
  server = await startServer({ args: ['--no-runner'] });
});
after(async () => {
  await server.stop();
});

test('the server prints where the dashboard is and serves it at `/` with its own CSP', async () => {
  assert.match(server.cli.stderr(), new RegExp(`dashboard: ${server.url}/ \\(sign in as "admin"\\)`));
  const page = await call(server, 'GET', '/', { headers: { accept: 'text/html' } });
  assert.equal(page.status, 200);
  assert.match(page.text, /<div id="app"><\/div>/);
  assert.match(String(page.headers['content-security-policy']), /^default-src 'none'; script-src 'self'; style-src 'self';/);
  const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)">/.exec(page.text)?.[1];
  assert.ok(script, page.text);
  const asset = await call(server, 'GET', script);
  assert.equal(asset.status, 200);
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
});

test('the API answers as before: no credential is a 401 JSON, an unknown API path a 404 JSON', async () => {
  const runs = await call(server, 'GET', '/api/v1/runs', { headers: { accept: 'text/html' } });
  assert.equal(runs.status, 401);
  assert.equal(runs.json<{ error: { code: string } }>().error.code, 'unauthorized');
  const unknown = await call(server, 'GET', '/api/v1/dashboard', { headers: { accept: 'text/html' } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json<{ error: { code: string } }>().error.code, 'not-found');
});

test("a run's graph lists every job of its pipeline with its needs, also jobs that have not started", async () => {
  const pipeline = 'jobs:\n  build:\n    matrix:\n      os: [linux, mac]\n    steps:\n      - run: echo b\n  deploy:\n    needs: build\n    steps:\n      - run: echo d\n';
  await server.api('POST', '/api/v1/projects', { name: 'graphs', repository: gitRepo({ '.deploylite.yml': pipeline }).path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/graphs/runs', {}, 201);
  const graph = await server.api<{ jobs: unknown[] }>('GET', `/api/v1/runs/${id}/graph`);
  assert.deepEqual(graph.jobs, [
    { id: 'build', name: 'build', needs: [], matrix: true },
    { id: 'deploy', name: 'deploy', needs: ['build'], matrix: false },
  ]);
});
