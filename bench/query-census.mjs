// An experiment, not part of `npm run bench`: which SQL statements the server runs per job
// assigned, and how long each kind takes as the client sees it. It starts the control plane
// in this process (from src/, so run it with tsx) on a store whose Kysely instance logs every
// query, drives the scheduler benchmark's backlog (RUNS runs of JOBS no-op jobs, all queued
// first, then 20 simulated runners × capacity 10 from bench/lib/simulated-runners.mjs), and
// prints the statements counted while the runners worked. docs/benchmarks.md uses it in
// "What the time goes into". The SQLite store here has no statement cache (the real one has),
// so its timings are a little higher; the counts are the server's.
//
//   node --import tsx bench/query-census.mjs [sqlite|postgres] [RUNS] [JOBS]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { createJsonLogger } from '../src/main/json-logger.ts';
import { startControlPlane } from '../src/server/index.ts';
import { KyselyControlStore } from '../src/store/index.ts';
import { createProject, freshPostgres, readGauge, sleep, triggerRun, waitForRuns } from './lib/control-plane.mjs';
import { removeDir, scratchDir } from './lib/deploylite.mjs';
import { createJsonClient } from './lib/http-json.mjs';
import { startSimulatedRunners } from './lib/simulated-runner-pool.mjs';
import { noopPipeline } from './scheduler.mjs';

const [kind = 'sqlite', runsText = '4', jobsText = '500'] = process.argv.slice(2);
const runs = Number(runsText);
const jobs = Number(jobsText);
const dir = scratchDir('census');

let recording = false;
const census = new Map();
/** Statements grouped by their text, with the lists of `in (…)` and multi-row `values (…), (…)` folded. */
const log = (event) => {
  if (!recording) return;
  const text = event.query.sql
    .replace(/\$\d+/g, '?')
    .replace(/\(\?(, \?)*\)/g, '(…)')
    .replace(/\(…\)(, \(…\))+/g, '(…), …');
  const entry = census.get(text) ?? { count: 0, ms: 0 };
  entry.count++;
  entry.ms += event.queryDurationMillis;
  census.set(text, entry);
};

const database = kind === 'postgres' ? await freshPostgres('census') : undefined;
let db;
if (database) {
  const INT8_OID = 20;
  const types = { getTypeParser: (oid, format) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) };
  const pool = new pg.Pool({ connectionString: database.dsn, types });
  pool.on('error', () => undefined);
  db = new Kysely({ dialect: new PostgresDialect({ pool }), log });
} else {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const sqlite = new Database(join(dir, 'data', 'deploylite.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }), log });
}
const store = new KyselyControlStore(db, database ? 'postgres' : 'sqlite');
const token = 'dla_census_0123456789abcdef';
const plane = await startControlPlane(
  { host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), adminToken: token, leaseTtlMs: 30_000, onLeaseLost: 'requeue', maxRequeues: 2, tickMs: 1000 },
  store,
  { logger: createJsonLogger('warn') },
);
const client = createJsonClient(plane.url);
const sim = startSimulatedRunners();
try {
  await createProject(client, token, { name: 'noop', dir: join(dir, 'repo'), pipeline: noopPipeline(jobs) });
  const { token: registrationToken } = await client.json('POST', '/api/v1/tokens', token, { name: 'sim', kind: 'runner-registration' }, 201);
  await sim.request({ type: 'register', url: plane.url, registrationToken, runners: 20, capacity: 10 });
  const ids = [];
  for (let i = 0; i < runs; i++) ids.push((await triggerRun(client, token, 'noop')).id);
  while ((await readGauge(client, 'deploylite_queue_depth')) < runs * jobs) await sleep(100);

  recording = true;
  const cpu = process.cpuUsage();
  const done = await sim.go(runs * jobs);
  recording = false;
  const used = process.cpuUsage(cpu);
  await waitForRuns(client, token, ids);

  const perSecond = done.assignments / ((done.lastAt - done.firstAt) / 1000);
  const queries = [...census.values()].reduce((sum, entry) => sum + entry.count, 0);
  console.log(
    `${kind}, ${runs} runs × ${jobs} jobs: ${Math.round(perSecond)} assignments/s, ${done.polls} polls (${done.emptyPolls} empty), ` +
      `server process CPU ${((used.user + used.system) / 1000 / done.assignments).toFixed(2)} ms per job, ${(queries / done.assignments).toFixed(1)} queries per job\n`,
  );
  console.log('per job   total ms   ms each   statement');
  for (const [text, entry] of [...census].sort((a, b) => b[1].count - a[1].count)) {
    const perJob = (entry.count / done.assignments).toFixed(2).padStart(7);
    console.log(`${perJob}   ${entry.ms.toFixed(0).padStart(8)}   ${(entry.ms / entry.count).toFixed(3).padStart(7)}   ${text.slice(0, 120)}`);
  }
} finally {
  sim.close();
  client.close();
  await plane.stop();
  await store.close();
  await database?.drop();
  removeDir(dir);
}
