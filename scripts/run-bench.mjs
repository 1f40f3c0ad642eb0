// `npm run bench`: builds the CLI, runs every benchmark in bench/, prints one Markdown table
// (what docs/benchmarks.md records) and saves the raw figures to bench/results/.
//   npm run bench                 full rounds (a few minutes)
//   npm run bench -- --quick      fewer rounds, for a quick look
//   npm run bench -- --only dag   one of: dag, overhead, validate (comma-separated)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchDagVsMake, dagVsMakeRows } from '../bench/dag-vs-make.mjs';
import { benchJobOverhead, jobOverheadRows } from '../bench/job-overhead.mjs';
import { machineInfo } from '../bench/lib/machine-info.mjs';
import { REPO_ROOT } from '../bench/lib/deploylite.mjs';
import { benchValidate, validateRows } from '../bench/validate.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: 'overhead,dag,validate' },
  },
});
const selected = new Set(values.only.split(',').map((name) => name.trim()));
for (const name of selected) {
  if (!['dag', 'overhead', 'validate'].includes(name)) {
    console.error(`run-bench: unknown benchmark "${name}" (dag, overhead, validate)`);
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
} catch (error) {
  console.error(`run-bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const met = (value) => (value === undefined ? '' : value ? 'yes' : '**no**');
const markdown = [
  `Measured ${machine.date} on ${machine.cpuModel}, nproc ${machine.nproc}, ${machine.memoryGb} GB, ` +
    `Node ${machine.node}, Linux ${machine.kernel}, ${machine.make}, ${machine.bash}, code ${machine.commit}` +
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
