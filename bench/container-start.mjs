// Container job start with and without the Docker executor's warm pool, on podman's Docker-compatible API.
//
//   start   from `prepareJob` to the first output line of the job's first step (`echo first`): what a user waits
//           for between "job started" and the first log line
//   cold    a job that does not allow reuse: run network, container create and start, then the step's exec
//   warm    a `reuse-container: true` job whose container an earlier job of the same image and workspace left in
//           the pool: the step's exec only
//
// Each round measures cold then warm, side by side on the same engine; medians of the rounds are reported, and the
// ratio cold / warm (the target is ≥ 2, handbook 12.4: 3.2 s → 1.1 s). Removal after each job is not timed.
//
//   node --import tsx bench/container-start.mjs [--rounds 9]
//
// Needs podman, runc and busybox-static (see test/e2e/support/podman-engine.ts, which starts the engine and builds
// the image).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDockerExecutor } from '../src/executors/docker/index.ts';
import { startPodmanEngine, TEST_IMAGE } from '../test/e2e/support/podman-engine.ts';
import { machineInfo } from './lib/machine-info.mjs';
import { formatMs, median, spread } from './lib/stats.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' } } });
const rounds = Number(values.rounds);
if (!Number.isSafeInteger(rounds) || rounds < 1) {
  console.error(`--rounds must be a positive integer, got "${values.rounds}"`);
  process.exit(2);
}

/** Milliseconds from prepareJob to the first line of `echo first`; the job is cleaned up afterwards, untimed. */
async function timeJobStart(executor, request) {
  const started = performance.now();
  const workspace = await executor.prepareJob(request);
  let firstLine;
  await executor.runStep(
    workspace,
    { script: 'echo first', env: {} },
    { onLine: () => (firstLine ??= performance.now()) },
    new globalThis.AbortController().signal,
  );
  await executor.cleanupJob(workspace);
  if (firstLine === undefined) throw new Error('the step printed nothing');
  return firstLine - started;
}

const engine = await startPodmanEngine();
const executor = createDockerExecutor({ socketPath: engine.socketPath, runnerId: `bench-${process.pid}`, warmPoolSize: 2 });
const workspaceDir = mkdtempSync(join(tmpdir(), 'deploylite-bench-ws-'));
const cold = [];
const warm = [];
try {
  let runId = 1;
  const job = (reuseContainer) => ({ runId: runId++, jobKey: 'start', jobId: 'start', workspaceDir, image: TEST_IMAGE, reuseContainer });
  // Primes the pool (and the engine's caches of the image), untimed.
  await timeJobStart(executor, job(true));
  await timeJobStart(executor, job(false));
  for (let round = 0; round < rounds; round++) {
    cold.push(await timeJobStart(executor, job(false)));
    warm.push(await timeJobStart(executor, job(true)));
  }
} finally {
  await executor.close();
  await executor.removeLeftovers();
  await engine.stop();
  rmSync(workspaceDir, { recursive: true, force: true });
}

const machine = machineInfo();
const coldMedian = median(cold);
const warmMedian = median(warm);
const range = (list) => `${formatMs(spread(list).min)} – ${formatMs(spread(list).max)}`;
console.log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, node ${machine.node}, commit ${machine.commit}, ${machine.date}`);
console.log(`rounds: ${rounds}; load average at the end: ${loadavg().map((load) => load.toFixed(1)).join(' ')} (the machine is shared)`);
console.log('| start (prepareJob → first log line) | median | range |');
console.log('|---|---|---|');
console.log(`| cold: new container | ${formatMs(coldMedian)} | ${range(cold)} |`);
console.log(`| warm: container from the pool | ${formatMs(warmMedian)} | ${range(warm)} |`);
console.log(`| ratio cold / warm | ${(coldMedian / warmMedian).toFixed(1)}× | target ≥ 2× |`);
