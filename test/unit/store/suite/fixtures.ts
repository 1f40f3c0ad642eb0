// Records the conformance suite stores, with defaults a test overrides only where it matters.
import type { JobRecord, RunOptionsRecord } from '../../../../src/engine/index.js';
import type {
  ControlStore,
  NewQueueItem,
  NewServerRun,
  ProjectRecord,
  QueueItem,
  ServerRunRecord,
} from '../../../../src/store/index.js';
import type { KyselyControlStore } from '../../../../src/store/index.js';

/** Opens a store over an empty database that has not been migrated. */
export type OpenEmptyStore = () => Promise<KyselyControlStore>;

export type StoreTest = (store: KyselyControlStore) => Promise<void>;

/** A migrated store over an empty database, closed after `body`. */
export function withStore(openEmpty: OpenEmptyStore, body: StoreTest): () => Promise<void> {
  return async () => {
    const store = await openEmpty();
    try {
      await store.migrate();
      await body(store);
    } finally {
      await store.close();
    }
  };
}

export const runOptions: RunOptionsRecord = { workspaceDir: '/work', parallel: 4, jobFilter: [], vars: { A: '1' }, secretNames: ['TOKEN'] };

export function createProject(store: ControlStore, name = 'web', maxConcurrentJobs: number | null = null): Promise<ProjectRecord> {
  return store.createProject(
    { name, repository: `https://git.example.com/${name}.git`, pipelinePath: '.deploylite.yml', defaultBranch: 'main', webhookSecret: 's3cret', maxConcurrentJobs },
    1_700_000_000_000,
  );
}

export function createServerRun(store: ControlStore, projectId: number, overrides: Partial<NewServerRun> = {}): Promise<ServerRunRecord> {
  return store.createServerRun({
    projectId,
    name: 'ci',
    file: '.deploylite.yml',
    source: 'jobs: {}',
    options: runOptions,
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    trigger: { kind: 'manual', actor: 'alice' },
    concurrencyGroup: null,
    cancelInProgress: false,
    status: 'running',
    error: null,
    createdAt: 1_700_000_000_000,
    ...overrides,
  });
}

export function job(runId: number, key: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    runId,
    key,
    jobId: key.replace(/\[\d+\]$/, ''),
    matrixIndex: null,
    matrix: null,
    name: key,
    status: 'pending',
    attempts: 0,
    exitCode: null,
    startedAt: null,
    finishedAt: null,
    outputs: {},
    rollbackStatus: null,
    error: null,
    continueOnError: false,
    pid: null,
    ...overrides,
  };
}

/** A project, a run of it and one queued item for `jobKey`. */
export async function queuedItem(store: ControlStore, overrides: Partial<NewQueueItem> = {}): Promise<QueueItem> {
  const project = (await store.getProjectByName('web')) ?? (await createProject(store));
  const run = overrides.runId === undefined ? await createServerRun(store, project.id) : undefined;
  return store.enqueue({
    runId: run?.id ?? (overrides.runId as number),
    jobKey: 'build',
    projectId: project.id,
    labels: ['linux'],
    priority: 0,
    payload: { jobId: 'build' },
    createdAt: 1_000,
    ...overrides,
  });
}

/** A queued item claimed by `runnerId` under `leaseId`, lease expiring at 10_000. */
export async function leasedItem(store: ControlStore, leaseId: string, runnerId = 1, overrides: Partial<NewQueueItem> = {}): Promise<QueueItem> {
  const item = await queuedItem(store, overrides);
  if (!(await store.claim(item.id, { leaseId, runnerId, expiresAt: 10_000, now: 2_000 }))) throw new Error('claim failed');
  return (await store.getQueueItem(item.id)) as QueueItem;
}

export const lines = (...texts: string[]) => texts.map((text, index) => ({ stream: 'stdout' as const, time: 5_000 + index, text }));
