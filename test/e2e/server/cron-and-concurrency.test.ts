import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { sleep, waitForFile, workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
before(async () => {
  server = await startServer({ env: { DEPLOYLITE_RUNNER_CAPACITY: '4' } });
});
after(async () => {
  await server.stop();
});

interface RunSummary {
  id: number;
  status: string;
  createdAt: number;
  error: string | null;
  trigger: { kind: string; event?: string };
}

test('a cron schedule in the pipeline starts runs of the default branch, once per firing', async () => {
  const repo = gitRepo({
    '.deploylite.yml': `on:
  schedule:
    - cron: '*/2 * * * * *'
jobs:
  tick:
    steps: [{ run: echo tick }]
`,
  });
  await server.api('POST', '/api/v1/projects', { name: 'cron', repository: repo.path }, 201);
  let runs: RunSummary[] = [];
  for (let i = 0; i < 200 && runs.length < 2; i++) {
    runs = (await server.api<{ runs: RunSummary[] }>('GET', '/api/v1/runs?project=cron')).runs;
    await sleep(50);
  }
  assert.ok(runs.length >= 2, 'two firings within 10 s');
  assert.deepEqual(runs[0]?.trigger, { kind: 'schedule', event: '*/2 * * * * *', actor: 'schedule' });
  const [newer, older] = runs as [RunSummary, RunSummary];
  assert.ok(newer.createdAt - older.createdAt >= 1500, `firings ${newer.createdAt - older.createdAt} ms apart`);
  const done = await waitForRun(server, older.id, isFinal);
  assert.equal(done.status, 'success');
});

function gatedRepo(gate: string, options: string) {
  return gitRepo({
    '.deploylite.yml': `concurrency:
  group: deploy-\${{ vars.env }}
${options}
jobs:
  deploy:
    steps:
      - run: |
          echo started > ${gate}/started-$DEPLOYLITE_RUN_ID
          while [ ! -e ${gate}/go ]; do sleep 0.05; done
`,
  });
}

test('one run per concurrency group: a newer pending run replaces an older one, then runs when the group is free', async () => {
  const gate = workdir();
  const repo = gatedRepo(gate, '  cancel-in-progress: false');
  await server.api('POST', '/api/v1/projects', { name: 'queue', repository: repo.path }, 201);
  const trigger = () => server.api<{ id: number; status: string }>('POST', '/api/v1/projects/queue/runs', { variables: { env: 'prod' } }, 201);
  const first = await trigger();
  await waitForFile(`${gate}/started-${first.id}`);
  const second = await trigger();
  const third = await trigger();
  assert.deepEqual([first.status, second.status, third.status], ['running', 'pending', 'pending']);
  const replaced = await waitForRun(server, second.id, isFinal);
  assert.equal(replaced.status, 'cancelled');
  assert.match(replaced.error ?? '', new RegExp(`run ${third.id} of the same concurrency group replaced it`));

  const other = await server.api<{ id: number; status: string }>('POST', '/api/v1/projects/queue/runs', { variables: { env: 'staging' } }, 201);
  assert.equal(other.status, 'running', 'another group is not held back');

  writeFileSync(`${gate}/go`, '');
  assert.equal((await waitForRun(server, first.id, isFinal)).status, 'success');
  assert.equal((await waitForRun(server, third.id, isFinal)).status, 'success');
});

test('cancel-in-progress: a new run of the group cancels the running one', async () => {
  const gate = workdir();
  const repo = gatedRepo(gate, '  cancel-in-progress: true');
  await server.api('POST', '/api/v1/projects', { name: 'latest-wins', repository: repo.path }, 201);
  const trigger = () => server.api<{ id: number }>('POST', '/api/v1/projects/latest-wins/runs', { variables: { env: 'prod' } }, 201);
  const first = await trigger();
  await waitForFile(`${gate}/started-${first.id}`);
  const second = await trigger();
  assert.equal((await waitForRun(server, first.id, isFinal)).status, 'cancelled');
  await waitForFile(`${gate}/started-${second.id}`);
  writeFileSync(`${gate}/go`, '');
  assert.equal((await waitForRun(server, second.id, isFinal)).status, 'success');
});
