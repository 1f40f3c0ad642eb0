import { ConflictError } from '../../core/index.js';
import type { JobDispatcher, JobOutcome } from '../../engine/index.js';
import type { JobResult } from '../../protocol/index.js';
import { requiredExecutorLabels } from '../../protocol/index.js';
import type { ControlStore, NewQueueItem, QueueItem, ServerRunRecord } from '../../store/index.js';
import type { AssignmentSealer } from './sealed-assignment.js';
import { sealAssignment } from './sealed-assignment.js';
import type { ItemState, QueuedAssignment, Scheduler } from './scheduler.js';

export interface RemoteDispatchContext {
  readonly run: ServerRunRecord;
  readonly repository: string;
  readonly priority: number;
  /** Seals the job's secrets and env in the queue (the SecretVault). */
  readonly sealer: AssignmentSealer;
}

const CANCELLED: JobResult = {
  status: 'cancelled',
  attempts: 0,
  exitCode: null,
  error: 'cancelled before a runner took it',
  outputs: {},
  rollbackStatus: null,
  logLines: 0,
};

/**
 * The engine's JobDispatcher for a server run: each job instance becomes a queue item, and
 * its outcome is the result its runner reports. Driving a run again after a server restart
 * finds the items it queued before (queued, leased or already done) instead of queueing
 * them twice; so does a driver that another server process beat to queueing the job.
 */
export function createRemoteDispatcher(store: ControlStore, scheduler: Scheduler, context: RemoteDispatchContext): JobDispatcher {
  return async (input) => {
    const { instance } = input;
    const { run } = context;
    let item = await store.findQueueItem(run.id, instance.key);
    if (!item) {
      const payload: QueuedAssignment = {
        runId: run.id,
        projectId: run.projectId,
        jobKey: instance.key,
        jobId: instance.spec.id,
        name: instance.name,
        matrixIndex: instance.matrixIndex,
        matrix: instance.matrix ? { ...instance.matrix } : null,
        pipeline: { file: run.file },
        job: JSON.parse(JSON.stringify(instance.spec)) as Record<string, unknown>,
        contexts: { ...input.contexts },
        env: { ...input.env },
        retry: input.retry ?? null,
        timeoutMs: input.timeoutMs ?? null,
        checkout: { repository: context.repository, sha: run.sha, ref: run.ref },
        // Filled in when the job is handed to its runner, from the sealed part.
        mask: [],
      };
      item = await enqueueOnce(store, scheduler, {
        runId: run.id,
        jobKey: instance.key,
        projectId: run.projectId,
        // An image or `network: none` also needs a runner whose executor can honour it (src/protocol/executor-labels.ts).
        labels: [...(instance.spec.runsOn ?? []), ...requiredExecutorLabels(instance.spec)],
        priority: context.priority,
        payload: await sealAssignment(payload, context.sealer),
        createdAt: input.clock.now(),
      });
    }
    const itemId = item.id;
    let announced = false;
    const announce = () => {
      if (!announced) input.onRunning();
      announced = true;
    };
    // A cancel that fails (the store is unreachable) is rethrown by the loop below, so the
    // engine fails the job with the reason instead of an unhandled rejection.
    let cancelling: Promise<void> | undefined;
    const onAbort = () => {
      cancelling = store.getQueueItem(itemId).then((current) => current && scheduler.cancel(current, CANCELLED));
      cancelling.catch(() => undefined);
    };
    input.signal.addEventListener('abort', onAbort, { once: true });
    if (input.signal.aborted) onAbort();
    try {
      let current: ItemState | undefined = item;
      for (;;) {
        if (cancelling) {
          await cancelling;
          cancelling = undefined;
          // The cancel may have changed the item while this loop was not waiting for it.
          current = await store.getQueueItem(itemId);
        }
        if (!current || current.status === 'archived') return outcomeOf(CANCELLED);
        if (current.status === 'leased' || (current.status === 'done' && current.assignedAt !== null)) announce();
        if (current.status === 'done') return outcomeOf(current.result as JobResult);
        // The scheduler says what became of the item: at once when this process changed it,
        // within seconds when another server process did.
        current = (await scheduler.waitForChange(itemId)) ?? (await store.getQueueItem(itemId));
      }
    } finally {
      input.signal.removeEventListener('abort', onAbort);
    }
  };
}

/**
 * Queues the job unless another driver of the run (another server process recovering it)
 * queued it since this one looked: the store keeps one active item per job, and this driver
 * then waits for that item instead.
 */
async function enqueueOnce(store: ControlStore, scheduler: Scheduler, item: NewQueueItem): Promise<QueueItem> {
  try {
    return await scheduler.enqueue(item);
  } catch (error) {
    const existing = error instanceof ConflictError && error.code === 'queue.duplicate' ? await store.findQueueItem(item.runId, item.jobKey) : undefined;
    if (existing) return existing;
    throw error;
  }
}

function outcomeOf(result: JobResult): JobOutcome {
  return {
    status: result.status,
    attempts: result.attempts,
    exitCode: result.exitCode,
    error: result.error,
    outputs: { ...result.outputs },
    rollbackStatus: result.rollbackStatus,
  };
}

