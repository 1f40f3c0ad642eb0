// The dashboard in a real browser against a real `deploylite server` with its built-in
// runner: sign in, open a project, run its pipeline, watch the graph turn green without a
// reload, and read a job's log as it streams in — with the page's own CSP in force, an
// accessibility scan of every page, and screenshots in test-results/.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { DashboardPage } from '../support/browser.js';
import { launchBrowser, openDashboard, overflowsSideways, PHONE, screenshot, seriousAccessibilityViolations, signIn } from '../support/browser.js';
import { PASSWORD } from '../support/callers.js';
import { workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startServer, waitForRun } from '../support/control-plane.js';

const PIPELINE = `name: shop
jobs:
  checkout:
    steps:
      - run: echo "checked out"; sleep 1
  build:
    needs: checkout
    matrix:
      target: [linux, darwin]
    steps:
      - run: echo "building for \${{ matrix.target }}"
  test:
    needs: checkout
    steps:
      - run: for i in $(seq 1 30); do echo "test line $i"; sleep 0.1; done
  package:
    needs: [build, test]
    steps:
      - run: echo packaged
`;
const TEST_LINES = Array.from({ length: 30 }, (_, index) => `test line ${index + 1}`);

let server: ServerProcess;
let browser: Browser;
let admin: DashboardPage;

before(async () => {
  [server, browser] = await Promise.all([startServer({ env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } }), launchBrowser()]);
  await server.api('POST', '/api/v1/projects', { name: 'shop', repository: gitRepo({ '.deploylite.yml': PIPELINE }).path }, 201);
  admin = await openDashboard(browser);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function assertAccessible(page: Page): Promise<void> {
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
}

const node = (page: Page, job: string) => page.locator(`[data-run-graph] [data-job="${job}"]`);

/** The statuses a graph node showed, sampled until it shows `final` (so passing states are caught). */
async function watchNode(page: Page, job: string, final: string, timeoutMs = 30_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await node(page, job).getAttribute('data-status')) ?? 'absent';
    if (seen.at(-1) !== status) seen.push(status);
    if (status === final) return seen;
    if (Date.now() > deadline) throw new Error(`${job} never showed ${final}; it showed ${seen.join(' → ')}`);
    await page.waitForTimeout(100);
  }
}

test('someone signs in with the keyboard alone and sees the projects they can open', async () => {
  const { page, problems } = admin;
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Sign in to DeployLite' }).waitFor();
  await assertAccessible(page);
  await screenshot(page, 'dashboard-login');

  await page.keyboard.press('Tab'); // the skip link comes first
  await page.keyboard.press('Tab');
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');

  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/projects');
  await page.getByRole('link', { name: 'shop' }).waitFor();
  await assertAccessible(page);
  await screenshot(page, 'dashboard-projects');
  assert.deepEqual(problems, []);
});

test('a run started from the dashboard turns its graph green without a reload, critical path and matrix shown', async () => {
  const { page, problems } = admin;
  await page.getByRole('link', { name: 'shop' }).click();
  await page.getByRole('heading', { name: 'shop', level: 1 }).waitFor();
  await page.getByText('No runs yet.').waitFor();
  await assertAccessible(page);
  await page.evaluate('window.stillTheSamePage = true');
  // The run page is told of changes on its event stream; it never asks for the run again.
  const runRequests: string[] = [];
  const recordRunRequest = (request: { url(): string }) => {
    const path = new URL(request.url()).pathname;
    if (/^\/api\/v1\/runs\/\d+(\/events)?$/.test(path)) runRequests.push(path);
  };
  page.on('request', recordRunRequest);

  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await page.waitForURL(/\/runs\/\d+$/);
  const shown = await watchNode(page, 'test', 'success');
  assert.equal(shown[0], 'waiting', `test first showed ${shown.join(' → ')}`);
  assert.ok(shown.includes('running'), `test was never shown running: ${shown.join(' → ')}`);
  await node(page, 'package').and(page.locator('[data-status="success"]')).waitFor();
  await page.locator('[data-run-status][data-status="success"]').waitFor();
  page.off('request', recordRunRequest);
  assert.deepEqual(runRequests, [`${new URL(page.url()).pathname.replace(/^\/runs/, '/api/v1/runs')}/events`], 'the run was polled instead of pushed');
  assert.equal(await page.locator('[data-live-note]').count(), 0, 'the page fell back to polling');

  // Every node says its status in words, not only in colour.
  for (const job of ['checkout', 'build', 'test', 'package']) assert.match((await node(page, job).textContent()) ?? '', /success/);
  assert.equal(await page.evaluate('window.stillTheSamePage'), true, 'the page was reloaded');
  const critical = await page.locator('[data-run-graph] [data-critical]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-job')));
  assert.deepEqual(critical, ['checkout', 'test', 'package']);
  const instances = node(page, 'build').getByRole('link');
  assert.deepEqual(await instances.evaluateAll((links) => links.map((l) => l.getAttribute('aria-label'))), ['build (linux): success', 'build (darwin): success']);
  await page.getByRole('button', { name: 'Cancel run' }).waitFor({ state: 'detached' });

  await assertAccessible(page);
  await screenshot(page, 'dashboard-run');
  await page.setViewportSize(PHONE);
  assert.equal(await overflowsSideways(page), false, 'the run page is wider than a phone');
  await screenshot(page, 'dashboard-run-phone');
  await page.setViewportSize({ width: 1280, height: 860 });

  // A graph node is a link the keyboard reaches and follows.
  await node(page, 'checkout').getByRole('link').focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/runs\/\d+\/jobs\/checkout$/);
  await page.locator('[data-log-state][data-state="complete"]').waitFor();
  assert.deepEqual(await page.locator('[data-log] li[data-stream="stdout"] > span').allTextContents(), ['checked out']);
  assert.deepEqual(problems, []);
});

test('the runs list shows the run with its branch, commit, trigger and who started it', async () => {
  const { page, problems } = admin;
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'shop' }).click();
  const row = page.locator('tr[data-run]').first();
  await row.waitFor();
  const cells = await row.locator('th, td').allTextContents();
  assert.match(cells[0] ?? '', /^#\d+$/);
  assert.match(cells[1] ?? '', /success/);
  assert.match(cells[2] ?? '', /^main · [0-9a-f]{7}$/);
  assert.equal(cells[3], 'manual');
  assert.equal(cells[4], 'admin');
  assert.match(cells[5] ?? '', /^\d+s$/);
  await assertAccessible(page);
  await screenshot(page, 'dashboard-project-runs');
  assert.deepEqual(problems, []);
});

test('the runs list filters by status and branch from the keyboard, and the address keeps the filter', async () => {
  const { page, problems } = admin;
  const rows = page.locator('tr[data-run]');
  await rows.first().waitFor();
  const all = await rows.count();

  await page.getByLabel('Status', { exact: true }).selectOption('failed');
  await page.getByText('No runs match these filters.').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('status'), 'failed');
  await page.getByLabel('Status', { exact: true }).selectOption('success');
  await rows.first().waitFor();
  assert.equal(await rows.count(), all);

  await page.getByLabel('Branch', { exact: true }).focus();
  await page.keyboard.type('no-such-branch');
  await page.keyboard.press('Enter');
  await page.getByText('No runs match these filters.').waitFor();
  const address = new URL(page.url());
  assert.deepEqual([address.searchParams.get('status'), address.searchParams.get('branch')], ['success', 'no-such-branch']);

  // The address alone restores the filters (a shared link, a reload).
  await page.goto(`${server.url}${address.pathname}?status=success&branch=main`);
  await rows.first().waitFor();
  assert.equal(await rows.count(), all);
  assert.equal(await page.getByLabel('Status', { exact: true }).inputValue(), 'success');
  assert.equal(await page.getByLabel('Branch', { exact: true }).inputValue(), 'main');
  await assertAccessible(page);
  await page.getByRole('link', { name: 'Clear filters' }).click();
  await page.waitForURL((url) => url.search === '');
  assert.deepEqual(problems, []);
});

test("a job's log streams in live and every line is shown once, also across a dropped connection", async () => {
  const { page, problems } = admin;
  // Drop the first log connection after a few lines; the page must resume after the last line it holds.
  let connections = 0;
  await page.routeWebSocket(/\/api\/v1\/logs\/.*\/stream/, (ws) => {
    connections++;
    const upstream = ws.connectToServer();
    if (connections === 1) {
      let forwarded = 0;
      upstream.onMessage((message) => {
        ws.send(message);
        if (++forwarded === 5) void ws.close({ code: 4000, reason: 'dropped by the test' });
      });
    }
  });

  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/shop/runs', {}, 201);
  await page.goto(`${server.url}/runs/${id}/jobs/test`);
  await page.locator('[data-log-state][data-state="live"]').waitFor();
  await page.locator('[data-log-state][data-state="complete"]').waitFor({ timeout: 30_000 });
  const lines = await page.locator('[data-log] li[data-stream="stdout"] > span').allTextContents();
  assert.deepEqual(lines, TEST_LINES);
  assert.ok(connections >= 2, `the log was not resumed after the drop (${connections} connection)`);
  await page.locator('[data-job-status][data-status="success"]').waitFor();

  await assertAccessible(page);
  await screenshot(page, 'dashboard-job-log');
  await page.unrouteAll();
  await waitForRun(server, id, isFinal);
  assert.deepEqual(problems, []);
});

test('a failed job is re-run from its row once the cause is fixed, and it and its dependents turn green live', async () => {
  const { page, problems } = admin;
  const marks = workdir();
  const pipeline = `jobs:
  flaky:
    steps:
      - run: test -e ${marks}/fixed
  deploy:
    needs: flaky
    steps:
      - run: echo deployed
`;
  await server.api('POST', '/api/v1/projects', { name: 'flaky', repository: gitRepo({ '.deploylite.yml': pipeline }).path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/flaky/runs', {}, 201);
  await page.goto(`${server.url}/runs/${id}`);
  await page.locator('[data-run-status][data-status="failed"]').waitFor({ timeout: 30_000 });
  await node(page, 'flaky').and(page.locator('[data-status="failed"]')).waitFor();
  await node(page, 'deploy').and(page.locator('[data-status="skipped"]')).waitFor();
  await page.evaluate('window.stillTheSamePage = true');

  writeFileSync(`${marks}/fixed`, '');
  await page.getByRole('button', { name: 'Re-run flaky' }).click();
  await watchNode(page, 'deploy', 'success');
  await page.locator('[data-run-status][data-status="success"]').waitFor();
  assert.match((await node(page, 'flaky').textContent()) ?? '', /success/);
  assert.equal(await page.evaluate('window.stillTheSamePage'), true, 'the page was reloaded');
  const run = await waitForRun(server, id, isFinal);
  assert.deepEqual(run.jobs.map((job) => [job.key, job.status, job.attempts]), [['flaky', 'success', 1], ['deploy', 'success', 1]]);
  assert.deepEqual(problems, []);
});

test('when the run stream cannot be reached, the run page says so and follows the run by polling', async () => {
  const { page, problems } = admin;
  const blocked = '**/api/v1/runs/*/events';
  await page.route(blocked, (route) => route.abort('connectionrefused'));
  try {
    const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/shop/runs', {}, 201);
    await page.goto(`${server.url}/runs/${id}`);
    const note = page.locator('[data-live-note]');
    await note.waitFor();
    assert.match((await note.textContent()) ?? '', /Live updates are interrupted/);
    await page.locator('[data-run-status][data-status="success"]').waitFor({ timeout: 30_000 });
    await node(page, 'package').and(page.locator('[data-status="success"]')).waitFor();
    await note.waitFor({ state: 'detached' });
  } finally {
    await page.unroute(blocked);
  }
  // The failed stream requests are the browser's console errors; nothing else went wrong.
  assert.deepEqual(problems.filter((problem) => !problem.includes('ERR_CONNECTION_REFUSED') && !problem.includes('Failed to load resource')), []);
  problems.length = 0;
});

test('a reload keeps the user signed in; a new tab and signing out do not', async () => {
  const { page, context, problems } = admin;
  await page.goto(`${server.url}/projects`);
  await page.getByRole('link', { name: 'shop' }).waitFor();
  await page.reload();
  await page.getByRole('link', { name: 'shop' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/projects');

  // Another tab has its own session storage: it must sign in (sharing the single-use refresh token would end both sessions).
  const other = await context.newPage();
  await other.goto(`${server.url}/projects`);
  await other.getByRole('heading', { name: 'Sign in to DeployLite' }).waitFor();
  await other.close();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to DeployLite' }).waitFor();
  await page.goto(`${server.url}/projects`);
  await page.getByRole('heading', { name: 'Sign in to DeployLite' }).waitFor();
  assert.deepEqual(problems, []);
});

test('cancelling a run stops its running job at once and cancels the job waiting on it', async () => {
  const pipeline = 'jobs:\n  soak:\n    steps:\n      - run: echo soaking; sleep 30; echo slept\n  report:\n    needs: soak\n    steps:\n      - run: echo never\n';
  await server.api('POST', '/api/v1/projects', { name: 'soak', repository: gitRepo({ '.deploylite.yml': pipeline }).path }, 201);
  const { page, problems, context } = await openDashboard(browser);
  await signIn(page, server.url, 'admin', PASSWORD);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/soak/runs', {}, 201);
  await page.goto(`${server.url}/runs/${id}`);
  await node(page, 'soak').and(page.locator('[data-status="running"]')).waitFor();

  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('[data-run-status][data-status="cancelled"]').waitFor();
  await node(page, 'soak').and(page.locator('[data-status="cancelled"]')).waitFor();
  await node(page, 'report').and(page.locator('[data-status="cancelled"]')).waitFor();
  const run = await waitForRun(server, id, isFinal);
  assert.deepEqual(run.jobs.map((job) => [job.key, job.status]), [['soak', 'cancelled'], ['report', 'cancelled']]);
  // The run ends only when its job does: had the sleep been waited out, the log would say so.
  const soakLog = (await jobLog(server, id, 'soak')).map((line) => line.text);
  assert.ok(soakLog.includes('soaking') && !soakLog.includes('slept'), soakLog.join('\n'));
  await assertAccessible(page);
  await screenshot(page, 'dashboard-run-cancelled');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a run started with a branch and variables runs that branch with them; a malformed variables line starts nothing', async () => {
  const greet = (where: string) => `jobs:\n  greet:\n    steps:\n      - run: echo "\${{ vars.GREETING }} from ${where}"\n`;
  const repo = gitRepo({ '.deploylite.yml': greet('main') });
  const featureSha = repo.branch('feature', { '.deploylite.yml': greet('feature') });
  await server.api('POST', '/api/v1/projects', { name: 'greeter', repository: repo.path }, 201);
  const { page, problems, context } = await openDashboard(browser);
  await signIn(page, server.url, 'admin', PASSWORD);
  await page.goto(`${server.url}/projects/greeter`);
  await page.getByText('No runs yet.').waitFor();

  await page.getByLabel('Variables').fill('GREETING=hi\nthis is not one');
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await page.getByText('Variables, line 2: write NAME=value').waitFor();
  assert.equal(new URL(page.url()).pathname, '/projects/greeter');
  assert.deepEqual((await server.api<{ runs: unknown[] }>('GET', '/api/v1/runs?project=greeter')).runs, []);
  await assertAccessible(page);

  await page.getByLabel('Branch, tag or commit').fill('feature');
  await page.getByLabel('Variables').fill('GREETING=hi');
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await page.waitForURL(/\/runs\/\d+$/);
  await page.locator('[data-run-status][data-status="success"]').waitFor({ timeout: 30_000 });
  const runId = Number(new URL(page.url()).pathname.split('/').at(-1));
  const run = await server.api<{ ref: string; sha: string }>('GET', `/api/v1/runs/${runId}`);
  assert.deepEqual([run.ref, run.sha], ['feature', featureSha]);
  const output = (await jobLog(server, runId, 'greet')).filter((line) => line.stream === 'stdout');
  assert.deepEqual(output.map((line) => line.text), ['hi from feature']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the sign-in page, the projects and a project\'s runs fit a phone\'s width', async () => {
  const { page, problems, context } = await openDashboard(browser, PHONE);
  await page.goto(`${server.url}/login`);
  await page.getByRole('heading', { name: 'Sign in to DeployLite' }).waitFor();
  assert.equal(await overflowsSideways(page), false, 'the sign-in page is wider than a phone');
  await signIn(page, server.url, 'admin', PASSWORD);
  await page.getByRole('link', { name: 'shop' }).waitFor();
  assert.equal(await overflowsSideways(page), false, 'the projects page is wider than a phone');
  await screenshot(page, 'dashboard-projects-phone');
  await page.getByRole('link', { name: 'shop' }).click();
  await page.getByRole('heading', { name: 'shop', level: 1 }).waitFor();
  await page.getByRole('region', { name: 'Runs' }).or(page.getByText('No runs yet.')).waitFor();
  assert.equal(await overflowsSideways(page), false, 'the runs page is wider than a phone');
  await screenshot(page, 'dashboard-project-runs-phone');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an address the dashboard does not know shows a page that says so', async () => {
  const { page, problems, context } = await openDashboard(browser);
  await signIn(page, server.url, 'admin', PASSWORD);
  await page.goto(`${server.url}/no-such-page`);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await page.getByRole('link', { name: 'See the projects' }).waitFor();
  await assertAccessible(page);
  assert.deepEqual(problems, []);
  await context.close();
});
