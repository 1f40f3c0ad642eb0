// What the bubblewrap sandbox adds to a step over the local executor, measured side by side.
//
// Each iteration runs the same trivial step (`true`, then `echo hi`) once on the local executor and once on
// the sandbox executor, in alternating order, each in its own prepared job, and times executor.runStep (spawn
// to exit and output drained, command files read). The figure is the median of the per-iteration differences
// (sandbox − local), next to each executor's own median; a noisy moment hits both halves of one pair alike.
// Beside the wall-clock figures, the CPU time the step's processes used (the children's user + system time
// this process collects when it reaps them, /proc/self/stat cutime + cstime), which the machine's load
// inflates far less than the wall clock: on a busy machine the sandbox's two extra processes (bwrap and the
// namespace's init) mostly wait for a core.
//
//   node --import tsx bench/sandbox-overhead.mjs [--iterations 200] [--shell sh|bash]
import { mkdirSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { LocalExecutor, SandboxExecutor } from '../src/executors/index.ts';
import { removeDir } from './lib/deploylite.mjs';
import { machineInfo } from './lib/machine-info.mjs';
import { formatMs, median, spread } from './lib/stats.mjs';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '200' }, shell: { type: 'string', default: 'bash' } } });
const iterations = Number(values.iterations);
const shell = values.shell === 'sh' ? 'sh' : undefined; // undefined: the default shell, bash -eo pipefail

const root = realpathSync(mkdtempSync(join(tmpdir(), 'bench-sandbox-')));
const contenders = {
  local: new LocalExecutor({ tempRoot: root }),
  sandbox: new SandboxExecutor({ bwrap: '/usr/bin/bwrap', tempRoot: root, hiddenPaths: [join(root, 'hidden')] }),
  'sandbox, no cgroup': new SandboxExecutor({ bwrap: '/usr/bin/bwrap', tempRoot: root, cgroups: false }),
};

async function prepare(executor, name) {
  const dir = join(root, `ws-${name.replace(/\W+/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  return executor.prepareJob({ runId: 1, jobKey: name, jobId: 'bench', workspaceDir: dir });
}

/** CPU time of reaped children (and their reaped descendants) so far, in ms. */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of the whole line (cutime, cstime) are 13 and 14 after the command name; clock ticks of 10 ms.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

async function timeStep(executor, workspace, script, cpu) {
  const signal = new globalThis.AbortController().signal;
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const outcome = await executor.runStep(workspace, { script, env: { GREETING: 'hi' }, ...(shell ? { shell } : {}) }, { onLine() {} }, signal);
  const ms = performance.now() - started;
  if (cpu) cpu.push(childrenCpuMs() - cpuBefore);
  if (outcome.exitCode !== 0) throw new Error(`${executor.name}: step "${script}" failed: ${JSON.stringify(outcome)}`);
  return ms;
}

const workspaces = {};
for (const [name, executor] of Object.entries(contenders)) workspaces[name] = await prepare(executor, name);

const results = {};
const loadBefore = loadavg()[0];
try {
  for (const script of ['true', 'echo "$GREETING"']) {
    const times = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
    const cpu = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
    // Warm-up: page cache, the executors' program lookups.
    for (const [name, executor] of Object.entries(contenders)) for (let i = 0; i < 5; i++) await timeStep(executor, workspaces[name], script);
    const names = Object.keys(contenders);
    for (let i = 0; i < iterations; i++) {
      const order = i % 2 === 0 ? names : [...names].reverse();
      for (const name of order) times[name].push(await timeStep(contenders[name], workspaces[name], script, cpu[name]));
    }
    const row = {};
    for (const name of names) {
      const { min, max } = spread(times[name]);
      const cpuMs = cpu[name].reduce((a, b) => a + b, 0) / cpu[name].length;
      row[name] = { median: median(times[name]), min, max, cpuMs };
    }
    for (const name of names.filter((n) => n !== 'local')) {
      row[name].overhead = median(times[name].map((ms, i) => ms - times.local[i]));
    }
    results[script] = row;
  }
} finally {
  for (const [name, executor] of Object.entries(contenders)) await executor.cleanupJob(workspaces[name]);
  removeDir(root);
}

const loadAfter = loadavg()[0];
const machine = machineInfo();
console.log(`sandbox step overhead, ${iterations} iterations per executor, shell ${shell ?? 'bash (default)'}`);
console.log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, ${machine.kernel}, node ${machine.node}, commit ${machine.commit}, ${machine.date}`);
console.log(`load average (1 min): ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`);
for (const [script, row] of Object.entries(results)) {
  console.log(`\nstep: ${script}`);
  for (const [name, figures] of Object.entries(row)) {
    const extra = figures.overhead === undefined ? '' : `   overhead over local (median of pairs): ${formatMs(figures.overhead)}`;
    console.log(`  ${name.padEnd(20)} median ${formatMs(figures.median)} (min ${formatMs(figures.min)}, max ${formatMs(figures.max)}), CPU ${formatMs(figures.cpuMs)} per step${extra}`);
  }
}
console.log(`\n${JSON.stringify({ machine, load: [loadBefore, loadAfter], iterations, results })}`);
