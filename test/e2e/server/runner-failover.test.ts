import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { isAlive, sleep, workdir } from '../support/cli.js';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
const runners: RunnerProcess[] = [];
before(async () => {
  server = await startServer({ args: ['--no-runner'], env: { DEPLOYLITE_LEASE_TTL: '2s' } });
});
after(async () => {
  for (const runner of runners) await runner.stop();
  await server.stop();
});

test('jobs go only to runners that have every label they ask for', async () => {
  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  gpu:
    runs-on: [gpu]
    steps: [{ run: echo "on gpu runner" }]
  any:
    steps: [{ run: echo "anywhere" }]
`,
  });
  runners.push(await startRunner(server, { name: 'plain', labels: 'linux' }));
  runners.push(await startRunner(server, { name: 'graphics', labels: 'linux,gpu' }));
  await server.api('POST', '/api/v1/projects', { name: 'labels', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/labels/runs', {}, 201);
  const run = await waitForRun(server, id, isFinal);
  assert.equal(run.status, 'success');
  const { runners: listed } = await server.api<{ runners: { name: string; online: boolean; labels: string[] }[] }>('GET', '/api/v1/runners');
  assert.deepEqual(listed.map((r) => [r.name, r.online]).sort(), [['graphics', true], ['plain', true]]);
});

test('kill -9 of a runner mid-job: the job is queued again, finished by another runner, and keeps its earlier log', async () => {
  const marks = workdir();
  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  long:
    steps:
      - run: |
          echo "started on attempt $(ls ${marks} | wc -l)"
          touch ${marks}/attempt-$$
          echo $$ > ${marks}/pid-$$
          if [ "$(ls ${marks} | grep -c attempt)" = 1 ]; then sleep 60; fi
          echo "finished"
`,
  });
  await server.api('POST', '/api/v1/projects', { name: 'failover', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/failover/runs', {}, 201);
  await waitForRun(server, id, (run) => run.jobs.some((j) => j.status === "running")).catch((error: Error) => {
    throw new Error(`${error.message}\n${runners.map((r) => r.cli.stdout() + r.cli.stderr()).join("\n")}\n${server.cli.stdout()}`);
  });
  // Which runner holds it? Kill every runner that has the job's marker process as a descendant.
  const firstPid = Number((await waitForPidFile(marks)).trim());
  const holder = runners.find((r) => isDescendant(firstPid, r.cli.child.pid as number)) as RunnerProcess;
  assert.ok(holder, 'one of the runners runs the job');
  // Let the first line reach the server before the kill.
  await waitForLog(server, id, 'long', /started on attempt 0/);
  await holder.kill9();
  process.kill(firstPid, 'SIGKILL'); // the killed runner's step would otherwise sleep on as an orphan
  const run = await waitForRun(server, id, isFinal, 30_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${runners.map((r) => r.cli.stdout() + r.cli.stderr()).join("\n")}\n${server.cli.stdout()}`);
  });

  assert.equal(run.status, 'success', JSON.stringify(run));
  const log = (await jobLog(server, id, 'long')).map((l) => l.text);
  assert.ok(log.includes('started on attempt 0'), 'what was streamed before the kill is kept');
  assert.ok(log.some((l) => /stopped responding; the job is queued again \(attempt 2\)/.test(l)), log.join('\n'));
  assert.ok(log.includes('finished'));
  const numbers = (await jobLog(server, id, 'long')).map((l) => l.lineNo);
  assert.deepEqual(numbers, numbers.map((_, i) => i + 1), 'line numbers are gap-free and never repeated');

  // The killed runner left its workspace behind; started again, it removes it and keeps its identity.
  assert.ok(readdirSync(holder.workDir).some((name) => /^r\d+-long-/.test(name)), 'a leftover workspace exists');
  const again = await startRunner(server, { name: 'restarted', workDir: holder.workDir });
  runners.push(again);
  for (let i = 0; i < 200 && readdirSync(holder.workDir).some((name) => /^r\d+-/.test(name)); i++) await sleep(25);
  assert.deepEqual(readdirSync(holder.workDir).filter((name) => /^r\d+-/.test(name)), []);
});

async function waitForPidFile(dir: string): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const pid = readdirSync(dir).find((f) => f.startsWith('pid-'));
    if (pid) {
      const text = readFileSync(`${dir}/${pid}`, 'utf8');
      if (text.trim()) return text;
    }
    await sleep(25);
  }
  throw new Error('the job never started');
}

function isDescendant(pid: number, ancestor: number): boolean {
  for (let current = pid; current > 1; ) {
    if (current === ancestor) return true;
    if (!isAlive(current)) return false;
    const stat = readFileSync(`/proc/${current}/stat`, 'utf8');
    current = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return false;
}

async function waitForLog(server: ServerProcess, runId: number, key: string, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await jobLog(server, runId, key)).some((l) => pattern.test(l.text))) return;
    await sleep(25);
  }
  throw new Error(`no ${pattern} in the log of ${key}`);
}
