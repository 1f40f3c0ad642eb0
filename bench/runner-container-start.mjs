// Container job start on the runner path: a real `deploylite server` and a real `deploylite runner --executor docker`
// (the built CLI, dist/), on podman's Docker-compatible API — with and without the warm pool. Where
// bench/container-start.mjs times the executor alone, this includes what a user of a runner waits for: the
// scheduler handing the job over, the checkout, the log shipped to the server.
//
//   first line   from POST /runs to the job's first log line (`echo first`) readable through the API
//   run          from POST /runs to the run's final status (includes the job's cleanup: a cold container's removal)
//   cold         project "cold": the job does not allow reuse, so every run creates and starts a container
//   warm         project "warm": `reuse-container: true`; since the runner keeps a workspace per project
//                (src/runner/project-workspaces.ts) each run gets the container the project's previous run left
//
// Each round runs one cold and one warm run back to back on the same server, runner and engine; medians of the
// rounds. The log is polled every 20 ms, the same for both.
//
//   npm run build && node --import tsx bench/runner-container-start.mjs [--rounds 7]
//
// Needs podman, runc and busybox-static (see test/e2e/support/podman-engine.ts).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../test/e2e/support/control-plane.ts';
import { startPodmanEngine, TEST_IMAGE } from '../test/e2e/support/podman-engine.ts';
import { machineInfo } from './lib/machine-info.mjs';
import { formatMs, median, spread } from './lib/stats.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const rounds = Number(values.rounds);
if (!Number.isSafeInteger(rounds) || rounds < 1) {
  console.error(`--rounds must be a positive integer, got "${values.rounds}"`);
  process.exit(2);
}

const engine = await startPodmanEngine();
const server = await startServer({ args: ['--no-runner'] });
const runner = await startRunner(server, { name: `bench-runner-${process.pid}`, capacity: 1, args: ['--executor', 'docker'], env: { DOCKER_HOST: `unix://${engine.socketPath}` } });

const pipeline = (reuse) => `jobs:\n  start:\n    image: ${TEST_IMAGE}\n    reuse-container: ${reuse}\n    steps: [{ run: 'echo first' }]\n`;
for (const [project, reuse] of [['cold', false], ['warm', true]]) {
  await server.api('POST', '/api/v1/projects', { name: project, repository: gitRepo({ '.deploylite.yml': pipeline(reuse) }).path }, 201);
}

/** Times one run of `project`: to its first log line, and to its end. */
async function timeRun(project) {
  const started = performance.now();
  const { id } = await server.api('POST', `/api/v1/projects/${project}/runs`, {}, 201);
  let firstLine;
  while (firstLine === undefined) {
    const lines = await jobLog(server, id, 'start').catch(() => []);
    if (lines.some((line) => line.text === 'first')) firstLine = performance.now() - started;
    else await sleep(20);
    if (performance.now() - started > 120_000) throw new Error(`run ${id} of ${project} printed nothing in 2 minutes\n${runner.cli.stderr()}`);
  }
  const run = await waitForRun(server, id, isFinal, 120_000);
  if (run.status !== 'success') throw new Error(`run ${id} of ${project}: ${JSON.stringify(run)}`);
  return { firstLine, run: performance.now() - started };
}

const cold = [];
const warm = [];
try {
  // Primes the engine's image caches and the warm project's pool, untimed.
  await timeRun('cold');
  await timeRun('warm');
  for (let round = 0; round < rounds; round++) {
    cold.push(await timeRun('cold'));
    warm.push(await timeRun('warm'));
  }
} finally {
  await runner.stop();
  await server.stop();
  await engine.stop();
}

const machine = machineInfo();
const range = (list) => `${formatMs(spread(list).min)} – ${formatMs(spread(list).max)}`;
const row = (name, list, key) => `${name} | ${formatMs(median(list.map((entry) => entry[key])))} (${range(list.map((entry) => entry[key]))})`;
console.log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, node ${machine.node}, commit ${machine.commit}, ${machine.date}`);
console.log(`rounds: ${rounds}; load average at the end: ${loadavg().map((load) => load.toFixed(1)).join(' ')} (the machine is shared)`);
console.log('| runner path | POST → first log line: median (range) | POST → run finished: median (range) |');
console.log('|---|---|---|');
console.log(`| ${row('cold: new container', cold, 'firstLine')} | ${formatMs(median(cold.map((entry) => entry.run)))} (${range(cold.map((entry) => entry.run))}) |`);
console.log(`| ${row('warm: container from the pool', warm, 'firstLine')} | ${formatMs(median(warm.map((entry) => entry.run)))} (${range(warm.map((entry) => entry.run))}) |`);
const ratio = (key) => (median(cold.map((entry) => entry[key])) / median(warm.map((entry) => entry[key]))).toFixed(1);
console.log(`| ratio cold / warm | ${ratio('firstLine')}× | ${ratio('run')}× |`);
