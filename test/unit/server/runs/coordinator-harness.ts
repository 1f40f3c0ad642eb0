// A RunCoordinator over a real SQLite store and scheduler, with Git replaced by a map of
// commits (so triggers resolve at once and really run side by side) and a fake runner that
// takes queued jobs and reports the result a test asks for.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../../src/core/index.js';
import { silentLogger, systemClock } from '../../../../src/core/index.js';
import type { JobResult } from '../../../../src/protocol/index.js';
import { LogHub } from '../../../../src/server/logs/log-hub.js';
import { ServerMetrics } from '../../../../src/server/metrics.js';
import type { PipelineSource, SecretSource } from '../../../../src/server/runs/run-coordinator.js';
import { RunCoordinator } from '../../../../src/server/runs/run-coordinator.js';
import { Scheduler } from '../../../../src/server/scheduler/scheduler.js';
import { Wakeups } from '../../../../src/server/scheduler/wakeups.js';
import type { ControlStore, ProjectRecord, RunnerRecord, ServerRunRecord } from '../../../../src/store/index.js';
import { openControlStore } from '../../../../src/store/index.js';

/** The coordinator tests use no secrets. */
const NO_SECRETS: SecretSource = { list: async () => [], resolve: async () => ({}), seal: async (value) => JSON.stringify(value), open: async (text) => JSON.parse(text) as unknown };

/** Commits by branch: `main` points at the last one committed. */
export class FakeRepository implements PipelineSource {
  private readonly files = new Map<string, string>();
  private readonly heads = new Map<string, string>();

  commit(pipeline: string, branch = 'main'): string {
    const sha = (this.files.size + 1).toString(16).padStart(40, '0');
    this.files.set(sha, pipeline);
    this.heads.set(branch, sha);
    return sha;
  }

  async resolve(_projectId: number, _repository: string, ref: string, sha?: string): Promise<string> {
    const resolved = sha ?? (this.files.has(ref) ? ref : this.heads.get(ref.replace(/^refs\/heads\//, '')));
    if (!resolved) throw new Error(`no ref ${ref}`);
    return resolved;
  }

  async readFile(_projectId: number, sha: string): Promise<string | undefined> {
    return this.files.get(sha);
  }

  /** The one pipeline file is never a folder. */
  async listFolder(): Promise<string[] | undefined> {
    return undefined;
  }

  async changedFiles(): Promise<string[] | undefined> {
    return undefined;
  }
}

export interface Harness {
  readonly store: ControlStore;
  readonly repo: FakeRepository;
  readonly project: ProjectRecord;
  readonly scheduler: Scheduler;
  readonly coordinator: RunCoordinator;
  /** Another server process on the same database: its own coordinator, scheduler and wake-ups. */
  secondServer(): RunCoordinator;
  trigger(variables?: Record<string, string>, ref?: string): Promise<ServerRunRecord>;
  run(id: number): Promise<ServerRunRecord>;
  /** Waits until the run's status is `status` (or throws after 10 s with what it is). */
  waitForStatus(id: number, status: ServerRunRecord['status']): Promise<ServerRunRecord>;
  /** The fake runner takes every queued job and reports `status`, until it has had one of `runId`. */
  finishJobs(runId: number, status: JobResult['status']): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(pipeline: string, options: { store?: (store: ControlStore) => ControlStore; logger?: Logger } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'run-coordinator-'));
  const real = await openControlStore({ sqlitePath: join(dir, 'control.db') });
  await real.migrate();
  const store = options.store?.(real) ?? real;
  const repo = new FakeRepository();
  repo.commit(pipeline);
  const project = await real.createProject(
    { name: 'web', repository: 'https://git.example.com/web.git', pipelinePath: '.deploylite.yml', defaultBranch: 'main', webhookSecret: 's', maxConcurrentJobs: null },
    systemClock.now(),
  );
  const coordinators: RunCoordinator[] = [];
  const server = () => {
    const logs = new LogHub(store);
    const metrics = new ServerMetrics({ queueDepth: async () => 0, runnersOnline: async () => 0, jobsRunning: async () => 0 });
    const scheduler = new Scheduler({
      store,
      clock: systemClock,
      logger: silentLogger,
      metrics,
      logs,
      wakeups: new Wakeups(),
      leaseTtlMs: 60_000,
      onLeaseLost: 'requeue',
      maxRequeues: 2,
    });
    const coordinator = new RunCoordinator({ store, scheduler, mirrors: repo, logs, metrics, clock: systemClock, logger: options.logger ?? silentLogger, workspaceDir: dir, secrets: NO_SECRETS });
    coordinators.push(coordinator);
    return { scheduler, coordinator };
  };
  const { scheduler, coordinator } = server();
  let runner: RunnerRecord | undefined;

  const run = async (id: number) => (await real.getServerRun(id)) as ServerRunRecord;
  const eventually = async <T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}; got ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  return {
    store: real,
    repo,
    project,
    scheduler,
    coordinator,
    secondServer: () => server().coordinator,
    async trigger(variables = {}, ref) {
      const started = await coordinator.trigger(project, { variables, trigger: { kind: 'manual', actor: 'test' }, ...(ref ? { ref } : {}) });
      if (!started) throw new Error('no run started');
      return started;
    },
    run,
    waitForStatus: (id, status) => eventually(() => run(id), (r) => r.status === status, `run ${id} did not become ${status}`),
    async finishJobs(runId, status) {
      runner ??= await real.createRunner({ name: 'fake', labels: [], capacity: 100, version: 'test', createdAt: 0 });
      const taken = runner;
      const result: JobResult = { status, attempts: 1, exitCode: status === 'success' ? 0 : 1, error: null, outputs: {}, rollbackStatus: null, logLines: 0 };
      await eventually(
        async () => {
          const { jobs } = await scheduler.poll(taken, { free: 100, running: [], waitMs: 0 }, new AbortController().signal);
          for (const job of jobs) await scheduler.acceptResult(taken, job.leaseId, result);
          return jobs.filter((job) => job.runId === runId).length;
        },
        (finished) => finished > 0,
        `run ${runId} queued no job`,
      );
    },
    async close() {
      for (const each of coordinators) await each.detach();
      await real.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
