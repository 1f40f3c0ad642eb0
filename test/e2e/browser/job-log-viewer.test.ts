// The job log page as a log viewer, in a real browser against a real `deploylite server` and
// its built-in runner: terminal colours drawn as styled text, a 20,000-line log virtualised,
// search with a count and next/previous, `#L123` links, the whole log downloaded, the view
// following a live log until the reader scrolls away — accessible, and usable on a phone.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import type { DashboardPage } from '../support/browser.js';
import { launchBrowser, openDashboard, overflowsSideways, PHONE, screenshot, seriousAccessibilityViolations, signIn } from '../support/browser.js';
import { PASSWORD } from '../support/callers.js';
import { workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startServer, waitForRun } from '../support/control-plane.js';

const ROWS = 20_000;
const SECRET = 'opensesame-in-the-browser';
const gate = workdir();

const PIPELINE = `name: paint
jobs:
  paint:
    steps:
      - run: |
          printf '\\033[31mred alert\\033[0m then plain\\n'
          printf '\\033[1;32mbold green\\033[0m\\n'
          printf '\\033[38;5;208morange from 256\\033[0m\\n'
          printf '\\033[38;2;0;0;0mblack truecolour\\033[0m\\n'
          printf '<b>not markup</b>\\n'
          echo "warning on stderr" >&2
          echo "token=\${{ secrets.TOKEN }}"
          seq -f 'row %g' 1 ${ROWS}
          echo "the NEEDLE in the haystack"
          seq -f 'tail %g' 1 300
  live:
    steps:
      - run: |
          i=0
          while [ ! -e ${gate}/stop ]; do i=$((i+1)); echo "tick $i"; sleep 0.1; done
          echo "stopped"
`;

let server: ServerProcess;
let browser: Browser;
let viewer: DashboardPage;
let runId: number;
let needleLine: number;
let totalLines: number;
let stderrLine: number;

before(async () => {
  [server, browser] = await Promise.all([startServer({ env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } }), launchBrowser()]);
  await server.api('POST', '/api/v1/projects', { name: 'paint', repository: gitRepo({ '.deploylite.yml': PIPELINE }).path }, 201);
  await server.api('PUT', '/api/v1/projects/paint/secrets/TOKEN', { value: SECRET }, 200);
  runId = (await server.api<{ id: number }>('POST', '/api/v1/projects/paint/runs', {}, 201)).id;
  viewer = await openDashboard(browser);
  await signIn(viewer.page, server.url, 'admin', PASSWORD);
  await waitForRun(server, runId, (run) => run.jobs.some((job) => job.key === 'paint' && ['success', 'failed'].includes(job.status)), 60_000);
  const stored = await jobLog(server, runId, 'paint');
  needleLine = stored.find((line) => line.text.includes('NEEDLE'))?.lineNo ?? 0;
  totalLines = stored.length;
  stderrLine = stored.find((line) => line.stream === 'stderr')?.lineNo ?? 0;
});
after(async () => {
  writeFileSync(join(gate, 'stop'), '');
  if (runId) await waitForRun(server, runId, isFinal).catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

const rowOf = (page: Page, lineNo: number) => page.locator(`[data-log] li[data-line="${lineNo}"]`);
const segment = (page: Page, text: string) => page.locator('[data-log] li span span', { hasText: text }).first();

async function openLog(page: Page, hash = ''): Promise<void> {
  await page.goto(`${server.url}/runs/${runId}/jobs/paint${hash}`);
  await page.locator('[data-log-state][data-state="complete"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-log-count]').filter({ hasText: `${totalLines.toLocaleString('en')} lines` }).waitFor();
}

/** Whether `inner` lies (vertically) inside the log's scroll box as it is drawn now. */
async function shownInLog(page: Page, inner: Locator): Promise<boolean> {
  const box = await page.locator('[data-log-scroller]').boundingBox();
  const row = await inner.boundingBox();
  return !!box && !!row && row.y >= box.y && row.y + row.height <= box.y + box.height;
}

test('terminal colours and weights are drawn as styled text, readable, and markup stays text', async () => {
  const { page, problems } = viewer;
  await openLog(page, '#L1');
  const red = (await segment(page, 'red alert').evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).color)) ?? '';
  const [r, g, b] = (red.match(/\d+/g) ?? []).map(Number) as [number, number, number];
  assert.ok(r > g + 60 && r > b + 60, `"red alert" is drawn in ${red}`);
  assert.equal(await segment(page, 'bold green').evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).fontWeight), '700');
  assert.equal(await segment(page, 'orange from 256').evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).color), 'rgb(255, 135, 0)');
  // Black on the black log is lightened until readable; the scan below checks the contrast.
  assert.notEqual(await segment(page, 'black truecolour').evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).color), 'rgb(0, 0, 0)');
  assert.equal(await page.locator('[data-log] b').count(), 0);
  await page.locator('[data-log] li', { hasText: '<b>not markup</b>' }).waitFor();
  await page.locator('[data-log] li', { hasText: 'token=***' }).waitFor();
  // stderr is marked by a sign and (for screen readers) words, not by its colour alone.
  await page.locator('[data-log-scroller]').evaluate((box, line) => box.scrollTo({ top: (line - 5) * 20 }), stderrLine);
  const stderr = page.locator('[data-log] li[data-stream="stderr"]', { hasText: 'warning on stderr' });
  assert.equal(await stderr.locator('a i[aria-hidden="true"]').textContent(), '!');
  assert.equal(await stderr.locator('.sr-only').textContent(), 'stderr: ');
  assert.equal(await page.getByText(SECRET).count(), 0);
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
  await screenshot(page, 'job-log-colours');
  assert.deepEqual(problems, []);
});

test('a 20,000-line log keeps only the rows on screen in the page', async () => {
  const { page } = viewer;
  const drawn = await page.locator('[data-log] li').count();
  assert.ok(drawn > 10 && drawn < 200, `${drawn} rows in the DOM`);
  await page.locator('[data-log-scroller]').evaluate((box) => box.scrollTo({ top: box.scrollHeight }));
  await page.locator('[data-log] li', { hasText: 'tail 300' }).waitFor();
  assert.ok((await page.locator('[data-log] li').count()) < 200);
});

test('search counts every match, steps with Enter and Shift+Enter, and scrolls the match into view', async () => {
  const { page, problems } = viewer;
  await page.locator('[data-log-scroller]').evaluate((box) => box.scrollTo({ top: 0 }));
  await page.keyboard.press('/');
  assert.equal(await page.evaluate('document.activeElement?.id'), 'log-search');
  await page.keyboard.type('needle');
  const summary = page.locator('[data-log-search-summary]');
  await summary.filter({ hasText: '1 of 1 match' }).waitFor();
  const current = page.locator('[data-log] mark[data-current-match]');
  assert.equal(await current.textContent(), 'NEEDLE');
  assert.equal(await current.locator('xpath=ancestor::li').getAttribute('data-line'), String(needleLine));
  assert.ok(await shownInLog(page, current), 'the match is scrolled into view');

  // "row 1" is in row 1, rows 10–19, 100–199, 1000–1999 and 10000–19999.
  await page.locator('[data-log-search]').fill('ROW 1');
  await summary.filter({ hasText: /of 11,111 matches/ }).waitFor();
  const ordinal = async () => Number(/^([\d,]+) of/.exec((await summary.textContent()) ?? '')?.[1]?.replaceAll(',', ''));
  const first = await ordinal();
  await page.keyboard.press('Enter');
  await summary.filter({ hasText: `${(first + 1).toLocaleString('en')} of` }).waitFor();
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.press('Shift+Enter');
  await summary.filter({ hasText: `${first === 1 ? '11,111' : (first - 1).toLocaleString('en')} of` }).waitFor();
  assert.match((await current.textContent()) ?? '', /^row 1$/);
  assert.ok(await shownInLog(page, current), 'the stepped-to match is scrolled into view');
  await page.locator('[data-log-search]').fill('no such text anywhere');
  await summary.filter({ hasText: 'No matches' }).waitFor();
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
  await screenshot(page, 'job-log-search');
  await page.locator('[data-log-search]').fill('');
  assert.deepEqual(problems, []);
});

test('opening #L<n> scrolls to that line and highlights it; a line number is its own link', async () => {
  const { page, problems } = viewer;
  const target = 12_345;
  await openLog(page, `#L${target}`);
  const row = rowOf(page, target);
  await row.and(page.locator('[aria-current="true"]')).waitFor();
  assert.ok(await shownInLog(page, row), `line ${target} is not in view`);
  assert.equal(await page.locator('[data-log] li[aria-current="true"]').count(), 1);

  await rowOf(page, target + 2).getByRole('link', { name: `Line ${target + 2}` }).click();
  await page.waitForURL(new RegExp(`#L${target + 2}$`));
  await rowOf(page, target + 2).and(page.locator('[aria-current="true"]')).waitFor();
  await screenshot(page, 'job-log-line-link');
  assert.deepEqual(problems, []);
});

test('Download saves the whole log as text, secrets masked', async () => {
  const { page, problems } = viewer;
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the log as text' }).click()]);
  assert.equal(download.suggestedFilename(), `run-${runId}-paint.log`);
  const text = readFileSync((await download.path()) as string, 'utf8');
  const expected = (await jobLog(server, runId, 'paint')).map((line) => `${line.text}\n`).join('');
  assert.equal(text, expected);
  assert.ok(text.includes('\u001b[31mred alert\u001b[0m then plain\n'));
  assert.ok(text.includes(`row ${ROWS}\n`) && text.includes('token=***') && !text.includes(SECRET));
  assert.deepEqual(problems, []);
});

test('a live log is followed at its end until the reader scrolls up, and again when asked', async () => {
  const { page, problems } = viewer;
  await page.goto(`${server.url}/runs/${runId}/jobs/live`);
  await page.locator('[data-log-state][data-state="live"]').waitFor({ timeout: 30_000 });
  const follow = page.locator('[data-log-follow]');
  assert.equal(await follow.getAttribute('aria-pressed'), 'true');
  const scroller = page.locator('[data-log-scroller]');
  /** The tick number of the last row drawn. */
  const lastShown = async () => Number(/tick (\d+)$/.exec((await page.locator('[data-log] li').last().textContent()) ?? '')?.[1] ?? 0);
  const atEnd = () => scroller.evaluate((box) => box.scrollTop + box.clientHeight >= box.scrollHeight - 20);

  // The newest tick keeps showing at the bottom as they come (the job has ticked for a while: the box overflows).
  const waitForTick = async (tick: number) => {
    for (const deadline = Date.now() + 15_000; (await lastShown()) < tick; await page.waitForTimeout(100)) {
      if (Date.now() > deadline) throw new Error(`tick ${tick} never showed; the last was ${await lastShown()}`);
    }
  };
  await waitForTick(40);
  await waitForTick((await lastShown()) + 5);
  assert.ok(await atEnd(), 'following: the newest line is at the bottom');

  await scroller.hover();
  await page.mouse.wheel(0, -400);
  await follow.and(page.locator('[aria-pressed="false"]')).waitFor();
  const heldTop = await scroller.evaluate((box) => box.scrollTop);
  await page.waitForTimeout(600);
  assert.equal(await scroller.evaluate((box) => box.scrollTop), heldTop, 'the view moved while the reader was reading');
  assert.equal(await atEnd(), false);

  await follow.focus();
  await page.keyboard.press('Enter');
  await follow.and(page.locator('[aria-pressed="true"]')).waitFor();
  await waitForTick((await lastShown()) + 3);
  assert.ok(await atEnd());
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
  await screenshot(page, 'job-log-live');

  await page.setViewportSize(PHONE);
  assert.equal(await overflowsSideways(page), false, 'the log page is wider than a phone');
  await screenshot(page, 'job-log-phone');
  assert.deepEqual(problems, []);
});
