// An experiment, not part of `npm run bench`: the same DAG as spawn-dag.mjs, but Node asks
// one long-lived bash to fork each job's command instead of calling child_process.spawn.
// It shows what the engine could reach if the per-step fork left Node's (large) main
// process: see "What costs time" in docs/benchmarks.md. No output capture, no exit-code
// handling beyond reporting it: a measurement of the fork path only.
//
//   node bench/lib/helper-spawn-dag.mjs GRAPH.json PARALLEL
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { JOB_COMMAND, MAKE_SHELL, MAKE_SHELL_FLAGS } from '../generate.mjs';

const [graphPath, parallelText] = process.argv.slice(2);
/** @type {{ id: string, needs: string[] }[]} */
const graph = JSON.parse(readFileSync(graphPath, 'utf8'));
const parallel = Number(parallelText);
const command = `${MAKE_SHELL} ${MAKE_SHELL_FLAGS} ${JOB_COMMAND}`;
const helper = spawn(
  MAKE_SHELL,
  ['--noprofile', '--norc', '-c', `while read -r id; do { ${command} </dev/null >/dev/null 2>&1; echo "$id $?"; } & done; wait`],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);

const waitingOn = new Map(graph.map((job) => [job.id, new Set(job.needs)]));
const dependents = new Map(graph.map((job) => [job.id, []]));
for (const job of graph) for (const need of job.needs) dependents.get(need).push(job.id);
const ready = graph.filter((job) => job.needs.length === 0).map((job) => job.id);
let running = 0;
let finished = 0;

const startReady = () => {
  while (running < parallel && ready.length > 0) {
    running++;
    helper.stdin.write(`${ready.shift()}\n`);
  }
};
createInterface({ input: helper.stdout }).on('line', (line) => {
  const [id, code] = line.split(' ');
  if (code !== '0') process.exitCode = 1;
  running--;
  finished++;
  for (const dependent of dependents.get(id)) {
    const waiting = waitingOn.get(dependent);
    waiting.delete(id);
    if (waiting.size === 0) ready.push(dependent);
  }
  if (finished === graph.length) helper.stdin.end();
  else startReady();
});
startReady();
