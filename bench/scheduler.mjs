// The scheduler's assignment throughput: how many jobs per second a `deploylite server`
// hands to runners, on SQLite and on PostgreSQL.
//
//   server     a real `deploylite server --no-runner` process, fresh database
//   runners    R simulated runners × capacity C in a second process
//              (bench/lib/simulated-runners.mjs): poll with every slot free, POST a success
//              result for each assigned job at once, poll again. No job runs anywhere.
//   jobs       RUNS runs of a pipeline of J independent no-op jobs (`run: "true"`, no needs),
//              so the engine makes every job ready at once. Every assignment carries the
//              pipeline's text, so J also sets the size of an assignment.
//
//   backlog    all RUNS × J jobs are queued first (the gauge deploylite_queue_depth on
//              /metrics says so), then the runners start polling: assignments/s from the
//              first assignment to the last, as the runners see them. The target's figure.
//              Also the server's CPU time (from /proc) per job, until every run is final.
//   live       the runners are polling already when the runs are triggered: the same rate,
//              with the engine queueing jobs while runners take them; plus the time from
//              the first POST …/runs to the last run's finishedAt.
//   reference  bench/lib/store-claim-rate.mjs on a fresh database of the same kind: the same
//              number of jobs claimed with the scheduler's own statement (`claimNext(C)`, as
//              one poll does), with no HTTP, scheduler or engine, one statement at a time
//              and R at a time. scheduler ÷ this is what everything but the claim costs.
//
// Every round runs the sides in rotating order; the median of the rounds is reported. The
// first shape runs all three sides, later shapes only the backlog (to show how the figure
// moves with the size of the pipeline).
//
//   node bench/scheduler.mjs [--rounds 3] [--shapes 4x500,40x50] [--runners 20] [--capacity 10] [--db sqlite,postgres]
//                            [--sides backlog,live,reference]   (of the first shape)
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  cpuSeconds,
  createProject,
  freshPostgres,
  readGauge,
  REPO_ROOT,
  sleep,
  startServer,
  triggerRun,
  verifyRuns,
  waitForRuns,
} from './lib/control-plane.mjs';
import { removeDir, scratchDir } from './lib/deploylite.mjs';
import { createJsonClient } from './lib/http-json.mjs';
import { startSimulatedRunners } from './lib/simulated-runner-pool.mjs';
import { formatMs, median, spread } from './lib/stats.mjs';

const nowMs = () => performance.timeOrigin + performance.now();

/** J independent no-op jobs. */
export function noopPipeline(jobs) {
  const lines = ['name: noop', 'jobs:'];
  for (let i = 0; i < jobs; i++) lines.push(`  j${String(i).padStart(4, '0')}: { steps: [{ run: "true" }] }`);
  return `${lines.join('\n')}\n`;
}

async function waitForQueueDepth(client, expected, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const depth = await readGauge(client, 'deploylite_queue_depth');
    if (depth >= expected) return;
    if (Date.now() > deadline) throw new Error(`only ${depth} of ${expected} jobs were queued within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * One database and one pipeline shape: a server, the simulated runners, then `rounds` ×
 * the sides asked for (backlog, live, reference) in rotating order.
 */
async function benchShape(kind, { rounds, runners, capacity }, { runs, jobs, sides: sideNames }) {
  const label = `${kind} ${runs}×${jobs}`;
  const dir = scratchDir(`scheduler-${kind}`);
  const databases = [];
  const database = async (name) => {
    if (kind === 'sqlite') return { sqlitePath: join(dir, `${name}.db`) };
    const pgdb = await freshPostgres(name);
    databases.push(pgdb);
    return { dsn: pgdb.dsn };
  };
  let server;
  let sim;
  let client;
  try {
    const serverDb = await database('server');
    server = await startServer({ dataDir: join(dir, 'server'), dsn: serverDb.dsn });
    client = createJsonClient(server.url);
    const pipeline = noopPipeline(jobs);
    await createProject(client, server.token, { name: 'noop', dir: join(dir, 'repo'), pipeline });
    const { token: registrationToken } = await client.json('POST', '/api/v1/tokens', server.token, { name: 'sim', kind: 'runner-registration' }, 201);
    sim = startSimulatedRunners();
    await sim.request({ type: 'register', url: server.url, registrationToken, runners, capacity });
    const expected = runs * jobs;
    const runsDone = async (triggered) => {
      const finished = await waitForRuns(client, server.token, triggered.map((run) => run.id));
      await verifyRuns(client, server.token, finished, jobs);
      return Math.max(...finished.map((run) => run.finishedAt));
    };

    /** A poll answer's bytes per job, from the warm-up: the reference's queue items hold as much. */
    let assignmentBytes = 1000;

    const backlog = async () => {
      const queueStarted = nowMs();
      const triggered = [];
      for (let i = 0; i < runs; i++) triggered.push(await triggerRun(client, server.token, 'noop'));
      await waitForQueueDepth(client, expected, 300_000);
      const queuedMs = nowMs() - queueStarted;
      const cpuBefore = cpuSeconds(server.pid);
      const goAt = nowMs();
      const done = await sim.go(expected);
      const lastFinishedAt = await runsDone(triggered);
      // Everything the server did for these jobs: polls, results, the engine finishing the runs.
      const cpuAfter = cpuSeconds(server.pid);
      const windowMs = done.lastAt - done.firstAt;
      return {
        perSecond: done.assignments / (windowMs / 1000),
        assignments: done.assignments,
        windowMs,
        firstAssignmentMs: done.firstAt - goAt,
        completionMs: lastFinishedAt - goAt,
        queueFillMs: queuedMs,
        serverCpuMsPerJob: cpuBefore !== undefined && cpuAfter !== undefined ? ((cpuAfter - cpuBefore) * 1000) / done.assignments : undefined,
        runnersCpuMsPerJob: (done.cpuSeconds * 1000) / done.assignments,
        polls: done.polls,
        emptyPolls: done.emptyPolls,
        pollMedianMs: median(done.pollMs),
        bytesPerAssignment: done.bytesPerAssignment,
      };
    };

    const live = async () => {
      const polling = sim.go(expected);
      polling.catch(() => undefined); // awaited below; a failure meanwhile must not go unhandled
      await sleep(200); // every runner is in its long poll
      const firstTrigger = nowMs();
      const triggered = [];
      for (let i = 0; i < runs; i++) triggered.push(await triggerRun(client, server.token, 'noop'));
      const done = await polling;
      assignmentBytes = done.bytesPerAssignment;
      return {
        perSecond: done.assignments / ((done.lastAt - done.firstAt) / 1000),
        completionMs: (await runsDone(triggered)) - firstTrigger,
      };
    };

    const reference = async (round) => {
      const location = await database(`claim${round}`);
      const result = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join('bench', 'lib', 'store-claim-rate.mjs'),
          ...(location.dsn ? ['--dsn', location.dsn] : ['--sqlite', location.sqlitePath]),
          '--items',
          String(expected),
          '--batch',
          String(capacity),
          '--concurrency',
          String(runners),
          '--payload-bytes',
          String(Math.round(assignmentBytes)),
        ],
        { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 },
      );
      if (result.status !== 0) throw new Error(`store-claim-rate exited with ${result.status}: ${result.stderr.slice(-2000)}`);
      // Its database is dropped with the others at the end: DROP DATABASE makes PostgreSQL
      // checkpoint at once, which would land in the side that runs next.
      return JSON.parse(result.stdout);
    };

    // Warm-up, untimed: the mirror of the repository, the JIT, the database's first pages.
    console.error(`scheduler: ${label} warm-up: ${JSON.stringify(await live())}`);
    const all = { backlog, live, reference };
    const results = Object.fromEntries(sideNames.map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < sideNames.length; i++) {
        const name = sideNames[(round + i) % sideNames.length];
        const figures = await all[name](round);
        results[name].push(figures);
        console.error(`scheduler: ${label} round ${round + 1}/${rounds} ${name}: ${JSON.stringify(figures)}`);
      }
    }
    return results;
  } catch (error) {
    throw new Error(`${label}: ${error.message}${server ? `\nserver output:\n${server.output().slice(-3000)}` : ''}`);
  } finally {
    sim?.close();
    client?.close();
    await server?.stop();
    for (const pgdb of databases) await pgdb.drop().catch(() => undefined);
    removeDir(dir);
  }
}

/**
 * @param {{ rounds: number, runners: number, capacity: number, databases: string[],
 *           shapes: { runs: number, jobs: number, sides: ('backlog' | 'live' | 'reference')[] }[] }} options
 *   The first shape is the target's; later ones (backlog only, say) show how the figure moves
 *   with the pipeline's size.
 */
export async function benchScheduler(options) {
  const result = { ...options, figures: [] };
  for (const kind of options.databases) {
    for (const shape of options.shapes) {
      const raw = await benchShape(kind, options, shape);
      const pick = (side, key) => (raw[side] ?? []).map((r) => r[key]).filter((v) => v !== undefined);
      result.figures.push({
        kind,
        runs: shape.runs,
        jobs: shape.jobs,
        perSecond: median(pick('backlog', 'perSecond')),
        perSecondRange: spread(pick('backlog', 'perSecond')),
        backlogCompletionMs: median(pick('backlog', 'completionMs')),
        queueFillMs: median(pick('backlog', 'queueFillMs')),
        serverCpuMsPerJob: median(pick('backlog', 'serverCpuMsPerJob')),
        runnersCpuMsPerJob: median(pick('backlog', 'runnersCpuMsPerJob')),
        pollMedianMs: median(pick('backlog', 'pollMedianMs')),
        emptyPollShare: median((raw.backlog ?? []).map((r) => r.emptyPolls / r.polls)),
        bytesPerAssignment: median(pick('backlog', 'bytesPerAssignment')),
        livePerSecond: median(pick('live', 'perSecond')),
        liveCompletionMs: median(pick('live', 'completionMs')),
        claimNextPerSecond: median(pick('reference', 'nextPerSecond')),
        claimNextConcurrentPerSecond: median(pick('reference', 'nextConcurrentPerSecond')),
        claimPerSecond: median(pick('reference', 'claimPerSecond')),
        claimManyPerSecond: median(pick('reference', 'manyPerSecond')),
        claimManyConcurrentPerSecond: median(pick('reference', 'manyConcurrentPerSecond')),
        listQueuedMs: median(pick('reference', 'listQueuedMedianMs')),
        raw,
      });
    }
  }
  return result;
}

const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const rate = (value) => (Number.isFinite(value) ? `${Math.round(value).toLocaleString('en-US')}/s` : 'n/a');
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

export function schedulerRows(r) {
  const rows = [];
  for (const f of r.figures) {
    const shape = `${r.runners} simulated runners × capacity ${r.capacity}, ${f.runs} runs × ${f.jobs} no-op jobs`;
    const cost =
      `server CPU ${formatMs(f.serverCpuMsPerJob)}/job; ${kb(f.bytesPerAssignment)} per assignment; ` +
      `${Math.round(f.emptyPollShare * 100)} % of polls answered empty while jobs waited`;
    if (Number.isFinite(f.claimNextConcurrentPerSecond)) {
      rows.push({
        benchmark: `scheduler: job assignments/s, ${NAMES[f.kind]} (${shape}, all queued first)`,
        figure: `**${rate(f.perSecond)}** (${rate(f.perSecondRange.min)}–${rate(f.perSecondRange.max)}); ${cost}`,
        reference:
          `bare store, same jobs: the poll's own \`claimNext(${r.capacity})\` ${rate(f.claimNextPerSecond)} one statement at a time, ` +
          `${rate(f.claimNextConcurrentPerSecond)} ${r.runners} at a time; \`claimMany\` of ${r.capacity} ids ${rate(f.claimManyPerSecond)} and ` +
          `${rate(f.claimManyConcurrentPerSecond)}; \`claim\` of 1 id ${rate(f.claimPerSecond)}; \`listQueued(200)\` ${formatMs(f.listQueuedMs)}`,
        ratio: `${(f.perSecond / f.claimNextConcurrentPerSecond).toFixed(2)}× bare claims`,
        target: '≥ 2,000/s',
        met: f.perSecond >= 2000,
      });
    } else {
      rows.push({
        benchmark: `scheduler: the same, ${NAMES[f.kind]} (${shape}, all queued first)`,
        figure: `${rate(f.perSecond)} (${rate(f.perSecondRange.min)}–${rate(f.perSecondRange.max)}); ${cost}`,
        reference: 'the row above (same server code, smaller pipeline: smaller assignments)',
        ratio: '',
        target: '≥ 2,000/s',
        met: f.perSecond >= 2000,
      });
    }
    if (Number.isFinite(f.livePerSecond)) {
      rows.push({
        benchmark: `scheduler: runs triggered while the runners poll, ${NAMES[f.kind]} (${f.runs} runs × ${f.jobs} jobs)`,
        figure: `${rate(f.livePerSecond)}; all ${f.runs} runs done ${formatMs(f.liveCompletionMs)} after the first POST`,
        reference: `all queued first: runs done ${formatMs(f.backlogCompletionMs)} after the runners start; queueing them all took ${formatMs(f.queueFillMs)} from the first POST`,
        ratio: '',
        target: '(none; includes queueing by the engine)',
        met: undefined,
      });
    }
  }
  return rows;
}

/** `4x500,40x50` → the first shape with every side, the others backlog only. */
export function parseShapes(text, firstSides = ['backlog', 'live', 'reference']) {
  return text.split(',').map((part, index) => {
    const match = /^(\d+)x(\d+)$/.exec(part.trim());
    if (!match) throw new Error(`--shapes: expected RUNSxJOBS, got "${part}"`);
    return { runs: Number(match[1]), jobs: Number(match[2]), sides: index === 0 ? firstSides : ['backlog'] };
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      shapes: { type: 'string', default: '4x500,40x50' },
      runners: { type: 'string', default: '20' },
      capacity: { type: 'string', default: '10' },
      db: { type: 'string', default: 'sqlite,postgres' },
      sides: { type: 'string', default: 'backlog,live,reference' },
    },
  });
  const result = await benchScheduler({
    rounds: Number(values.rounds),
    shapes: parseShapes(values.shapes, values.sides.split(',').map((name) => name.trim())),
    runners: Number(values.runners),
    capacity: Number(values.capacity),
    databases: values.db.split(',').map((name) => name.trim()),
  });
  console.log(JSON.stringify(result, (key, value) => (key === 'raw' ? undefined : value), 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`scheduler: ${error.message}`);
    process.exit(1);
  });
}
