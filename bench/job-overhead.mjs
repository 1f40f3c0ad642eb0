// What DeployLite adds per job (and per step) on top of the command itself.
//
//   chain(N)  deploylite run of N jobs in a chain, each one step `true`
//   chain(1)  the same with 1 job: the CLI's start-up, compile and store set-up
//   steps(N)  one job of N steps `true`
//   shell(N)  bash running the same N commands in a loop, each started the way both
//             orchestrators start it (`bash --noprofile --norc -eo pipefail -c true`); shell(1) likewise
//   floor(N)  bench/lib/spawn-dag.mjs running the chain: the smallest Node runner (spawn per
//             job, nothing else); floor(1) likewise
//
//   per job   = ((chain(N) - chain(1)) - (shell(N) - shell(1))) / (N - 1)
//   per step  = ((steps(N) - chain(1)) - (shell(N) - shell(1))) / (N - 1)
//   start-up  = chain(1) - shell(1)   (reported separately; not part of the per-job figure)
//   Node floor per job = ((floor(N) - floor(1)) - (shell(N) - shell(1))) / (N - 1): what any
//             Node orchestrator pays per job for child_process.spawn over bash's own fork
//
// Differences of N and 1 cancel every fixed cost (node start-up, bundle load, opening the
// store, the outer bash); subtracting shell(N) removes the commands' own run time including
// their process start. All five are run in every round, in rotating order; the figures are
// computed per round and the median is reported.
//
//   node bench/job-overhead.mjs [--rounds 7] [--jobs 100]
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chainGraph, MAKE_SHELL, toPipeline, toShellLoop, toStepsPipeline } from './generate.mjs';
import { deployliteCommand, removeDir, scratchDir, verifyPipelineRun } from './lib/deploylite.mjs';
import { runTimedOk } from './lib/run-timed.mjs';
import { formatMs, median, spread } from './lib/stats.mjs';

const SPAWN_DAG = fileURLToPath(new URL('./lib/spawn-dag.mjs', import.meta.url));

/** @param {{ rounds?: number, jobs?: number, timeoutMs?: number, log?: (line: string) => void }} [options] */
export async function benchJobOverhead(options = {}) {
  const { rounds = 7, jobs = 100, timeoutMs = 120_000, log = (line) => console.error(line) } = options;
  if (jobs < 2) throw new Error('--jobs must be at least 2');
  const dir = scratchDir('overhead');
  try {
    const files = {
      chainN: join(dir, 'chain-n.yml'),
      chain1: join(dir, 'chain-1.yml'),
      stepsN: join(dir, 'steps-n.yml'),
      shellN: join(dir, 'shell-n.sh'),
      shell1: join(dir, 'shell-1.sh'),
      graphN: join(dir, 'chain-n.json'),
      graph1: join(dir, 'chain-1.json'),
    };
    writeFileSync(files.chainN, toPipeline(chainGraph(jobs), `bench-chain-${jobs}`));
    writeFileSync(files.chain1, toPipeline(chainGraph(1), 'bench-chain-1'));
    writeFileSync(files.stepsN, toStepsPipeline(jobs, `bench-steps-${jobs}`));
    writeFileSync(files.shellN, toShellLoop(jobs));
    writeFileSync(files.shell1, toShellLoop(1));
    writeFileSync(files.graphN, JSON.stringify(chainGraph(jobs)));
    writeFileSync(files.graph1, JSON.stringify(chainGraph(1)));

    const commands = {
      chainN: deployliteCommand(['run', files.chainN]),
      chain1: deployliteCommand(['run', files.chain1]),
      stepsN: deployliteCommand(['run', files.stepsN]),
      shellN: [MAKE_SHELL, [files.shellN]],
      shell1: [MAKE_SHELL, [files.shell1]],
      floorN: [process.execPath, [SPAWN_DAG, files.graphN, '1']],
      floor1: [process.execPath, [SPAWN_DAG, files.graph1, '1']],
    };
    log(`job-overhead: chain of ${jobs} jobs, 1 job of ${jobs} steps, ${rounds} rounds, in ${dir}`);
    // Warm-up and proof that every job runs (not timed).
    await verifyPipelineRun(dir, files.chainN, jobs);
    await verifyPipelineRun(dir, files.stepsN, 1);
    for (const [command, args] of [commands.chain1, commands.shellN]) await runTimedOk(command, args, { cwd: dir, timeoutMs });

    const names = Object.keys(commands);
    const perRound = [];
    for (let round = 0; round < rounds; round++) {
      const wall = {};
      // Rotate the order so that no variant always runs first (or last) in a round.
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length];
        const [command, args] = commands[name];
        wall[name] = (await runTimedOk(command, args, { cwd: dir, timeoutMs })).wallMs;
      }
      const shellPerCommand = (wall.shellN - wall.shell1) / (jobs - 1);
      const figures = {
        ...wall,
        shellPerCommandMs: shellPerCommand,
        perJobMs: (wall.chainN - wall.chain1 - (wall.shellN - wall.shell1)) / (jobs - 1),
        perStepMs: (wall.stepsN - wall.chain1 - (wall.shellN - wall.shell1)) / (jobs - 1),
        startupMs: wall.chain1 - wall.shell1,
        floorPerJobMs: (wall.floorN - wall.floor1 - (wall.shellN - wall.shell1)) / (jobs - 1),
      };
      perRound.push(figures);
      log(
        `  round ${round + 1}/${rounds}: chain(${jobs}) ${formatMs(wall.chainN)}, steps(${jobs}) ${formatMs(wall.stepsN)}, ` +
          `chain(1) ${formatMs(wall.chain1)}, shell(${jobs}) ${formatMs(wall.shellN)} → ` +
          `${formatMs(figures.perJobMs)}/job, ${formatMs(figures.perStepMs)}/step, Node floor ${formatMs(figures.floorPerJobMs)}/job`,
      );
    }
    const pick = (key) => perRound.map((figures) => figures[key]);
    return {
      jobs,
      rounds,
      chainNMs: median(pick('chainN')),
      chain1Ms: median(pick('chain1')),
      stepsNMs: median(pick('stepsN')),
      shellNMs: median(pick('shellN')),
      shell1Ms: median(pick('shell1')),
      shellPerCommandMs: median(pick('shellPerCommandMs')),
      perJobMs: median(pick('perJobMs')),
      perJobSpread: spread(pick('perJobMs')),
      perStepMs: median(pick('perStepMs')),
      perStepSpread: spread(pick('perStepMs')),
      startupMs: median(pick('startupMs')),
      floorNMs: median(pick('floorN')),
      floor1Ms: median(pick('floor1')),
      floorPerJobMs: median(pick('floorPerJobMs')),
    };
  } finally {
    removeDir(dir);
  }
}

export function jobOverheadRows(r) {
  return [
    {
      benchmark: `orchestration overhead per job (chain of ${r.jobs} jobs, 1 step each)`,
      figure: formatMs(r.perJobMs),
      reference: `the command alone: ${formatMs(r.shellPerCommandMs)} each (bash loop); Node spawn floor: ${formatMs(r.floorPerJobMs)}/job`,
      ratio: '',
      target: '≤ 5 ms',
      met: r.perJobMs <= 5,
    },
    {
      benchmark: `overhead per step (1 job of ${r.jobs} steps)`,
      figure: formatMs(r.perStepMs),
      reference: `the command alone: ${formatMs(r.shellPerCommandMs)} each`,
      ratio: '',
      target: '(none; separates job from step cost)',
      met: undefined,
    },
    {
      benchmark: '`deploylite run` of a 1-job pipeline, minus the command (CLI start-up)',
      figure: formatMs(r.startupMs),
      reference: `1-job run ${formatMs(r.chain1Ms)}; bash running the command ${formatMs(r.shell1Ms)}`,
      ratio: '',
      target: '(none; excluded from the per-job figure)',
      met: undefined,
    },
  ];
}

async function main() {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '7' }, jobs: { type: 'string', default: '100' } },
  });
  const result = await benchJobOverhead({ rounds: Number(values.rounds), jobs: Number(values.jobs) });
  console.log(JSON.stringify(result, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`job-overhead: ${error.message}`);
    process.exit(1);
  });
}
