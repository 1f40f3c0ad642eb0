// The README's Quick start as a new user follows it: `deploylite server --example`, open the
// printed dashboard address, sign in as `admin` with the first password from the file the
// banner names, open `hello`, press Run pipeline and watch the run finish live.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { launchBrowser, openDashboard, screenshot, seriousAccessibilityViolations } from '../support/browser.js';
import { REPO_ROOT } from '../support/cli.js';
import { gitRepo, startServer } from '../support/control-plane.js';

test('the Quick start: the admin opens the printed dashboard address, signs in and watches the example run live', async () => {
  const checkout = gitRepo({ 'examples/hello.yml': readFileSync(join(REPO_ROOT, 'examples/hello.yml'), 'utf8') });
  const [server, browser] = await Promise.all([startServer({ cwd: checkout.path, args: ['--example'], env: { DEPLOYLITE_ADMIN_TOKEN: '' } }), launchBrowser()]);
  try {
    const banner = server.cli.stderr();
    const passwordFile = /admin user: "admin", first password in (\S+) /.exec(banner);
    const dashboard = /dashboard: (\S+) \(sign in as "admin"\)/.exec(banner);
    assert.ok(passwordFile && dashboard, banner);
    const { page, problems } = await openDashboard(browser);
    await page.goto(dashboard[1] as string);
    await page.getByRole('heading', { name: 'Sign in to DeployLite' }).waitFor();
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(readFileSync(passwordFile[1] as string, 'utf8').trim());
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('link', { name: 'hello' }).click();
    await page.getByRole('heading', { name: 'hello', level: 1 }).waitFor();
    await page.evaluate('window.stillTheSamePage = true');
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    // The example takes a second or two: the page may first show it running or already done; it must end green
    // without a reload (that the states change live on screen is watch-a-run.test.ts's subject).
    await page.locator('[data-run-status][data-status="success"]').waitFor({ timeout: 60_000 });
    const nodes = page.locator('[data-run-graph] [data-job]');
    const statuses = await nodes.evaluateAll((all) => all.map((node) => `${node.getAttribute('data-job')}: ${node.getAttribute('data-status')}`));
    assert.deepEqual(statuses, ['plan: success', 'build: success', 'test: success', 'report: success']);
    assert.equal(await page.evaluate('window.stillTheSamePage'), true, 'the page was reloaded');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await screenshot(page, 'dashboard-quick-start-run');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await server.stop();
  }
});
