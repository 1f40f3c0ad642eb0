import type { JobDispatcher, JobOutcome } from '../../engine/index.js';
import type { JobResult } from '../../protocol/index.js';
import type { ServerRunRecord } from '../../store/index.js';
import type { QueuedAssignment, Scheduler } from './scheduler.js';
import type { ControlStore } from '../../store/index.js';

export interface RemoteDispatchContext {
  readonly run: ServerRunRecord;
  readonly repository: string;
  readonly priority: number;
  /** Secret values the runner masks in everything it sends back. */
  readonly mask: readonly string[];
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
 * them twice.
 */
export function createRemoteDispatcher(store: ControlStore, scheduler: Scheduler, context: RemoteDispatchContext): JobDispatcher {
  return async (input) => {
    const { instance } = input;
    const { run } = context;
    let item = await store.findQueueItem(run.id, instance.key);
    if (!item) {
      const payload: QueuedAssignment = {
        runId: run.id,
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
        checkout: { repository: context.repository, sha: run.sha },
        mask: [...context.mask],
      };
      item = await scheduler.enqueue({
        runId: run.id,
        jobKey: instance.key,
        projectId: run.projectId,
        labels: instance.spec.runsOn ?? [],
        priority: context.priority,
        payload,
        createdAt: input.clock.now(),
      });
    }
    const itemId = item.id;
    let announced = false;
    const announce = () => {
      if (!announced) input.onRunning();
      announced = true;
    };
    const onAbort = () => {
      void store.getQueueItem(itemId).then((current) => current && scheduler.cancel(current, CANCELLED));
    };
    input.signal.addEventListener('abort', onAbort, { once: true });
    if (input.signal.aborted) onAbort();
    try {
      for (;;) {
        const current = await store.getQueueItem(itemId);
        if (!current || current.status === 'archived') return outcomeOf(CANCELLED);
        if (current.status === 'leased' || (current.status === 'done' && current.assignedAt !== null)) announce();
        if (current.status === 'done') return outcomeOf(current.result as JobResult);
        // Woken by this process's scheduler at once; the timeout only covers other server processes.
        await scheduler.waitForChange(itemId, 5000);
      }
    } finally {
      input.signal.removeEventListener('abort', onAbort);
    }
  };
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
