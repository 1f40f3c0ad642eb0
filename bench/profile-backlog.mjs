// Experiment: CPU profile of the server's work during the scheduler benchmark's backlog only.
//   node --import tsx bench/profile-backlog.mjs sqlite|postgres RUNS JOBS OUT.cpuprofile
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createJsonLogger } from '../src/main/json-logger.ts';
import { startControlPlane } from '../src/server/index.ts';
import { openControlStore } from '../src/store/index.ts';
import { createProject, freshPostgres, readGauge, sleep, triggerRun, waitForRuns } from './lib/control-plane.mjs';
import { removeDir, scratchDir } from './lib/deploylite.mjs';
import { createJsonClient } from './lib/http-json.mjs';
import { startSimulatedRunners } from './lib/simulated-runner-pool.mjs';
import { noopPipeline } from './scheduler.mjs';

const [kind = 'sqlite', runsText = '4', jobsText = '500', out = '/tmp/backlog.cpuprofile'] = process.argv.slice(2);
const runs = Number(runsText);
const jobs = Number(jobsText);
const dir = scratchDir('profile');
const database = kind === 'postgres' ? await freshPostgres('profile') : undefined;
const store = await openControlStore(database ? { postgresDsn: database.dsn } : { sqlitePath: join(dir, 'data', 'deploylite.db') });
await store.migrate();
const token = 'dla_profile_0123456789abcdef';
const plane = await startControlPlane(
  { host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), adminToken: token, leaseTtlMs: 30_000, onLeaseLost: 'requeue', maxRequeues: 2, tickMs: 1000 },
  store,
  { logger: createJsonLogger('warn') },
);
const client = createJsonClient(plane.url);
const sim = startSimulatedRunners();
const session = new Session();
session.connect();
try {
  await createProject(client, token, { name: 'noop', dir: join(dir, 'repo'), pipeline: noopPipeline(jobs) });
  const { token: registrationToken } = await client.json('POST', '/api/v1/tokens', token, { name: 'sim', kind: 'runner-registration' }, 201);
  await sim.request({ type: 'register', url: plane.url, registrationToken, runners: 20, capacity: 10 });
  for (let round = 0; round < 2; round++) {
    const ids = [];
    for (let i = 0; i < runs; i++) ids.push((await triggerRun(client, token, 'noop')).id);
    while ((await readGauge(client, 'deploylite_queue_depth')) < runs * jobs) await sleep(100);
    if (round === 1) {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const cpu = process.cpuUsage();
    const done = await sim.go(runs * jobs);
    const used = process.cpuUsage(cpu);
    if (round === 1) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(out, JSON.stringify(profile));
    }
    await waitForRuns(client, token, ids);
    console.log(`round ${round}: ${Math.round(done.assignments / ((done.lastAt - done.firstAt) / 1000))}/s, server ${((used.user + used.system) / 1000 / done.assignments).toFixed(2)} ms CPU per job`);
  }
} finally {
  session.disconnect();
  sim.close();
  client.close();
  await plane.stop();
  await store.close();
  await database?.drop();
  removeDir(dir);
}
