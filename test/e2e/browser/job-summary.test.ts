// A GitHub workflow job's step summary on its job page, in a real browser against a real
// `deploylite server` and its built-in runner: Markdown is rendered (headings, tables, links that
// open safely), and HTML the job wrote is shown as text, never run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { DashboardPage } from '../support/browser.js';
import { launchBrowser, openDashboard, seriousAccessibilityViolations, signIn } from '../support/browser.js';
import { PASSWORD } from '../support/callers.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, startServer, waitForRun } from '../support/control-plane.js';

const WORKFLOW = `name: report
on: workflow_dispatch
jobs:
  main:
    runs-on: self-hosted
    steps:
      - run: |
          cat >> "$GITHUB_STEP_SUMMARY" <<'EOF'
          ## Test report

          | suite | passed |
          |---|---|
          | api | 12 |

          See [the docs](https://example.com/docs).

          <script>window.pwned = 'script'</script>
          <img src="x" onerror="window.pwned = 'img'">
          EOF
`;

let server: ServerProcess;
let browser: Browser;
let viewer: DashboardPage;

before(async () => {
  [server, browser] = await Promise.all([startServer({ env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } }), launchBrowser()]);
  await server.api('POST', '/api/v1/projects', { name: 'report', repository: gitRepo({ '.github/workflows/report.yml': WORKFLOW }).path, pipelinePath: '.github/workflows/' }, 201);
  viewer = await openDashboard(browser);
  await signIn(viewer.page, server.url, 'admin', PASSWORD);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a job's step summary shows rendered as Markdown on its page, with the HTML it holds shown as text and never run", async () => {
  const { page, problems } = viewer;
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/report/runs', {}, 201);
  assert.equal((await waitForRun(server, id, isFinal, 60_000)).status, 'success');

  await page.goto(`${server.url}/runs/${id}/jobs/main`);
  const summary = page.locator('[data-job-summary]');
  await summary.getByRole('heading', { name: 'Test report', level: 2 }).waitFor();
  assert.equal(await summary.getByRole('cell', { name: '12' }).count(), 1);
  const link = summary.getByRole('link', { name: 'the docs' });
  assert.equal(await link.getAttribute('href'), 'https://example.com/docs');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');

  // The HTML is text on the page, not elements; nothing it holds ran.
  const text = await summary.innerText();
  assert.match(text, /<script>window\.pwned = 'script'<\/script>/);
  assert.match(text, /<img src="x" onerror="window\.pwned = 'img'">/);
  assert.equal(await summary.locator('script, img').count(), 0);
  assert.equal(await page.evaluate('window.pwned'), undefined);
  assert.deepEqual(problems, []);
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
});
