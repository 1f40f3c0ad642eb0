// The dashboard's run page for a 500-job pipeline (target: interactive in < 1 s), in headless
// Chromium (playwright-core, /usr/bin/chromium) against a real `deploylite server` on SQLite.
//
//   runs       a finished run of a 500-job pipeline (22 layers of 20 jobs, each needing two of
//              the layer before; 6 matrix jobs of 10 instances: 446 graph nodes, 500 job
//              records) and, as the reference in the same rounds, a 10-job run of the same
//              shape. Simulated runners (bench/lib/simulated-runners.mjs) complete the jobs.
//   page       signed in once; each measurement is a full navigation to /runs/{id} (the
//              dashboard's files come from the browser cache, as for a returning user)
//   first screen  navigation start → the graph's first nodes, the job list's first rows and
//              the run's final status are in the page (checked on each animation frame)
//   complete   navigation start → every graph node and every job row is in the page
//   interactive  first screen, or the end of the last long animation frame (> 50 ms, script
//              plus style, layout and paint; Chromium's long-animation-frame entries) that
//              started before complete + 1 s, whichever is later: from then on the main
//              thread answers input at once (the Time-to-Interactive idea)
//   click      after that, a real click on a job row's link; its input delay (Event Timing
//              `first-input`: processingStart − startTime) and that the log page opened
//   api        in the same rounds, from Node: GET /api/v1/runs/{id} and …/graph of the 500-job
//              run, in parallel — what the page must download before it can draw anything.
//              The server compiles a run's graph once and keeps it (api/run-graph-cache.ts);
//              the warm-up round's first graph request, which compiled it, is shown apart
//
// Rounds alternate which page goes first; a warm-up round is not counted. Reported: median
// and p95 (nearest rank) per figure.
//
//   npm run build && node bench/run-page.mjs [--rounds 15] [--jobs 500]
// Functions passed to page.waitForFunction run in the browser.
/* global document, window */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createProject, startServer, triggerRun, verifyRuns, waitForRuns } from './lib/control-plane.mjs';
import { removeDir, scratchDir } from './lib/deploylite.mjs';
import { createJsonClient } from './lib/http-json.mjs';
import { machineInfo } from './lib/machine-info.mjs';
import { startSimulatedRunners } from './lib/simulated-runner-pool.mjs';
import { formatMs, median } from './lib/stats.mjs';

const CHROMIUM = process.env.DEPLOYLITE_CHROMIUM ?? '/usr/bin/chromium';
const PASSWORD = 'bench-password-0123';
const TARGET_MS = 1000;
const WIDTH = 20;
const MATRIX_JOBS = 6;
const MATRIX_SIZE = 10;

/**
 * A pipeline of `jobs` job instances: layers of WIDTH jobs, each needing two jobs of the
 * layer before, then MATRIX_JOBS matrix jobs of MATRIX_SIZE instances needing the last layer
 * (fewer of everything for a small `jobs`). Returns the YAML and its graph node count.
 */
export function layeredPipeline(jobs) {
  const matrixJobs = jobs >= 100 ? MATRIX_JOBS : 1;
  const matrixSize = jobs >= 100 ? MATRIX_SIZE : 2;
  const plain = jobs - matrixJobs * matrixSize;
  const width = Math.min(WIDTH, Math.max(1, Math.floor(plain / 2)));
  const sizes = [];
  for (let left = plain; left > 0; left -= width) sizes.push(Math.min(width, left));
  const id = (layer, index) => `l${String(layer).padStart(2, '0')}_j${String(index).padStart(2, '0')}`;
  const lines = ['name: wide', 'jobs:'];
  sizes.forEach((size, layer) => {
    for (let index = 0; index < size; index++) {
      const before = sizes[layer - 1];
      const needs = before === undefined ? [] : [...new Set([id(layer - 1, index % before), id(layer - 1, (index + 1) % before)])];
      lines.push(`  ${id(layer, index)}: { ${needs.length > 0 ? `needs: [${needs.join(', ')}], ` : ''}steps: [{ run: "true" }] }`);
    }
  });
  const last = Array.from({ length: sizes.at(-1) ?? 0 }, (_, index) => id(sizes.length - 1, index));
  for (let m = 0; m < matrixJobs; m++) {
    const values = Array.from({ length: matrixSize }, (_, i) => i + 1).join(', ');
    lines.push(`  matrix_${m}: { needs: [${last[m % last.length]}], matrix: { n: [${values}] }, steps: [{ run: "true" }] }`);
  }
  return { yaml: `${lines.join('\n')}\n`, nodes: plain + matrixJobs };
}

/** Nearest-rank percentile. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// Installed before the dashboard's own scripts on every navigation.
const OBSERVERS = `
  window.__longTasks = [];
  window.__firstInput = null;
  // Long animation frames include the style, layout and paint of a frame, which long tasks leave out.
  const busyType = PerformanceObserver.supportedEntryTypes.includes('long-animation-frame') ? 'long-animation-frame' : 'longtask';
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]); }).observe({ type: busyType, buffered: true });
  new PerformanceObserver((list) => { const e = list.getEntries()[0]; if (e) window.__firstInput = { delay: e.processingStart - e.startTime, processing: e.processingEnd - e.processingStart }; }).observe({ type: 'first-input', buffered: true });
`;

/** One visit of a run page; all times from the navigation's start. */
async function visit(page, url, { nodes, rows }) {
  // DEPLOYLITE_BENCH_BROWSER_PROFILE=DIR writes each visit's CPU profile there (to see what a figure is made of).
  const profileDir = process.env.DEPLOYLITE_BENCH_BROWSER_PROFILE;
  const cdp = profileDir ? await page.context().newCDPSession(page) : undefined;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  await page.goto(url, { waitUntil: 'commit' });
  const screen = await page.waitForFunction(
    () =>
      document.querySelector('[data-run-graph] [data-job]') !== null &&
      document.querySelector('tr[data-job-row]') !== null &&
      document.querySelector('[data-run-status][data-status="success"]') !== null &&
      performance.now(),
    undefined,
    { polling: 'raf', timeout: 60_000 },
  );
  const screenMs = await screen.jsonValue();
  const handle = await page.waitForFunction(
    ({ nodes, rows }) =>
      document.querySelectorAll('[data-run-graph] [data-job]').length === nodes && document.querySelectorAll('tr[data-job-row]').length === rows && performance.now(),
    { nodes, rows },
    { polling: 'raf', timeout: 60_000 },
  );
  const renderedMs = await handle.jsonValue();
  await page.waitForTimeout(1000);
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(join(profileDir, `run-page-${new URL(url).pathname.replaceAll('/', '_')}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    await cdp.detach();
  }
  const longTasks = await page.evaluate('window.__longTasks');
  const busyUntil = Math.max(0, ...longTasks.filter(([start]) => start < renderedMs + 1000).map(([start, duration]) => start + duration));
  const interactiveMs = Math.max(screenMs, busyUntil);
  const longestFrameMs = Math.max(0, ...longTasks.map(([, duration]) => duration));
  const graphMs = await page.evaluate(() => performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('/graph'))?.duration ?? Number.NaN);
  // DEPLOYLITE_BENCH_DEBUG=1 prints each visit's long frames and requests (where the time went).
  if (process.env.DEPLOYLITE_BENCH_DEBUG) {
    const resources = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => [new URL(e.name).pathname, Math.round(e.startTime), Math.round(e.responseStart), Math.round(e.responseEnd)]));
    console.error(JSON.stringify({ url, screenMs, renderedMs, longTasks, resources }));
  }

  await page.locator('tr[data-job-row] a').first().click();
  await page.waitForURL(/\/jobs\//);
  // A function, not a string: the dashboard's CSP forbids eval.
  const firstInput = await page.waitForFunction(() => window.__firstInput, undefined, { timeout: 10_000 }).then((h) => h.jsonValue());
  return { screenMs, renderedMs, interactiveMs, longestFrameMs, graphMs, clickDelayMs: firstInput.delay };
}

/** A finished run of `jobs` job instances, completed by simulated runners. */
async function finishedRun(client, token, sim, dir, name, jobs) {
  const pipeline = layeredPipeline(jobs);
  await createProject(client, token, { name, dir: join(dir, name), pipeline: pipeline.yaml });
  const done = sim.go(jobs);
  done.catch(() => undefined); // awaited below
  const run = await triggerRun(client, token, name);
  await done;
  await verifyRuns(client, token, await waitForRuns(client, token, [run.id]), jobs);
  return { id: run.id, nodes: pipeline.nodes, rows: jobs };
}

/** @param {{ rounds: number, jobs: number }} options */
export async function benchRunPage({ rounds, jobs }) {
  const dir = scratchDir('run-page');
  let server;
  let client;
  let sim;
  let browser;
  try {
    server = await startServer({ dataDir: join(dir, 'server'), env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } });
    client = createJsonClient(server.url);
    const { token: registrationToken } = await client.json('POST', '/api/v1/tokens', server.token, { name: 'sim', kind: 'runner-registration' }, 201);
    sim = startSimulatedRunners();
    await sim.request({ type: 'register', url: server.url, registrationToken, runners: 1, capacity: 50 });
    const runs = {
      large: await finishedRun(client, server.token, sim, dir, 'large', jobs),
      small: await finishedRun(client, server.token, sim, dir, 'small', 10),
    };

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript({ content: OBSERVERS });
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(/\/projects$/);

    const apiFetch = async () => {
      const started = performance.now();
      await Promise.all([client.json('GET', `/api/v1/runs/${runs.large.id}`, server.token), client.json('GET', `/api/v1/runs/${runs.large.id}/graph`, server.token)]);
      return performance.now() - started;
    };
    const results = { large: [], small: [], api: [], apiColdMs: 0 };
    for (let round = 0; round <= rounds; round++) {
      const order = round % 2 === 0 ? ['large', 'small'] : ['small', 'large'];
      const measured = {};
      for (const name of order) measured[name] = await visit(page, `${server.url}/runs/${runs[name].id}`, runs[name]);
      if (round === 0) {
        // Warm-up: the browser cache, the JIT on both sides. Its visits were the server's first
        // graph requests (compiling the pipeline); afterwards the graph is cached per run.
        results.apiColdMs = measured.large.graphMs;
        await apiFetch();
        continue;
      }
      const api = await apiFetch();
      for (const name of order) results[name].push(measured[name]);
      results.api.push(api);
      console.error(`run-page: round ${round}/${rounds}: ${JSON.stringify({ ...measured, apiMs: Math.round(api) })}`);
    }
    return { runs, results };
  } finally {
    await browser?.close();
    sim?.close();
    client?.close();
    await server?.stop();
    removeDir(dir);
  }
}

function report({ rounds, jobs }, { runs, results }) {
  const row = (label, values) => `| ${label} | ${formatMs(median(values))} | ${formatMs(percentile(values, 95))} |`;
  const pick = (name, key) => results[name].map((r) => r[key]);
  const lines = [
    `run page, ${jobs}-job run (${runs.large.nodes} graph nodes) vs ${runs.small.rows}-job run; ${rounds} rounds; ${JSON.stringify(machineInfo())}`,
    '',
    '| figure | median | p95 |',
    '|---|---|---|',
    row(`${jobs} jobs: first screen (graph, job list, status)`, pick('large', 'screenMs')),
    row(`${jobs} jobs: complete (every node and row in the page)`, pick('large', 'renderedMs')),
    row(`${jobs} jobs: interactive`, pick('large', 'interactiveMs')),
    row(`${jobs} jobs: longest frame`, pick('large', 'longestFrameMs')),
    row(`${jobs} jobs: click input delay`, pick('large', 'clickDelayMs')),
    row('10 jobs: complete', pick('small', 'renderedMs')),
    row('10 jobs: interactive', pick('small', 'interactiveMs')),
    row('10 jobs: click input delay', pick('small', 'clickDelayMs')),
    row(`${jobs} jobs: API (run + graph, from Node)`, results.api),
    row(`${jobs} jobs: GET …/graph in the browser (cached)`, pick('large', 'graphMs')),
    `| ${jobs} jobs: first graph request of the run (compiles its pipeline; one sample, in the browser) | ${formatMs(results.apiColdMs)} | |`,
    '',
    `interactive, ${jobs} jobs / 10 jobs (medians): ${(median(pick('large', 'interactiveMs')) / median(pick('small', 'interactiveMs'))).toFixed(2)}×`,
    `target: ${jobs}-job run page interactive < ${TARGET_MS} ms (p95): ${percentile(pick('large', 'interactiveMs'), 95) < TARGET_MS ? 'met' : 'NOT met'}`,
  ];
  console.log(lines.join('\n'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' }, jobs: { type: 'string', default: '500' } } });
  const options = { rounds: Number(values.rounds), jobs: Number(values.jobs) };
  report(options, await benchRunPage(options));
  process.exit(0);
}
