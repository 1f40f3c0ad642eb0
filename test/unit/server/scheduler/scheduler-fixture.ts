// A Scheduler over a real store, with a hand-moved clock, for the scheduler suite.
import { silentLogger } from '../../../../src/core/index.js';
import type { Clock } from '../../../../src/core/index.js';
import { LogHub } from '../../../../src/server/logs/log-hub.js';
import { ServerMetrics } from '../../../../src/server/metrics.js';
import { Scheduler } from '../../../../src/server/scheduler/scheduler.js';
import type { SchedulerOptions } from '../../../../src/server/scheduler/scheduler.js';
import { Wakeups } from '../../../../src/server/scheduler/wakeups.js';
import type { ControlStore, NewQueueItem, QueueItem, RunnerRecord } from '../../../../src/store/index.js';

export const LEASE_TTL_MS = 30_000;

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = 1_700_000_000_000): ManualClock {
  let now = start;
  return {
    now: () => now,
    sleep: () => Promise.resolve(),
    advance: (ms) => void (now += ms),
  };
}

export function createScheduler(store: ControlStore, clock: Clock, overrides: Partial<SchedulerOptions> = {}): Scheduler {
  const metrics = new ServerMetrics({ queueDepth: async () => 0, runnersOnline: async () => 0, jobsRunning: async () => 0 });
  return new Scheduler({
    store,
    clock,
    logger: silentLogger,
    metrics,
    logs: new LogHub(store),
    wakeups: new Wakeups(),
    leaseTtlMs: LEASE_TTL_MS,
    onLeaseLost: 'requeue',
    maxRequeues: 3,
    ...overrides,
  });
}

export function createRunner(store: ControlStore, name: string, labels: readonly string[] = ['linux']): Promise<RunnerRecord> {
  return store.createRunner({ name, labels: [...labels], capacity: 4, version: '0.1.0', createdAt: 1_000 });
}

/** A project and a run of it, to queue jobs for. */
export async function createRun(store: ControlStore, maxConcurrentJobs: number | null = null): Promise<{ projectId: number; runId: number }> {
  const project = await store.createProject(
    { name: `p${Math.random().toString(36).slice(2, 8)}`, repository: 'https://git.example.com/web.git', pipelinePath: '.deploylite.yml', defaultBranch: 'main', webhookSecret: 's3cret', maxConcurrentJobs },
    1_000,
  );
  const run = await store.createServerRun({
    projectId: project.id,
    name: 'ci',
    file: '.deploylite.yml',
    source: 'jobs: {}',
    options: { workspaceDir: '/work', parallel: 4, jobFilter: [], vars: {}, secretNames: [] },
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    trigger: { kind: 'manual', actor: 'alice' },
    concurrencyGroup: null,
    cancelInProgress: false,
    status: 'running',
    error: null,
    createdAt: 1_000,
  });
  return { projectId: project.id, runId: run.id };
}

export function queueJob(store: ControlStore, run: { projectId: number; runId: number }, jobKey: string, overrides: Partial<NewQueueItem> = {}): Promise<QueueItem> {
  return store.enqueue({ ...run, jobKey, labels: [], priority: 0, payload: { jobKey }, createdAt: 1_000, ...overrides });
}

/** The store with some methods replaced; the others still reach the real store. */
export function storeWith(store: ControlStore, overrides: Partial<ControlStore>): ControlStore {
  return Object.assign(Object.create(store) as ControlStore, overrides);
}

export const poll = (free: number, running: string[] = []) => ({ free, running, waitMs: 0 });
export const neverAborted = new AbortController().signal;
