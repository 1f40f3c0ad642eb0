import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { sleep, waitForFile, workdir } from '../support/cli.js';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

test('kill -9 of the server mid-run, then a restart: the run completes, nothing lost or run twice', async () => {
  const marks = workdir();
  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  first:
    steps:
      - run: echo first >> ${marks}/ran
  slow:
    needs: first
    steps:
      - run: |
          echo "slow begins"
          echo slow >> ${marks}/ran
          echo yes > ${marks}/slow-started
          while [ ! -e ${marks}/go ]; do sleep 0.05; done
          echo "slow ends"
  last:
    needs: slow
    steps:
      - run: echo last >> ${marks}/ran
`,
  });
  const first: ServerProcess = await startServer({ args: ['--no-runner'] });
  const runner: RunnerProcess = await startRunner(first, { name: 'steady' });
  cleanup.push(() => runner.stop());
  await first.api('POST', '/api/v1/projects', { name: 'restart', repository: repo.path }, 201);
  const { id } = await first.api<{ id: number }>('POST', '/api/v1/projects/restart/runs', {}, 201);
  await waitForFile(`${marks}/slow-started`);

  await first.kill9();
  // The job finishes while the server is down; the runner must hold on to the result.
  writeFileSync(`${marks}/go`, '');
  await sleep(500);
  const second = await startServer({ port: first.port, dataDir: first.dataDir, token: first.token, args: ['--no-runner'] });
  cleanup.push(() => second.stop());

  const run = await waitForRun(second, id, isFinal, 30_000);
  assert.equal(run.status, 'success', JSON.stringify(run));
  assert.deepEqual(readFileSync(`${marks}/ran`, 'utf8').trim().split('\n'), ['first', 'slow', 'last'], 'each job ran exactly once');
  const slow = await jobLog(second, id, 'slow');
  const texts = slow.map((l) => l.text);
  assert.equal(texts.filter((t) => t === 'slow begins').length, 1);
  assert.equal(texts.filter((t) => t === 'slow ends').length, 1);
  assert.deepEqual(slow.map((l) => l.lineNo), slow.map((_, i) => i + 1));
});
