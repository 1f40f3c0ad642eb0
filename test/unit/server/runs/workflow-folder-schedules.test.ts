// A project whose pipeline path is a folder of GitHub workflows, over a real Git repository,
// real mirrors and a real SQLite store: its schedules are the union of its workflows' crons,
// and a firing starts only the workflows that list that cron, as `schedule` events.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { silentLogger, systemClock } from '../../../../src/core/index.js';
import { GitMirrors } from '../../../../src/server/git/git-mirror.js';
import { LogHub } from '../../../../src/server/logs/log-hub.js';
import { ServerMetrics } from '../../../../src/server/metrics.js';
import { RunCoordinator } from '../../../../src/server/runs/run-coordinator.js';
import { ScheduleTicker } from '../../../../src/server/runs/schedule-ticker.js';
import { Scheduler } from '../../../../src/server/scheduler/scheduler.js';
import { Wakeups } from '../../../../src/server/scheduler/wakeups.js';
import { openControlStore } from '../../../../src/store/index.js';

const workflow = (name: string, cron: string) => `name: ${name}\non:\n  schedule:\n    - cron: '${cron}'\n  push:\njobs:\n  a:\n    runs-on: self-hosted\n    steps:\n      - run: echo \${{ github.event.schedule }}\n`;

test('a folder of workflows: schedules are the union of their crons, and a firing starts the workflows with that cron, not a failed run of a broken one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'workflow-schedules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, 'repo');
  const files = {
    '.github/workflows/nightly.yml': workflow('nightly', '0 3 * * *'),
    '.github/workflows/hourly.yml': workflow('hourly', '0 * * * *'),
    // Broken: no schedule of its own can be read, so no firing of another's cron is a run of it.
    '.github/workflows/broken.yml': 'on: push\njobs:\n  a: { runs-on: self-hosted, steps: [ { run: [oops] } ] }\n',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, name)), { recursive: true });
    writeFileSync(join(repo, name), text);
  }
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args]);
  git('init', '--quiet', '--initial-branch=main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'workflows');

  const store = await openControlStore({ sqlitePath: join(dir, 'control.db') });
  await store.migrate();
  t.after(() => store.close());
  const logs = new LogHub(store);
  const metrics = new ServerMetrics({ queueDepth: async () => 0, runnersOnline: async () => 0, jobsRunning: async () => 0 });
  const scheduler = new Scheduler({ store, clock: systemClock, logger: silentLogger, metrics, logs, wakeups: new Wakeups(), leaseTtlMs: 60_000, onLeaseLost: 'requeue', maxRequeues: 2 });
  const mirrors = new GitMirrors(join(dir, 'mirrors'));
  const secrets = { list: async () => [], resolve: async () => ({}), seal: async (value: unknown) => JSON.stringify(value), open: async (text: string) => JSON.parse(text) as unknown };
  const coordinator = new RunCoordinator({ store, scheduler, mirrors, logs, metrics, clock: systemClock, logger: silentLogger, workspaceDir: dir, secrets });
  t.after(() => coordinator.detach());
  const project = await store.createProject(
    { name: 'app', repository: repo, pipelinePath: '.github/workflows/', defaultBranch: 'main', webhookSecret: 's', maxConcurrentJobs: null },
    systemClock.now(),
  );
  const ticker = new ScheduleTicker(store, mirrors, coordinator, systemClock, silentLogger);

  await ticker.syncProject(project);
  assert.deepEqual((await store.listSchedules(project.id)).map((schedule) => schedule.cron).sort(), ['0 * * * *', '0 3 * * *']);

  // The nightly cron is due now; the hourly one is not.
  const hourly = (await store.listSchedules(project.id)).find((schedule) => schedule.cron === '0 * * * *');
  await store.replaceSchedules(project.id, [
    { cron: '0 3 * * *', nextAt: 0 },
    { cron: '0 * * * *', nextAt: hourly?.nextAt ?? Date.now() + 3_600_000 },
  ]);
  await ticker.tick();
  const runs = await store.listServerRuns({ projectId: project.id, limit: 10 });
  assert.deepEqual(runs.map((run) => [run.name, run.file, run.trigger.kind]), [['nightly', '.github/workflows/nightly.yml', 'schedule']]);
  assert.deepEqual(runs[0]?.options.event && { name: runs[0].options.event.name, schedule: (runs[0].options.event.payload as { schedule: string }).schedule }, {
    name: 'schedule',
    schedule: '0 3 * * *',
  });
});
