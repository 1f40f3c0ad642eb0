// `deploylite validate` of a 1,000-job file, including Node's start-up, next to the two
// references that say where the time goes, measured in the same rounds:
//   node -e 0                      Node's own start-up
//   node bin/deploylite --version  start-up plus loading the CLI bundle
//
//   node bench/validate.mjs [--rounds 10] [--jobs 1000]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { writeLayeredDag } from './generate.mjs';
import { deployliteCommand, removeDir, scratchDir } from './lib/deploylite.mjs';
import { runTimedOk } from './lib/run-timed.mjs';
import { formatMs, median, spread } from './lib/stats.mjs';

/** @param {{ rounds?: number, jobs?: number, width?: number, timeoutMs?: number, log?: (line: string) => void }} [options] */
export async function benchValidate(options = {}) {
  const { rounds = 10, jobs = 1000, width = 50, timeoutMs = 60_000, log = (line) => console.error(line) } = options;
  const dir = scratchDir('validate');
  try {
    const written = writeLayeredDag(dir, { jobs, width, seed: 1 });
    const commands = {
      validate: deployliteCommand(['validate', written.pipelinePath]),
      version: deployliteCommand(['--version']),
      node: [process.execPath, ['-e', '0']],
    };
    log(`validate: ${written.jobs} jobs, ${written.edges} edges, ${rounds} rounds`);
    for (const [command, args] of Object.values(commands)) await runTimedOk(command, args, { cwd: dir, timeoutMs }); // warm-up; validate must pass

    const names = Object.keys(commands);
    const walls = Object.fromEntries(names.map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length];
        const [command, args] = commands[name];
        walls[name].push((await runTimedOk(command, args, { cwd: dir, timeoutMs })).wallMs);
      }
    }
    log(`  validate ${formatMs(median(walls.validate))}, --version ${formatMs(median(walls.version))}, node -e 0 ${formatMs(median(walls.node))}`);
    return {
      jobs: written.jobs,
      rounds,
      validateMs: median(walls.validate),
      validateSpread: spread(walls.validate),
      versionMs: median(walls.version),
      nodeMs: median(walls.node),
    };
  } finally {
    removeDir(dir);
  }
}

export function validateRows(r) {
  return [
    {
      benchmark: `\`deploylite validate\` of a ${r.jobs}-job file (with Node start-up)`,
      figure: formatMs(r.validateMs),
      reference: `node -e 0: ${formatMs(r.nodeMs)}; deploylite --version: ${formatMs(r.versionMs)}`,
      ratio: `${(r.validateMs / r.nodeMs).toFixed(1)}× node -e 0`,
      target: '< 300 ms',
      met: r.validateMs < 300,
    },
  ];
}

async function main() {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '10' }, jobs: { type: 'string', default: '1000' } },
  });
  const result = await benchValidate({ rounds: Number(values.rounds), jobs: Number(values.jobs) });
  console.log(JSON.stringify(result, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`validate: ${error.message}`);
    process.exit(1);
  });
}
