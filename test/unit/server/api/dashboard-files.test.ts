// The dashboard's files as the API app serves them, in-process (app.request): its pages
// under their own CSP, the single-page app's fallback, caching, and the API left alone.
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { systemClock, silentLogger } from '../../../../src/core/index.js';
import { createApi } from '../../../../src/server/api/create-api.js';
import { DASHBOARD_CSP, loadDashboard } from '../../../../src/server/api/dashboard-files.js';
import type { RequestGuard } from '../../../../src/server/api/request-guard.js';
import type { ApiServices } from '../../../../src/server/api/services.js';
import { workdir } from '../../../e2e/support/cli.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="app"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

function app(files: Record<string, string> = { 'index.html': INDEX, 'assets/index-abc123.js': SCRIPT, 'favicon.svg': '<svg/>' }) {
  const dashboard = loadDashboard(workdir(files));
  // Only paths no API route matches reach the dashboard: no store, guard or audit is needed.
  return createApi({ store: {}, clock: systemClock, logger: silentLogger } as unknown as ApiServices, {} as RequestGuard, dashboard ? { dashboard } : {});
}

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

test("`/` is the dashboard's page, under a CSP that allows this server's scripts, styles and connections only", async () => {
  const response = await app().request('/', { headers: html });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), INDEX);
  assert.equal(response.headers.get('content-security-policy'), DASHBOARD_CSP);
  assert.match(DASHBOARD_CSP, /script-src 'self';/);
  assert.doesNotMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval|\*/);
  assert.equal(response.headers.get('cache-control'), 'no-cache');
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
});

test("an address of the app's own (a run page) gets the same page, so links can be opened directly", async () => {
  const response = await app().request('/runs/42/jobs/build%5B0%5D', { headers: html });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), INDEX);
});

test('hashed assets may be cached for good, and come gzipped when the browser takes gzip', async () => {
  const response = await app().request('/assets/index-abc123.js', { headers: { 'accept-encoding': 'gzip, br' } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(response.headers.get('content-encoding'), 'gzip');
  assert.equal(gunzipSync(Buffer.from(await response.arrayBuffer())).toString(), SCRIPT);
  assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
});

test('a file the browser has already is answered 304 by its ETag', async () => {
  const api = app();
  const first = await api.request('/favicon.svg');
  const again = await api.request('/favicon.svg', { headers: { 'if-none-match': first.headers.get('etag') ?? '' } });
  assert.equal(again.status, 304);
});

test('a missing asset, a missing API route and a POST are JSON 404s, never the page', async () => {
  const api = app();
  for (const [method, path] of [['GET', '/assets/gone-123.js'], ['GET', '/api/v1/nothing-here'], ['GET', '/api'], ['POST', '/runs/42']] as const) {
    const response = await api.request(path, { method, headers: html });
    assert.equal(response.status, 404, `${method} ${path}`);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'not-found', `${method} ${path}`);
  }
});

test('a request that does not ask for HTML (a script, an image) is not answered with the page', async () => {
  assert.equal((await app().request('/favicon.ico', { headers: { accept: 'image/avif,image/webp,*/*' } })).status, 404);
});

test('without a built dashboard the server answers the API only', async () => {
  assert.equal(loadDashboard(workdir({ 'README.md': 'not built' })), undefined);
  const response = await app({ 'assets/x.js': '' }).request('/', { headers: html });
  assert.equal(response.status, 404);
});
