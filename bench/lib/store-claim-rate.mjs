// The reference for bench/scheduler.mjs: how fast the store alone claims queued jobs, with no
// HTTP, no scheduler and no engine. It imports the store from src/ (run it with tsx), fills
// a fresh database with `items` queue items whose payload is as large as the benchmark's
// assignments, then times the scheduler's own conditional UPDATEs over all of them:
//
//   next       `store.claimNext(batch)`: pick and claim the oldest `batch` items in one
//              statement, what one poll with `batch` free slots does while no project with a
//              concurrency limit has slots to count; one statement at a time
//   next×C     the same with `concurrency` statements in flight (as many as runners)
//   claim      `store.claim(id)`, one item per statement, one statement at a time
//   many       `store.claimMany(ids)` with `batch` ids per statement (the claim of a poll that
//              picked its items itself, because of project limits), one statement at a time
//   many×C     the same with `concurrency` statements in flight
//
// It also times that path's candidate read (`listQueued(200)`).
//
//   node --import tsx bench/lib/store-claim-rate.mjs (--sqlite FILE | --dsn DSN) --items N \
//        --batch B --concurrency C --payload-bytes P
// prints one JSON object on stdout.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openControlStore } from '../../src/store/index.ts';

const { values } = parseArgs({
  options: {
    sqlite: { type: 'string' },
    dsn: { type: 'string' },
    items: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '20' },
    'payload-bytes': { type: 'string', default: '1000' },
  },
});
const items = Number(values.items);
const batch = Number(values.batch);
const concurrency = Number(values.concurrency);
const store = await openControlStore(values.dsn ? { postgresDsn: values.dsn } : { sqlitePath: values.sqlite });

try {
  await store.migrate();
  const now = Date.now();
  const project = await store.createProject(
    { name: 'claim-bench', repository: '/nowhere', pipelinePath: '.deploylite.yml', defaultBranch: 'main', webhookSecret: 'x', maxConcurrentJobs: null },
    now,
  );
  const run = await store.createServerRun({
    projectId: project.id,
    name: 'claim-bench',
    file: '.deploylite.yml',
    source: '',
    options: { workspaceDir: '/nowhere', parallel: 0, jobFilter: [], vars: {}, secretNames: [] },
    ref: 'main',
    sha: '0'.repeat(40),
    trigger: { kind: 'manual' },
    concurrencyGroup: null,
    cancelInProgress: false,
    status: 'running',
    error: null,
    createdAt: now,
  });
  const payload = { source: 'x'.repeat(Number(values['payload-bytes'])) };

  /** Fills the queue with `items` items; returns their ids in claim order. */
  const fill = async (label) => {
    const ids = [];
    for (let i = 0; i < items; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(items, i + 50); j++) {
        batch.push(store.enqueue({ runId: run.id, jobKey: `${label}-${j}`, projectId: project.id, labels: [], priority: 0, payload, createdAt: now }));
      }
      ids.push(...(await Promise.all(batch)).map((item) => item.id));
    }
    return ids;
  };
  /**
   * Claims every id, `size` ids per statement (`store.claim` when 1, else `store.claimMany`)
   * with `workers` statements in flight; returns items claimed per second.
   */
  /** Claims the whole queue with `claimNext(size)`, `workers` statements in flight; items per second. */
  const claimNextAll = async (size, workers) => {
    let won = 0;
    const worker = async (runnerId) => {
      for (;;) {
        const at = Date.now();
        const claimed = await store.claimNext(size, {}, { leasePrefix: randomUUID(), runnerId, expiresAt: at + 30_000, now: at });
        if (claimed.length === 0) return;
        won += claimed.length;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: workers }, (_, i) => worker(i + 1)));
    const seconds = (performance.now() - started) / 1000;
    if (won !== items) throw new Error(`${won} of ${items} claims won`);
    return items / seconds;
  };
  const claimAll = async (ids, size, workers) => {
    let next = 0;
    let won = 0;
    const worker = async (runnerId) => {
      while (next < ids.length) {
        const chunk = ids.slice(next, next + size);
        next += chunk.length;
        const at = Date.now();
        if (size === 1) {
          if (await store.claim(chunk[0], { leaseId: randomUUID(), runnerId, expiresAt: at + 30_000, now: at })) won++;
        } else {
          // Not `won += await …`: that reads `won` before awaiting, losing the other workers' counts.
          const claimed = await store.claimMany(chunk, { leasePrefix: randomUUID(), runnerId, expiresAt: at + 30_000, now: at });
          won += claimed.length;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: workers }, (_, i) => worker(i + 1)));
    const seconds = (performance.now() - started) / 1000;
    if (won !== ids.length) throw new Error(`${won} of ${ids.length} claims won`);
    return ids.length / seconds;
  };

  await fill('next');
  const nextPerSecond = await claimNextAll(batch, 1);
  await fill('next-par');
  const nextConcurrentPerSecond = await claimNextAll(batch, concurrency);
  const claimIds = await fill('claim');
  const listQueuedMs = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await store.listQueued(200);
    listQueuedMs.push(performance.now() - started);
  }
  listQueuedMs.sort((a, b) => a - b);
  const claimPerSecond = await claimAll(claimIds, 1, 1);
  const manyPerSecond = await claimAll(await fill('many'), batch, 1);
  const manyConcurrentPerSecond = await claimAll(await fill('par'), batch, concurrency);
  process.stdout.write(
    `${JSON.stringify({ items, batch, concurrency, nextPerSecond, nextConcurrentPerSecond, claimPerSecond, manyPerSecond, manyConcurrentPerSecond, listQueuedMedianMs: listQueuedMs[2] })}\n`,
  );
} finally {
  await store.close();
}
