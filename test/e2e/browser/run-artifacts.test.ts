// A run's artifacts on its page, in a real browser against a real `deploylite server` and its
// built-in runner: the list fills in when the job finishes (no reload), shows the size, file
// count and digest, and saves the archive (the bytes the digest names), its SBOM and its
// signature, with the token in a header, never in an address; accessible, and usable on a phone.
import assert from 'node:assert/strict';
import { createHash, createVerify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Download, Page } from 'playwright-core';
import { formatBytes } from '../../../web/src/lib/format.js';
import type { DashboardPage } from '../support/browser.js';
import { launchBrowser, openDashboard, overflowsSideways, PHONE, screenshot, seriousAccessibilityViolations, signIn } from '../support/browser.js';
import { PASSWORD } from '../support/callers.js';
import { workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, startServer, waitForRun } from '../support/control-plane.js';

const gate = workdir();
// The job waits for the test to open the page first, so the list must fill in on its own.
const PIPELINE = `name: site
jobs:
  build:
    artifacts: { name: site, paths: [dist] }
    steps:
      - run: |
          while [ ! -e ${gate}/go ]; do sleep 0.1; done
          mkdir -p dist/js
          seq 1 3000 > dist/js/app.js
          echo "<html>" > dist/index.html
`;

interface ListedArtifact {
  name: string;
  digest: string;
  size: number;
  files: number;
  signature: string;
  sbomDigest: string;
}

let server: ServerProcess;
let browser: Browser;
let viewer: DashboardPage;

before(async () => {
  [server, browser] = await Promise.all([startServer({ env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } }), launchBrowser()]);
  await server.api('POST', '/api/v1/projects', { name: 'site', repository: gitRepo({ '.deploylite.yml': PIPELINE }).path }, 201);
  await server.api('POST', '/api/v1/projects', { name: 'plain', repository: gitRepo({ '.deploylite.yml': 'jobs:\n  hello:\n    steps: [{ run: echo hi }]\n' }).path }, 201);
  viewer = await openDashboard(browser);
  await signIn(viewer.page, server.url, 'admin', PASSWORD);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const artifactCard = (page: Page, name: string) => page.locator(`[data-artifacts] [data-artifact="${name}"]`);

/** Presses Enter on a focused download button; the saved file's name and bytes. */
async function saveWithKeyboard(page: Page, buttonName: string): Promise<{ name: string; bytes: Buffer }> {
  await page.getByRole('button', { name: buttonName }).focus();
  const [download]: [Download, void] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  return { name: download.suggestedFilename(), bytes: readFileSync((await download.path()) as string) };
}

test("a job's artifact appears on the run page when it finishes, and saves as the bytes its digest names", async () => {
  const { page, problems } = viewer;
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/site/runs', {}, 201);
  const artifactRequests: { url: string; authorization: string | undefined }[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.includes('/artifacts')) artifactRequests.push({ url: request.url(), authorization: request.headers().authorization });
  });

  await page.goto(`${server.url}/runs/${id}`);
  await page.locator('[data-artifacts-empty]').filter({ hasText: "No artifacts yet: a job's artifacts appear here when it finishes." }).waitFor();
  await page.evaluate('window.stillTheSamePage = true');
  writeFileSync(join(gate, 'go'), '');

  const card = artifactCard(page, 'site');
  await card.waitFor({ timeout: 30_000 });
  await page.locator('[data-run-status][data-status="success"]').waitFor();
  assert.equal(await page.evaluate('window.stillTheSamePage'), true, 'the page was reloaded');
  const [listed] = (await server.api<{ artifacts: ListedArtifact[] }>('GET', `/api/v1/runs/${id}/artifacts`)).artifacts;
  assert.ok(listed);
  assert.equal(await card.getByRole('heading', { level: 3 }).textContent(), 'site');
  assert.equal(await card.getByRole('link', { name: 'build' }).getAttribute('href'), `/runs/${id}/jobs/build`);
  assert.equal((await card.locator('[data-artifact-files]').textContent())?.trim(), '2');
  const digest = card.locator('[data-digest]');
  assert.equal(await digest.getAttribute('title'), listed.digest);
  assert.equal(await digest.textContent(), `sha256:${listed.digest.slice('sha256:'.length, 'sha256:'.length + 12)}…`);

  const archive = await saveWithKeyboard(page, 'Download archive of site');
  assert.equal(archive.name, 'site.tar');
  assert.equal(`sha256:${createHash('sha256').update(archive.bytes).digest('hex')}`, listed.digest);
  // The size shown is the size of what was saved.
  const size = card.locator('[data-artifact-size]');
  assert.equal((await size.textContent())?.trim(), formatBytes(archive.bytes.length));
  assert.equal(await size.getAttribute('title'), `${archive.bytes.length.toLocaleString('en')} bytes`);
  assert.ok(archive.bytes.length > 10_000, `the archive holds both files: ${archive.bytes.length} bytes`);

  const sbom = await saveWithKeyboard(page, 'Download SBOM of site');
  assert.equal(sbom.name, 'site.sbom.json');
  assert.equal(`sha256:${createHash('sha256').update(sbom.bytes).digest('hex')}`, listed.sbomDigest);
  assert.equal((JSON.parse(sbom.bytes.toString('utf8')) as { bomFormat: string }).bomFormat, 'CycloneDX');

  // The saved signature verifies the saved archive against the project's key, as `cosign verify-blob` would.
  const signature = await saveWithKeyboard(page, 'Download signature of site');
  assert.equal(signature.name, 'site.tar.sig');
  const key = await (await fetch(`${server.url}/api/v1/projects/site/signing-key`, { headers: { authorization: `Bearer ${server.token}` } })).text();
  const valid = createVerify('sha256').update(archive.bytes).verify({ key, dsaEncoding: 'der' }, Buffer.from(signature.bytes.toString('utf8').trim(), 'base64'));
  assert.equal(valid, true, 'the saved signature does not verify the saved archive');

  // The full digest is one keypress away, for pasting into a checksum tool.
  await viewer.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await card.getByRole('button', { name: 'Copy the SHA-256 of site' }).focus();
  await page.keyboard.press('Enter');
  await page.getByText('Copied the SHA-256 of site.').waitFor({ state: 'attached' });
  assert.equal(await page.evaluate('navigator.clipboard.readText()'), listed.digest);

  // Every artifact request carried the token in its header; none put anything in its address.
  assert.ok(artifactRequests.length >= 3, JSON.stringify(artifactRequests));
  for (const request of artifactRequests) {
    assert.match(request.authorization ?? '', /^Bearer \S+$/, request.url);
    assert.equal(new URL(request.url).search, '', request.url);
  }

  await assertAccessible(page);
  await screenshot(page, 'dashboard-run-artifacts');
  await page.setViewportSize(PHONE);
  assert.equal(await overflowsSideways(page), false, 'the run page with artifacts is wider than a phone');
  await screenshot(page, 'dashboard-run-artifacts-phone');
  await page.setViewportSize({ width: 1280, height: 860 });
  assert.deepEqual(problems, []);
});

test('a run that keeps no artifacts says so', async () => {
  const { page, problems } = viewer;
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/plain/runs', {}, 201);
  await waitForRun(server, id, isFinal);
  await page.goto(`${server.url}/runs/${id}`);
  await page.locator('[data-artifacts-empty]').filter({ hasText: 'This run has no artifacts.' }).waitFor();
  await assertAccessible(page);
  assert.deepEqual(problems, []);
});

async function assertAccessible(page: Page): Promise<void> {
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
}
