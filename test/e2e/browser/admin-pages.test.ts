// The dashboard's admin pages against a real `deploylite server` with its built-in runner:
// the runner shows as online, with a link to the job it runs; a runner that never polled
// shows as offline; an admin makes an API token (shown once) and revokes it, and
// the audit log records both; a user who is not an admin is offered no audit page and is
// refused by the server if they open it anyway. Each page is scanned with axe-core and
// photographed into test-results/.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { DashboardPage } from '../support/browser.js';
import { launchBrowser, openDashboard, overflowsSideways, PHONE, screenshot, seriousAccessibilityViolations, signIn } from '../support/browser.js';
import { call, login, PASSWORD } from '../support/callers.js';
import { workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, startServer, waitForRun } from '../support/control-plane.js';

/** The job `hold` runs until the test writes this file. */
const RELEASE = join(workdir(), 'release');
const HOLD_PIPELINE = `jobs:
  hold:
    steps:
      - run: while [ ! -f ${RELEASE} ]; do sleep 0.1; done; echo released
`;

let server: ServerProcess;
let browser: Browser;
let admin: DashboardPage;

before(async () => {
  [server, browser] = await Promise.all([startServer({ env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } }), launchBrowser()]);
  await server.api('POST', '/api/v1/users', { username: 'nora', password: PASSWORD }, 201);
  await server.api('POST', '/api/v1/projects', { name: 'held', repository: gitRepo({ '.deploylite.yml': HOLD_PIPELINE }).path }, 201);
  admin = await openDashboard(browser);
  await signIn(admin.page, server.url, 'admin', PASSWORD);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function assertAccessible(page: Page): Promise<void> {
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
}

test('the runners page shows the built-in runner online, with its labels, capacity and load', async () => {
  const { page, problems } = admin;
  const { runners } = await server.api<{ runners: { name: string; labels: string[]; capacity: number }[] }>('GET', '/api/v1/runners');
  const runner = runners[0];
  assert.ok(runner, 'the server starts a built-in runner');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runners' }).click();
  await page.getByRole('heading', { name: 'Runners' }).waitFor();
  const row = page.locator(`tr[data-runner="${runner.name}"]`);
  await row.locator('[data-runner-state]', { hasText: 'online' }).waitFor();
  assert.equal(await row.getAttribute('data-online'), 'true');
  assert.equal((await row.locator('[data-runner-load]').textContent())?.trim(), `0 of ${runner.capacity}`);
  for (const label of runner.labels) await row.getByRole('listitem').filter({ hasText: label }).first().waitFor();
  await assertAccessible(page);
  await screenshot(page, 'dashboard-runners');
  assert.deepEqual(problems, []);
});

test('the runners page links to the job a runner runs now, and the link opens that job', async () => {
  const { page, problems } = admin;
  const { runners } = await server.api<{ runners: { name: string; capacity: number }[] }>('GET', '/api/v1/runners');
  const runner = runners[0] as { name: string; capacity: number };
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/held/runs', {}, 201);
  await waitForRun(server, id, (run) => run.jobs.some((job) => job.key === 'hold' && job.status === 'running'));

  await page.goto(`${server.url}/runners`);
  const row = page.locator(`tr[data-runner="${runner.name}"]`);
  await row.locator('[data-runner-load]', { hasText: `1 of ${runner.capacity}` }).waitFor();
  const link = row.getByRole('link', { name: `run #${id} · hold` });
  await link.waitFor();
  assert.match((await row.locator(`[data-runner-job="${id}:hold"]`).textContent()) ?? '', /in held/, 'the job names its project');
  await assertAccessible(page);
  await screenshot(page, 'dashboard-runners-busy');

  const phone = await openDashboard(browser, PHONE);
  await signIn(phone.page, server.url, 'admin', PASSWORD);
  await phone.page.goto(`${server.url}/runners`);
  const phoneLink = phone.page.getByRole('link', { name: `run #${id} · hold` });
  await phoneLink.scrollIntoViewIfNeeded();
  assert.equal(await overflowsSideways(phone.page), false, 'the page fits a phone with the job listed');
  await screenshot(phone.page, 'dashboard-runners-busy-phone');
  assert.deepEqual(phone.problems, []);
  await phone.context.close();

  // Nora is no member of the project: she sees the runner's load but not which job it is.
  const outsider = await openDashboard(browser);
  await signIn(outsider.page, server.url, 'nora', PASSWORD);
  await outsider.page.goto(`${server.url}/runners`);
  const outsiderRow = outsider.page.locator(`tr[data-runner="${runner.name}"]`);
  await outsiderRow.locator('[data-runner-load]', { hasText: `1 of ${runner.capacity}` }).waitFor();
  assert.equal((await outsiderRow.locator('[data-runner-hidden-jobs]').textContent())?.trim(), '1 job of a project you cannot see');
  assert.equal(await outsiderRow.getByRole('link').count(), 0);
  assert.deepEqual(outsider.problems, []);
  await outsider.context.close();

  // Keyboard alone: the link takes focus and Enter follows it.
  await link.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(`${server.url}/runs/${id}/jobs/hold`);
  await page.getByRole('heading', { name: 'hold', exact: true }).waitFor();
  await page.locator('[data-job-status][data-status="running"]').waitFor();

  writeFileSync(RELEASE, '');
  await page.locator('[data-job-status][data-status="success"]').waitFor({ timeout: 30_000 });
  await page.goto(`${server.url}/runners`);
  await row.locator('[data-runner-load]', { hasText: `0 of ${runner.capacity}` }).waitFor();
  assert.equal(await row.locator('[data-runner-job]').count(), 0, 'a finished job is no longer listed');
  assert.deepEqual(problems, []);
});

test('a registered runner that never polled shows as offline, in words and not only in colour', async () => {
  const { page, problems } = admin;
  const { token: registration } = await server.api<{ token: string }>('POST', '/api/v1/tokens', { name: 'reg-silent', kind: 'runner-registration' }, 201);
  const registered = await call(server, 'POST', '/api/v1/runners/register', { token: registration, body: { name: 'silent', labels: ['gpu'], capacity: 4, version: 'test' } });
  assert.equal(registered.status, 201, registered.text);

  await page.goto(`${server.url}/runners`);
  const row = page.locator('tr[data-runner="silent"]');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-online'), 'false');
  assert.equal((await row.locator('[data-runner-state]').textContent())?.trim(), 'offline');
  assert.equal((await row.locator('[data-runner-load]').textContent())?.trim(), '0 of 4');
  await row.getByText('never', { exact: true }).waitFor();
  await assertAccessible(page);
  await screenshot(page, 'dashboard-runners-offline');
  assert.deepEqual(problems, []);
});

test('the runners, tokens and audit pages fit a phone screen', async () => {
  const phone = await openDashboard(browser, PHONE);
  await signIn(phone.page, server.url, 'admin', PASSWORD);
  for (const [path, shown] of [['/runners', '[data-runner-state]'], ['/tokens', 'tr[data-token]'], ['/audit', '[data-audit-entry]']] as const) {
    await phone.page.goto(`${server.url}${path}`);
    await phone.page.locator(shown).first().waitFor();
    assert.equal(await overflowsSideways(phone.page), false, `${path} fits`);
  }
  await screenshot(phone.page, 'dashboard-audit-phone');
  assert.deepEqual(phone.problems, []);
  await phone.context.close();
});

test('an admin creates an API token, sees it once, and revokes it', async () => {
  const { page, problems } = admin;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('heading', { name: 'API tokens' }).waitFor();
  await page.getByLabel('Name').fill('deploy-script');
  await page.getByLabel('Highest role').selectOption('developer');
  await page.getByLabel('Expires after').selectOption('30d');
  await page.getByRole('button', { name: 'Create token' }).click();

  const value = await page.getByLabel('The new token').inputValue();
  assert.match(value, /^dl/);
  assert.equal((await call(server, 'GET', '/api/v1/whoami', { token: value })).status, 200, 'the token shown works');
  const row = page.locator('tr[data-token="deploy-script"]');
  await row.locator('[data-token-state]', { hasText: 'active' }).waitFor();
  assert.match((await row.textContent()) ?? '', /developer on all projects/);
  await assertAccessible(page);
  await screenshot(page, 'dashboard-tokens');

  await page.reload();
  await row.waitFor();
  assert.equal(await page.locator('[data-new-token]').count(), 0, 'the token is shown only once');
  assert.equal((await page.content()).includes(value), false);

  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: 'Revoke deploy-script' }).click();
  await row.locator('[data-token-state]', { hasText: 'revoked' }).waitFor();
  assert.equal(await row.getByRole('button').count(), 0);
  assert.equal((await call(server, 'GET', '/api/v1/whoami', { token: value })).status, 401, 'the revoked token stops working');
  assert.deepEqual(problems, []);
});

test('an admin finds the token actions in the audit log, filters them and downloads them', async () => {
  const { page, problems } = admin;
  const { tokens } = await server.api<{ tokens: { id: number; name: string }[] }>('GET', '/api/v1/tokens');
  const token = tokens.find((t) => t.name === 'deploy-script');
  assert.ok(token, 'the token test ran first');
  const { entries: expected } = await server.api<{ entries: { id: number; action: string }[] }>('GET', `/api/v1/audit?resource=token:${token.id}`);
  assert.equal(expected.length, 2, 'creating and revoking are both audited');
  const action = expected[0]?.action as string;

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  await page.locator('[data-audit-entry]').first().waitFor();
  await assertAccessible(page);
  await screenshot(page, 'dashboard-audit');

  await page.getByLabel('Action').fill(action);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/[?&]action=/);
  for (const entry of expected) await page.locator(`[data-audit-entry="${entry.id}"]`).waitFor();
  const shownActions = await page.locator('[data-audit-entry]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
  assert.ok(shownActions.length >= 2 && shownActions.every((shown) => shown === action), `only ${action} entries: ${shownActions.join(', ')}`);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as JSON lines' }).click()]);
  const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { id: number; action: string });
  assert.equal(lines.length, shownActions.length);
  assert.ok(lines.every((line) => line.action === action));
  assert.deepEqual(problems, []);
});

test('a user who is not an admin is offered no audit page, and the server refuses it to them', async () => {
  const { page, problems, context } = await openDashboard(browser);
  await signIn(page, server.url, 'nora', PASSWORD);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Tokens' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Audit' }).count(), 0);

  const { accessToken } = await login(server, 'nora', PASSWORD);
  const refusal = await call(server, 'GET', '/api/v1/audit', { token: accessToken });
  assert.equal(refusal.status, 403);
  await page.goto(`${server.url}/audit`);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent())?.trim(), refusal.json<{ error: { message: string } }>().error.message);
  assert.equal(await page.locator('[data-audit-entry]').count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Download as JSON lines' }).count(), 0);
  // The refused request is a console error of the browser's own; nothing else went wrong.
  assert.deepEqual(problems.filter((problem) => !problem.includes('403')), []);
  await context.close();
});
