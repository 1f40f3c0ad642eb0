// `npm run bench`: builds the CLI, runs the core benchmarks in bench/ (dag-vs-make,
// job-overhead, validate, scheduler, api-latency, log-latency), prints one Markdown table
// (what docs/benchmarks.md records) and saves the raw figures to bench/results/.
// It leaves out the rest of bench/, each run on its own with the command docs/benchmarks.md
// gives beside its figures, because each needs what this script does not set up: the
// dashboard's (bundle-size, run-page, log-viewer) a build of dist/web, and run-page and
// log-viewer a browser (Debian's chromium); container-start and runner-container-start
// podman; sandbox-overhead bwrap; artifact-upload, blob-upload and cache-archive gigabytes
// (or 50,000 files) on disk; node-project-cache the npm registry; kubernetes-bundle-start
// three extra builds. generate, profile-* and query-census are helpers and experiments.
//   npm run bench                 full rounds (a few minutes)
//   npm run bench -- --quick      fewer rounds, for a quick look
//   npm run bench -- --only dag   some of: dag, overhead, validate, scheduler, api, logs
//                                 (comma-separated; the last three are the control plane's
//                                 and need the PostgreSQL of DEPLOYLITE_BENCH_PG_DSN)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { apiLatencyRows, benchApiLatency } from '../bench/api-latency.mjs';
import { benchDagVsMake, dagVsMakeRows } from '../bench/dag-vs-make.mjs';
import { benchJobOverhead, jobOverheadRows } from '../bench/job-overhead.mjs';
import { benchLogLatency, logLatencyRows } from '../bench/log-latency.mjs';
import { postgresVersion } from '../bench/lib/control-plane.mjs';
import { machineInfo } from '../bench/lib/machine-info.mjs';
import { REPO_ROOT } from '../bench/lib/deploylite.mjs';
import { benchScheduler, parseShapes, schedulerRows } from '../bench/scheduler.mjs';
import { benchValidate, validateRows } from '../bench/validate.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: 'overhead,dag,validate,scheduler,api,logs' },
  },
});
const BENCHMARKS = ['dag', 'overhead', 'validate', 'scheduler', 'api', 'logs'];
const selected = new Set(values.only.split(',').map((name) => name.trim()));
for (const name of selected) {
  if (!BENCHMARKS.includes(name)) {
    console.error(`run-bench: unknown benchmark "${name}" (${BENCHMARKS.join(', ')})`);
    process.exit(2);
  }
}
const quick = values.quick;

const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
if (built.status !== 0) {
  console.error('run-bench: the build failed; nothing was measured');
  process.exit(built.status ?? 1);
}

const machine = machineInfo();
const controlPlane = ['scheduler', 'api', 'logs'].some((name) => selected.has(name));
if (controlPlane) {
  try {
    machine.postgres = await postgresVersion();
  } catch (error) {
    console.error(`run-bench: the control-plane benchmarks need PostgreSQL (DEPLOYLITE_BENCH_PG_DSN): ${error.message}`);
    process.exit(1);
  }
}
const raw = { machine, quick };
const rows = [];
try {
  if (selected.has('overhead')) {
    raw.jobOverhead = await benchJobOverhead(quick ? { rounds: 3, jobs: 50 } : { rounds: 7, jobs: 100 });
    rows.push(...jobOverheadRows(raw.jobOverhead));
  }
  if (selected.has('dag')) {
    raw.dagVsMake = await benchDagVsMake(quick ? { rounds: 2 } : { rounds: 5 });
    rows.push(...dagVsMakeRows(raw.dagVsMake));
  }
  if (selected.has('validate')) {
    raw.validate = await benchValidate(quick ? { rounds: 5 } : { rounds: 10 });
    rows.push(...validateRows(raw.validate));
  }
  const databases = ['sqlite', 'postgres'];
  if (selected.has('scheduler')) {
    raw.scheduler = await benchScheduler({
      rounds: quick ? 1 : 3,
      shapes: parseShapes(quick ? '2x500' : '4x500,40x50'),
      runners: 20,
      capacity: 10,
      databases,
    });
    rows.push(...schedulerRows(raw.scheduler));
  }
  if (selected.has('api')) {
    raw.apiLatency = await benchApiLatency({ rounds: quick ? 1 : 3, seconds: quick ? 4 : 10, rate: 500, connections: 10, jobs: 20, databases });
    rows.push(...apiLatencyRows(raw.apiLatency));
  }
  if (selected.has('logs')) {
    raw.logLatency = await benchLogLatency({ rounds: quick ? 3 : 10, lines: quick ? 100 : 200, databases });
    rows.push(...logLatencyRows(raw.logLatency));
  }
} catch (error) {
  console.error(`run-bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const met = (value) => (value === undefined ? '' : value ? 'yes' : '**no**');
const markdown = [
  `Measured ${machine.date} on ${machine.cpuModel}, nproc ${machine.nproc}, ${machine.memoryGb} GB, ` +
    `Node ${machine.node}, Linux ${machine.kernel}, ${machine.make}, ${machine.bash}` +
    (machine.postgres ? `, PostgreSQL ${machine.postgres}` : '') +
    `, code ${machine.commit}` +
    (quick ? ' — **--quick** (fewer rounds)' : ''),
  '',
  '| benchmark | figure (median) | reference, same run | ratio | target | met |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.benchmark} | ${r.figure} | ${r.reference} | ${r.ratio} | ${r.target} | ${met(r.met)} |`),
  '',
].join('\n');

console.log(`\n${markdown}`);
const resultsDir = join(REPO_ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(raw, null, 2)}\n`);
writeFileSync(join(resultsDir, 'latest.md'), markdown);
console.error('raw figures: bench/results/latest.json');
