// A 500-job DAG of no-op jobs (width 50) run by DeployLite and by GNU make, side by side:
// the same graph, the same command per job (one `bash --noprofile --norc -eo pipefail`
// running `true`), the same parallelism, in rotating order so that drift on the machine
// hits every side alike. A third side, bench/lib/spawn-dag.mjs, is the smallest Node.js DAG
// runner (spawn per job, nothing else): the floor any Node orchestrator starts from.
// Reports medians, the ratios deploylite / make and deploylite / floor, and peak RSS.
//
//   node bench/dag-vs-make.mjs [--rounds 5] [--jobs 500] [--width 50] [--parallel 50,2]
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeLayeredDag } from './generate.mjs';
import { deployliteCommand, removeDir, scratchDir, verifyPipelineRun } from './lib/deploylite.mjs';
import { hasGnuTime, runTimedOk } from './lib/run-timed.mjs';
import { formatMb, formatMs, median, spread } from './lib/stats.mjs';

const SPAWN_DAG = fileURLToPath(new URL('./lib/spawn-dag.mjs', import.meta.url));

/**
 * @param {{ rounds?: number, jobs?: number, width?: number, seed?: number, parallels?: number[],
 *           timeoutMs?: number, log?: (line: string) => void }} [options]
 */
export async function benchDagVsMake(options = {}) {
  const {
    rounds = 5,
    jobs = 500,
    width = 50,
    seed = 1,
    parallels = [...new Set([width, availableParallelism()])],
    timeoutMs = 180_000,
    log = (line) => console.error(line),
  } = options;
  const peakRss = hasGnuTime() ? 'gnu-time' : 'sample';
  if (peakRss === 'sample') {
    log('GNU time is missing (Debian: apt-get install -y time); sampling /proc/<pid>/status VmHWM every 10 ms instead');
  }

  const dir = scratchDir('dag');
  try {
    const written = writeLayeredDag(dir, { jobs, width, seed });
    log(`dag-vs-make: ${written.jobs} jobs, ${written.edges} edges, width ${width}, in ${dir}`);
    const results = [];
    for (const parallel of parallels) {
      const sides = {
        make: ['make', ['-s', '-j', String(parallel), '-f', written.makefilePath, 'all']],
        floor: [process.execPath, [SPAWN_DAG, written.graphPath, String(parallel)]],
        deploylite: deployliteCommand(['run', written.pipelinePath, '--parallel', String(parallel)]),
      };
      // Warm-up, not timed: fills the page cache, creates .deploylite/runs.db (so every timed
      // round is "the nth run in this directory"), and proves every side runs every job.
      await runTimedOk(sides.make[0], sides.make[1], { cwd: dir, timeoutMs });
      await runTimedOk(sides.floor[0], sides.floor[1], { cwd: dir, timeoutMs });
      await verifyPipelineRun(dir, written.pipelinePath, written.jobs, ['--parallel', String(parallel)]);

      const names = Object.keys(sides);
      const measured = Object.fromEntries(names.map((name) => [name, []]));
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < names.length; i++) {
          const name = names[(i + round) % names.length];
          const [command, args] = sides[name];
          measured[name].push(await runTimedOk(command, args, { cwd: dir, timeoutMs, peakRss }));
        }
        const last = (name) => measured[name].at(-1);
        log(
          `  P=${parallel} round ${round + 1}/${rounds}: make ${formatMs(last('make').wallMs)}, ` +
            `node floor ${formatMs(last('floor').wallMs)}, ` +
            `deploylite ${formatMs(last('deploylite').wallMs)} (${formatMb(last('deploylite').peakRssKb)})`,
        );
      }
      const wall = (name) => measured[name].map((r) => r.wallMs);
      const maxRss = (name) => {
        const values = measured[name].map((r) => r.peakRssKb).filter((kb) => kb !== undefined);
        return values.length > 0 ? Math.max(...values) : undefined;
      };
      const makeMs = median(wall('make'));
      const floorMs = median(wall('floor'));
      const deployliteMs = median(wall('deploylite'));
      results.push({
        parallel,
        jobs: written.jobs,
        edges: written.edges,
        width,
        rounds,
        makeMs,
        makeSpread: spread(wall('make')),
        floorMs,
        floorSpread: spread(wall('floor')),
        deployliteMs,
        deployliteSpread: spread(wall('deploylite')),
        ratio: deployliteMs / makeMs,
        ratioToFloor: deployliteMs / floorMs,
        floorRatio: floorMs / makeMs,
        deployliteRssKbMax: maxRss('deploylite'),
        floorRssKbMax: maxRss('floor'),
        makeRssKbMax: maxRss('make'),
        rssMethod: peakRss,
      });
    }
    return results;
  } finally {
    removeDir(dir);
  }
}

export function dagVsMakeRows(results) {
  return results.flatMap((r) => [
    {
      benchmark: `${r.jobs}-job DAG (width ${r.width}), --parallel ${r.parallel} / make -j ${r.parallel}`,
      figure: formatMs(r.deployliteMs),
      reference: `make: ${formatMs(r.makeMs)}; Node spawn floor: ${formatMs(r.floorMs)} (${r.floorRatio.toFixed(2)}× make)`,
      ratio: `${r.ratio.toFixed(2)}× make, ${r.ratioToFloor.toFixed(2)}× floor`,
      target: '≤ 1.5× make',
      met: r.ratio <= 1.5,
    },
    {
      benchmark: `peak RSS of that run, max of the rounds (--parallel ${r.parallel})`,
      figure: formatMb(r.deployliteRssKbMax),
      reference: `make: ${formatMb(r.makeRssKbMax)}; Node spawn floor: ${formatMb(r.floorRssKbMax)}`,
      ratio: '',
      target: '< 150 MB',
      met: r.deployliteRssKbMax !== undefined && r.deployliteRssKbMax < 150 * 1024,
    },
  ]);
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      jobs: { type: 'string', default: '500' },
      width: { type: 'string', default: '50' },
      parallel: { type: 'string' },
    },
  });
  const results = await benchDagVsMake({
    rounds: Number(values.rounds),
    jobs: Number(values.jobs),
    width: Number(values.width),
    ...(values.parallel ? { parallels: values.parallel.split(',').map(Number) } : {}),
  });
  console.log(JSON.stringify(results, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`dag-vs-make: ${error.message}`);
    process.exit(1);
  });
}
