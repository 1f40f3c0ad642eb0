// API latency under a fixed load: GET /api/v1/runs/{id} at a fixed request rate, from a
// second process (autocannon), against a real `deploylite server --no-runner`.
//
//   run        one finished run of a pipeline of JOBS jobs (run to completion by simulated
//              runners, bench/lib/simulated-runners.mjs), so the answer holds the run and
//              its JOBS jobs, as a dashboard or `deployctl status` asks for it
//   load       autocannon with `-c CONNECTIONS -R RATE -d SECONDS` and the admin token, in its
//              own process per measurement (bench/lib/autocannon-child.mjs). Reported: its
//              own p99 (the target's figure, which includes its coordinated-omission
//              correction) and the p99 of the raw response times (see that file for why)
//   reference  GET /healthz (no token, no store) at the same rate in the same round: what
//              the HTTP stack and the load generator cost by themselves
//
//   paced      the same GET at the same rate, evenly spaced (bench/lib/paced-load.mjs), as a
//              steady stream of requests sees it, without autocannon's once-a-second bursts
//
// Each round measures the three, in rotating order; the median of the rounds' p99 is
// reported, for SQLite and PostgreSQL.
//
//   node bench/api-latency.mjs [--rounds 3] [--seconds 10] [--rate 500] [--connections 10] [--jobs 20] [--db sqlite,postgres]
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds, createProject, freshPostgres, startServer, triggerRun, verifyRuns, waitForRuns } from './lib/control-plane.mjs';
import { REPO_ROOT, removeDir, scratchDir } from './lib/deploylite.mjs';
import { createJsonClient } from './lib/http-json.mjs';
import { startSimulatedRunners } from './lib/simulated-runner-pool.mjs';
import { formatMs, median } from './lib/stats.mjs';
import { noopPipeline } from './scheduler.mjs';

/** Runs a load generator of bench/lib in its own process; resolves with the JSON it prints. */
function runLoad(script, options) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bench', 'lib', script), JSON.stringify(options)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${stderr}`));
      try {
        resolvePromise(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        reject(new Error(`${script} printed no JSON: ${stdout.slice(-500)} ${stderr}`));
      }
    });
  });
}

/** autocannon -c CONNECTIONS -R RATE -d SECONDS, with the token when given. */
function autocannon({ url, token, rate, seconds, connections }) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  return runLoad('autocannon-child.mjs', { url, connections, overallRate: rate, duration: seconds, headers });
}

function summarize(result) {
  return {
    p50Ms: result.autocannon.p50,
    p99Ms: result.autocannon.p99,
    maxMs: result.autocannon.max,
    rawP50Ms: result.raw.p50,
    rawP99Ms: result.raw.p99,
    rawP999Ms: result.raw.p999,
    perSecond: result.answered / result.seconds,
    failed: result.non2xx + result.errors,
  };
}

async function benchDatabase(kind, { rounds, seconds, rate, connections, jobs }) {
  const dir = scratchDir(`api-${kind}`);
  const pgdb = kind === 'postgres' ? await freshPostgres('api') : undefined;
  let server;
  let client;
  let sim;
  try {
    server = await startServer({ dataDir: join(dir, 'server'), dsn: pgdb?.dsn });
    client = createJsonClient(server.url);
    await createProject(client, server.token, { name: 'app', dir: join(dir, 'repo'), pipeline: noopPipeline(jobs) });
    const { token: registrationToken } = await client.json('POST', '/api/v1/tokens', server.token, { name: 'sim', kind: 'runner-registration' }, 201);
    sim = startSimulatedRunners();
    await sim.request({ type: 'register', url: server.url, registrationToken, runners: 1, capacity: jobs });
    const polling = sim.go(jobs);
    polling.catch(() => undefined); // awaited below
    const run = await triggerRun(client, server.token, 'app');
    await polling;
    await verifyRuns(client, server.token, await waitForRuns(client, server.token, [run.id]), jobs);

    const targets = {
      run: { url: `${server.url}/api/v1/runs/${run.id}`, token: server.token },
      healthz: { url: `${server.url}/healthz`, token: undefined },
    };
    const sides = {
      run: async () => summarize(await autocannon({ ...targets.run, rate, seconds, connections })),
      healthz: async () => summarize(await autocannon({ ...targets.healthz, rate, seconds, connections })),
      paced: async () => {
        const paced = await runLoad('paced-load.mjs', { ...targets.run, rate, seconds, connections });
        return { rawP50Ms: paced.p50, rawP99Ms: paced.p99, rawP999Ms: paced.p999, maxMs: paced.max, perSecond: paced.answered / paced.seconds, failed: paced.failed };
      },
    };
    // Warm-up, untimed: the JIT and the database's pages.
    for (const target of Object.values(targets)) await autocannon({ ...target, rate, seconds: 2, connections });
    const results = { run: [], healthz: [], paced: [] };
    const order = Object.keys(sides);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < order.length; i++) {
        const name = order[(round + i) % order.length];
        const cpuBefore = cpuSeconds(server.pid);
        const figures = await sides[name]();
        // The server's CPU time over the load, as a share of one core: how close to saturation 500/s is.
        figures.serverCpuShare = (cpuSeconds(server.pid) - cpuBefore) / seconds;
        if (figures.failed > 0) throw new Error(`${name}: ${figures.failed} requests failed or were not answered 200`);
        results[name].push(figures);
        console.error(`api-latency: ${kind} round ${round + 1}/${rounds} ${name}: ${JSON.stringify(figures)}`);
      }
    }
    return results;
  } catch (error) {
    throw new Error(`${kind}: ${error.message}${server ? `\nserver output:\n${server.output().slice(-3000)}` : ''}`);
  } finally {
    sim?.close();
    client?.close();
    await server?.stop();
    await pgdb?.drop().catch(() => undefined);
    removeDir(dir);
  }
}

/** @param {{ rounds: number, seconds: number, rate: number, connections: number, jobs: number, databases: string[] }} options */
export async function benchApiLatency(options) {
  const result = { ...options, figures: [] };
  for (const kind of options.databases) {
    const raw = await benchDatabase(kind, options);
    const pick = (side, key) => raw[side].map((r) => r[key]);
    result.figures.push({
      kind,
      p50Ms: median(pick('run', 'p50Ms')),
      p99Ms: median(pick('run', 'p99Ms')),
      p99MaxMs: Math.max(...pick('run', 'p99Ms')),
      maxMs: Math.max(...pick('run', 'maxMs')),
      rawP50Ms: median(pick('run', 'rawP50Ms')),
      rawP99Ms: median(pick('run', 'rawP99Ms')),
      rawP999Ms: median(pick('run', 'rawP999Ms')),
      healthzRawP99Ms: median(pick('healthz', 'rawP99Ms')),
      serverCpuShare: median(pick('run', 'serverCpuShare')),
      healthzServerCpuShare: median(pick('healthz', 'serverCpuShare')),
      pacedP50Ms: median(pick('paced', 'rawP50Ms')),
      pacedP99Ms: median(pick('paced', 'rawP99Ms')),
      pacedP999Ms: median(pick('paced', 'rawP999Ms')),
      perSecond: median(pick('run', 'perSecond')),
      healthzP50Ms: median(pick('healthz', 'p50Ms')),
      healthzP99Ms: median(pick('healthz', 'p99Ms')),
      healthzPerSecond: median(pick('healthz', 'perSecond')),
      raw,
    });
  }
  return result;
}

const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

export function apiLatencyRows(r) {
  return r.figures.map((f) => ({
    benchmark: `API: GET /api/v1/runs/{id} (a run of ${r.jobs} jobs) at ${r.rate} req/s, ${r.connections} connections, ${r.seconds} s, ${NAMES[f.kind]}`,
    figure:
      `autocannon p99 **${formatMs(f.p99Ms)}** (worst round ${formatMs(f.p99MaxMs)}), p50 ${formatMs(f.p50Ms)}; ` +
      `raw response times p99 ${formatMs(f.rawP99Ms)}, p99.9 ${formatMs(f.rawP999Ms)}, max ${formatMs(f.maxMs)}; ${Math.round(f.perSecond)} req/s answered; ` +
      `server CPU ${Math.round(f.serverCpuShare * 100)} % of a core`,
    reference:
      `GET /healthz at the same rate: autocannon p99 ${formatMs(f.healthzP99Ms)}, p50 ${formatMs(f.healthzP50Ms)}; raw p99 ${formatMs(f.healthzRawP99Ms)}; ` +
      `server CPU ${Math.round(f.healthzServerCpuShare * 100)} %. The same GET evenly paced (bench/lib/paced-load.mjs): p99 ${formatMs(f.pacedP99Ms)}, p50 ${formatMs(f.pacedP50Ms)}`,
    ratio: '',
    target: 'p99 < 20 ms',
    met: f.p99Ms < 20,
  }));
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '10' },
      rate: { type: 'string', default: '500' },
      connections: { type: 'string', default: '10' },
      jobs: { type: 'string', default: '20' },
      db: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const result = await benchApiLatency({
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    rate: Number(values.rate),
    connections: Number(values.connections),
    jobs: Number(values.jobs),
    databases: values.db.split(',').map((name) => name.trim()),
  });
  console.log(JSON.stringify(result, (key, value) => (key === 'raw' ? undefined : value), 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`api-latency: ${error.message}`);
    process.exit(1);
  });
}
