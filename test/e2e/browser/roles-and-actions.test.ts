// What the dashboard offers depends on the project role whoami reports: a developer gets the
// buttons to run, cancel and re-run a run or one job (and they work); a viewer gets none of them, and the
// server refuses the viewer's requests anyway. No runner is started, so runs stay active
// until cancelled and every state is stable while the page is checked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openDashboard, screenshot, seriousAccessibilityViolations, signIn } from '../support/browser.js';
import { call, login, PASSWORD } from '../support/callers.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, startServer, waitForRun } from '../support/control-plane.js';

const PIPELINE = 'jobs:\n  build:\n    steps:\n      - run: echo build\n  deploy:\n    needs: build\n    steps:\n      - run: echo deploy\n';

let server: ServerProcess;
let browser: Browser;

before(async () => {
  [server, browser] = await Promise.all([startServer({ args: ['--no-runner'], env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } }), launchBrowser()]);
  await server.api('POST', '/api/v1/projects', { name: 'site', repository: gitRepo({ '.deploylite.yml': PIPELINE }).path }, 201);
  for (const [username, role] of [['vera', 'viewer'], ['dev', 'developer']] as const) {
    await server.api('POST', '/api/v1/users', { username, password: PASSWORD }, 201);
    await server.api('PUT', `/api/v1/projects/site/members/${username}`, { role }, 200);
  }
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const trigger = async () => (await server.api<{ id: number }>('POST', '/api/v1/projects/site/runs', {}, 201)).id;

async function openRun(page: Page, runId: number): Promise<void> {
  await page.goto(`${server.url}/runs/${runId}`);
  await page.locator('[data-run-status]').waitFor();
  await page.locator('[data-run-graph] [data-job="deploy"]').waitFor();
}

/** The buttons that act (the runs filter's button changes only what is shown, so it is not one). */
const buttons = async (page: Page) => (await page.locator('button:not([role="search"] button)').allTextContents()).map((text) => text.trim());

test('a developer runs the pipeline, cancels the run and re-runs its cancelled jobs from the dashboard', async () => {
  const { page, problems, context } = await openDashboard(browser);
  await signIn(page, server.url, 'dev', PASSWORD);
  await page.getByRole('link', { name: 'site' }).click();
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await page.waitForURL(/\/runs\/\d+$/);
  const runId = Number(new URL(page.url()).pathname.split('/').at(-1));

  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('[data-run-status][data-status="cancelled"]').waitFor();
  assert.equal((await waitForRun(server, runId, (run) => run.status === 'cancelled')).status, 'cancelled');
  await page.getByRole('button', { name: 'Re-run failed jobs' }).click();
  await page.getByRole('button', { name: 'Cancel run' }).waitFor();
  assert.equal((await server.api<{ status: string }>('GET', `/api/v1/runs/${runId}`)).status, 'running');
  assert.deepEqual(problems, []);
  await context.close();
});

test("a developer re-runs one finished job from the job's own page", async () => {
  const runId = await trigger();
  await server.api('POST', `/api/v1/runs/${runId}/cancel`, undefined, 202);
  await waitForRun(server, runId, (run) => run.status === 'cancelled');
  const { page, problems, context } = await openDashboard(browser);
  await signIn(page, server.url, 'dev', PASSWORD);
  await page.goto(`${server.url}/runs/${runId}/jobs/build`);
  await page.locator('[data-job-status][data-status="cancelled"]').waitFor();
  assert.deepEqual(await seriousAccessibilityViolations(page), []);

  await page.getByRole('button', { name: 'Re-run this job' }).click();
  await page.locator('[data-job-status][data-status="pending"]').waitFor();
  await page.getByRole('button', { name: 'Re-run this job' }).waitFor({ state: 'detached' });
  const run = await waitForRun(server, runId, (candidate) => candidate.status !== 'cancelled');
  assert.equal(run.status, 'running');
  assert.equal(run.jobs.find((job) => job.key === 'build')?.status, 'pending');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a viewer is shown no button to run, cancel or re-run', async () => {
  const active = await trigger();
  const finished = await trigger();
  await server.api('POST', `/api/v1/runs/${finished}/cancel`, undefined, 202);
  await waitForRun(server, finished, (run) => run.status === 'cancelled');

  const { page, problems, context } = await openDashboard(browser);
  await signIn(page, server.url, 'vera', PASSWORD);
  await page.getByRole('link', { name: 'site' }).click();
  await page.locator(`tr[data-run="${active}"]`).waitFor();
  assert.deepEqual(await buttons(page), ['Sign out']);
  assert.equal(await page.getByLabel('Branch, tag or commit').count(), 0);

  await openRun(page, active);
  assert.deepEqual(await buttons(page), ['Sign out']);
  assert.equal(await page.locator('[data-run-graph] [data-job="build"]').getAttribute('data-status'), 'pending');
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
  await screenshot(page, 'dashboard-run-as-viewer');

  await openRun(page, finished);
  await page.locator('[data-run-status][data-status="cancelled"]').waitFor();
  assert.deepEqual(await buttons(page), ['Sign out']);

  await page.goto(`${server.url}/runs/${finished}/jobs/build`);
  await page.locator('[data-job-status][data-status="cancelled"]').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Re-run this job' }).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the runs list shows 20 runs a page and pages back to the oldest and forward again', async () => {
  while ((await server.api<{ runs: unknown[] }>('GET', '/api/v1/runs?project=site&limit=100')).runs.length < 22) await trigger();
  const { runs } = await server.api<{ runs: { id: number }[] }>('GET', '/api/v1/runs?project=site&limit=100');
  const { page, problems, context } = await openDashboard(browser);
  await signIn(page, server.url, 'vera', PASSWORD);
  await page.goto(`${server.url}/projects/site`);
  const shown = async () => (await page.locator('tr[data-run]').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-run')))));
  await page.locator('tr[data-run]').first().waitFor();
  assert.deepEqual(await shown(), runs.slice(0, 20).map((run) => run.id));

  await page.getByRole('link', { name: 'Older runs' }).click();
  await page.waitForURL(/\?before=\d+$/);
  await page.locator(`tr[data-run="${runs[20]?.id}"]`).waitFor();
  assert.deepEqual(await shown(), runs.slice(20, 40).map((run) => run.id));
  assert.equal(await page.getByRole('link', { name: 'Older runs' }).count(), runs.length > 40 ? 1 : 0);

  await page.getByRole('link', { name: 'Newest runs' }).click();
  await page.locator(`tr[data-run="${runs[0]?.id}"]`).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test("the server refuses a viewer's run, cancel and re-run all the same", async () => {
  const runId = await trigger();
  const { accessToken: token } = await login(server, 'vera', PASSWORD);
  const refusals = await Promise.all([
    call(server, 'POST', '/api/v1/projects/site/runs', { token, body: {} }),
    call(server, 'POST', `/api/v1/runs/${runId}/cancel`, { token }),
    call(server, 'POST', `/api/v1/runs/${runId}/retry`, { token, body: {} }),
  ]);
  assert.deepEqual(
    refusals.map((reply) => reply.status),
    [403, 403, 403],
  );
  assert.equal((await server.api<{ status: string }>('GET', `/api/v1/runs/${runId}`)).status, 'running');
});
