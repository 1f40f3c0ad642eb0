// The floor for any Node.js orchestrator: the smallest DAG runner we could write, spawning
// each job's command with child_process.spawn exactly as DeployLite's local executor does
// (bash --noprofile --norc -eo pipefail, own process group, stdout/stderr piped and read),
// and nothing else: no store, no workspace, no expressions, no output. dag-vs-make runs it
// side by side, so the gap DeployLite → floor is the engine and the gap floor → make is
// Node's spawn itself.
//
//   node bench/lib/spawn-dag.mjs GRAPH.json PARALLEL
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { JOB_COMMAND, MAKE_SHELL, MAKE_SHELL_FLAGS } from '../generate.mjs';

const [graphPath, parallelText] = process.argv.slice(2);
/** @type {{ id: string, needs: string[] }[]} */
const graph = JSON.parse(readFileSync(graphPath, 'utf8'));
const parallel = Number(parallelText);
const shellArgs = [...MAKE_SHELL_FLAGS.split(' '), JOB_COMMAND];

const waitingOn = new Map(graph.map((job) => [job.id, new Set(job.needs)]));
const dependents = new Map(graph.map((job) => [job.id, []]));
for (const job of graph) for (const need of job.needs) dependents.get(need).push(job.id);
const ready = graph.filter((job) => job.needs.length === 0).map((job) => job.id);
let running = 0;
let finished = 0;

await new Promise((resolve, reject) => {
  const startReady = () => {
    while (running < parallel && ready.length > 0) {
      const id = ready.shift();
      running++;
      const child = spawn(MAKE_SHELL, shellArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child.stdout.resume();
      child.stderr.resume();
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`${id} exited with ${code}`));
        running--;
        finished++;
        for (const dependent of dependents.get(id)) {
          const waiting = waitingOn.get(dependent);
          waiting.delete(id);
          if (waiting.size === 0) ready.push(dependent);
        }
        if (finished === graph.length) resolve();
        else startReady();
      });
    }
  };
  startReady();
});
