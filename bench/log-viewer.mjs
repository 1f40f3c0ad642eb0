// The dashboard's job log viewer with a 100,000-line log, in headless Chromium (Debian's
// `chromium`, driven by playwright-core), against a real `deploylite server` (SQLite) and a
// real `deploylite runner` on loopback. The job prints LINES lines, every tenth with ANSI
// colours (green, bold red), one line holding "NEEDLE"; the built dashboard (dist/web) is
// what the browser loads.
//
//   viewer      the job's page (/runs/<id>/jobs/<key>), signed in:
//     first rows   navigation start → the first log row in the DOM (one API page fetched)
//     all lines    navigation start → the line count shows LINES (every page fetched, 5,000 a page)
//     scroll       the log box scrolled top to bottom in SCROLL_FRAMES steps, one per frame:
//                  frame time p50 / p95 / max (rAF deltas), the longest long task
//                  (PerformanceObserver 'longtask', ≥ 50 ms), rows in the DOM
//     search       a query typed and Enter pressed → the match count shown and the first
//                  match drawn (includes re-rendering the rows); the longest long task
//   reference   in the same browser, a page holding the same lines as one plain,
//               non-virtualised <pre> (colour codes removed, no styling: the cheapest
//               complete rendering), in a box of the same size:
//     first rows   text set → the next frame painted
//     scroll       the same scroll procedure
//     search       a plain loop of `toLowerCase().includes()` over the same lines, counting
//                  the matching lines (what any search must at least do; no drawing)
//
// Each figure is the median of ROUNDS page loads (the server and run are set up once).
//
//   npm run build && node bench/log-viewer.mjs [--lines 100000] [--rounds 3]
// Functions passed to page.evaluate run in the browser, with its globals.
/* global document, window, requestAnimationFrame, performance, setTimeout, Event, KeyboardEvent, fetch */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createProject, startRunner, startServer, triggerRun, waitForRuns } from './lib/control-plane.mjs';
import { createJsonClient } from './lib/http-json.mjs';
import { machineInfo } from './lib/machine-info.mjs';
import { formatMs, median } from './lib/stats.mjs';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' } } });
const LINES = Number(values.lines);
const ROUNDS = Number(values.rounds);
const SCROLL_FRAMES = 300;
const PASSWORD = 'bench password for the log viewer';
const QUERIES = ['needle', 'error', 'line 1'];
const CHROMIUM = process.env.DEPLOYLITE_CHROMIUM ?? '/usr/bin/chromium';
if (!Number.isInteger(LINES) || LINES < 100 || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error('usage: node bench/log-viewer.mjs [--lines N ≥ 100] [--rounds N ≥ 1]');
  process.exit(2);
}

// awk writes the lines: 10% coloured, the rest plain, one needle two thirds of the way in.
// In chunks of 10,000 a second apart: the runner holds at most 50,000 unsent lines and drops
// (and reports) the rest, which a single burst of 100,000 would overflow.
const NEEDLE_AT = Math.floor((LINES * 2) / 3);
const CHUNK = 10_000;
const PIPELINE = `jobs:
  big:
    steps:
      - run: |
          for from in $(seq 1 ${CHUNK} ${LINES}); do
            awk -v from=$from 'BEGIN { for (i = from; i < from + ${CHUNK} && i <= ${LINES}; i++) {
              if (i == ${NEEDLE_AT}) printf "the NEEDLE is on line %d\\n", i;
              else if (i % 10 == 0) printf "\\033[32mok\\033[0m line %d \\033[1;31merror\\033[0m in step %d of the build\\n", i, i % 7;
              else printf "plain line %d with some ordinary build output text\\n", i } }'
            sleep 1
          done
`;

/** Installed before any page script: long tasks, and the moments the log first shows and shows all `lines` the server holds. */
const probe = (lines) => `
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
  window.__marks = {};
  const watch = () => {
    const now = performance.now();
    if (!window.__marks.firstRow && document.querySelector('[data-log] li')) window.__marks.firstRow = now;
    const count = document.querySelector('[data-log-count]');
    if (!window.__marks.allLines && count && count.textContent.replace(/[^0-9]/g, '') === '${lines}') window.__marks.allLines = now;
    if (!window.__marks.allLines) requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
`;

/** In the page: scroll `selector` top to bottom, one step per frame; frame times and long tasks. */
async function scrollThrough(page, selector) {
  return page.evaluate(
    async ({ selector, frames }) => {
      const box = document.querySelector(selector);
      box.scrollTop = 0;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      window.__longTasks = [];
      const step = (box.scrollHeight - box.clientHeight) / frames;
      const deltas = [];
      let last = performance.now();
      let rows = 0;
      for (let frame = 1; frame <= frames; frame++) {
        box.scrollTop = Math.round(step * frame);
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        deltas.push(now - last);
        last = now;
        rows = Math.max(rows, box.querySelectorAll('li').length);
      }
      // Long tasks are reported after they end: give the observer a moment.
      await new Promise((resolve) => setTimeout(resolve, 100));
      deltas.sort((a, b) => a - b);
      const at = (q) => deltas[Math.min(deltas.length - 1, Math.floor(q * deltas.length))];
      return { p50: at(0.5), p95: at(0.95), max: deltas[deltas.length - 1], longest: Math.max(0, ...window.__longTasks), rows };
    },
    { selector, frames: SCROLL_FRAMES },
  );
}

/** In the viewer: type `query`, press Enter; until the summary shows the count and the match is drawn. */
async function searchInViewer(page, query) {
  return page.evaluate(async (query) => {
    const input = document.querySelector('[data-log-search]');
    const summary = document.querySelector('[data-log-search-summary]');
    input.value = '';
    input.dispatchEvent(new Event('input'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    window.__longTasks = [];
    const start = performance.now();
    input.value = query;
    input.dispatchEvent(new Event('input'));
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    while (!/ of |No matches/.test(summary.textContent)) await new Promise((resolve) => requestAnimationFrame(resolve));
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const elapsed = performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { ms: elapsed, summary: summary.textContent.trim(), longest: Math.max(0, ...window.__longTasks), marked: document.querySelectorAll('[data-log] mark').length };
  }, query);
}

/** `page` is the signed-in tab: the session lives in its sessionStorage, so the log opens there. */
async function viewerRound(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.__marks.allLines, null, { timeout: 300_000, polling: 100 });
  const { firstRow, allLines } = await page.evaluate(() => window.__marks);
  const loadLongest = await page.evaluate(() => Math.max(0, ...window.__longTasks));
  const scroll = await scrollThrough(page, '[data-log-scroller]');
  const searches = {};
  for (const query of QUERIES) searches[query] = await searchInViewer(page, query);
  await page.goto('about:blank');
  return { firstRow, allLines, loadLongest, scroll, searches };
}

const escapeHtml = (text) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

/** The reference page, served to the browser as any page is (parsed as it arrives), from a route in this process. */
async function referenceRound(context, text) {
  const page = await context.newPage();
  const html = `<!doctype html><meta charset="utf-8"><title>reference</title><div id="box" style="height:602px;overflow:auto;font:13px/20px monospace;background:#020617;color:#f1f5f9"><pre id="log" style="margin:0">${escapeHtml(text)}</pre></div>`;
  await page.route('http://reference.test/', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  await page.addInitScript({
    content: `
      window.__longTasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
      window.__marks = {};
      // The whole <pre> parsed, then the next frame: the log is on screen.
      document.addEventListener('DOMContentLoaded', () => requestAnimationFrame(() => { window.__marks.firstRow = performance.now(); }));
    `,
  });
  await page.goto('http://reference.test/');
  await page.waitForFunction(() => window.__marks.firstRow, null, { polling: 50 });
  const firstRow = await page.evaluate(() => window.__marks.firstRow);
  const loadLongest = await page.evaluate(() => Math.max(0, ...window.__longTasks));
  const scroll = await scrollThrough(page, '#box');
  const searches = {};
  for (const query of QUERIES) {
    searches[query] = await page.evaluate((query) => {
      const lines = document.getElementById('log').textContent.split('\n');
      const needle = query.toLowerCase();
      const start = performance.now();
      let count = 0;
      for (const line of lines) if (line.toLowerCase().includes(needle)) count++;
      return { ms: performance.now() - start, summary: `${count} lines` };
    }, query);
  }
  await page.close();
  return { firstRow, loadLongest, scroll, searches };
}

const dir = mkdtempSync(join(tmpdir(), 'deploylite-bench-log-viewer-'));
let server;
let runner;
let browser;
try {
  server = await startServer({ dataDir: join(dir, 'server'), env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } });
  const client = createJsonClient(server.url);
  const { body: registration } = await client.call('POST', '/api/v1/tokens', { token: server.token, body: { name: 'runner', kind: 'runner-registration' }, expect: 201 });
  runner = startRunner({ url: server.url, registrationToken: registration.token, name: 'bench', capacity: 1, workDir: join(dir, 'runner') });
  await createProject(client, server.token, { name: 'big', dir: join(dir, 'repo'), pipeline: PIPELINE });
  const run = await triggerRun(client, server.token, 'big');
  const [finished] = await waitForRuns(client, server.token, [run.id], { timeoutMs: 600_000 });
  if (finished.status !== 'success') throw new Error(`the run ended ${finished.status}`);
  const download = await fetch(`${server.url}/api/v1/logs/${run.id}:big/text`, { headers: { authorization: `Bearer ${server.token}` } });
  // eslint-disable-next-line no-control-regex -- the codes the job printed
  const text = (await download.text()).replace(/\u001b\[[0-9;]*m/g, '');
  const held = text.split('\n').length - 1;
  if (held < LINES) throw new Error(`the log holds ${held} lines, expected at least ${LINES}`);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const login = await context.newPage();
  await login.addInitScript({ content: probe(held) });
  await login.goto(`${server.url}/login`);
  await login.getByLabel('User name').fill('admin');
  await login.getByLabel('Password').fill(PASSWORD);
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.getByRole('heading', { name: 'Projects' }).waitFor();

  const logUrl = `${server.url}/runs/${run.id}/jobs/big`;
  const viewerRounds = [];
  const referenceRounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order, so neither side always runs on a warmer machine.
    if (round % 2 === 0) {
      viewerRounds.push(await viewerRound(login, logUrl));
      referenceRounds.push(await referenceRound(context, text));
    } else {
      referenceRounds.push(await referenceRound(context, text));
      viewerRounds.push(await viewerRound(login, logUrl));
    }
  }

  const m = (rounds, pick) => median(rounds.map(pick));
  const info = machineInfo();
  console.log(`log viewer, ${LINES.toLocaleString('en')} lines (${held.toLocaleString('en')} held), ${ROUNDS} rounds (median); ${info.nproc} cores, ${info.cpuModel}, Node ${info.node}, ${execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim()}, commit ${info.commit}\n`);
  console.log('| measure | viewer (virtualised) | reference (plain <pre>) | ratio |');
  console.log('|---|---|---|---|');
  const row = (name, viewer, reference, format = formatMs) =>
    console.log(`| ${name} | ${format(viewer)} | ${reference === undefined ? '—' : format(reference)} | ${reference === undefined ? '—' : `${(reference / viewer).toFixed(1)}× ${reference >= viewer ? 'faster' : 'slower'}`} |`);
  row('navigation → first log rows on screen', m(viewerRounds, (r) => r.firstRow), m(referenceRounds, (r) => r.firstRow));
  row(`navigation → all lines loaded (${Math.ceil(held / 5000)} API pages of 5,000)`, m(viewerRounds, (r) => r.allLines), undefined);
  row('longest task while loading', m(viewerRounds, (r) => r.loadLongest), m(referenceRounds, (r) => r.loadLongest));
  row('scroll: frame p50', m(viewerRounds, (r) => r.scroll.p50), m(referenceRounds, (r) => r.scroll.p50));
  row('scroll: frame p95', m(viewerRounds, (r) => r.scroll.p95), m(referenceRounds, (r) => r.scroll.p95));
  row('scroll: worst frame', m(viewerRounds, (r) => r.scroll.max), m(referenceRounds, (r) => r.scroll.max));
  row('scroll: longest task', m(viewerRounds, (r) => r.scroll.longest), m(referenceRounds, (r) => r.scroll.longest));
  console.log(`| rows in the DOM while scrolling | ${m(viewerRounds, (r) => r.scroll.rows)} | ${held.toLocaleString('en')} (one text node) | |`);
  for (const query of QUERIES) {
    const viewer = viewerRounds[0].searches[query];
    row(`search "${query}" (${viewer.summary}; ${referenceRounds[0].searches[query].summary})`, m(viewerRounds, (r) => r.searches[query].ms), m(referenceRounds, (r) => r.searches[query].ms));
    row(`search "${query}": longest task`, m(viewerRounds, (r) => r.searches[query].longest), undefined);
  }
} finally {
  await browser?.close();
  await runner?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
