import { setTimeout as sleep } from 'node:timers/promises';
import { coerceError } from '../../core/index.js';
import { getRun } from './api-calls.js';
import type { ApiClient, ApiResponse } from './api-client.js';
import type { Job, LogLine, RunWithJobs } from './api-schemas.js';
import { RUN_FINAL_STATUSES } from './api-schemas.js';
import type { StreamTiming } from './follow-job-log.js';
import { followJobLog } from './follow-job-log.js';

export interface WatchTiming extends StreamTiming {
  /** How often the run is fetched to see its status and new jobs. */
  readonly pollIntervalMs: number;
}

export interface LogFollower {
  /** Which jobs to stream (all by default). */
  readonly select?: (job: Job) => boolean;
  readonly onLine: (job: Job, line: LogLine) => void;
  readonly onJobEnd?: (job: Job, status: string) => void;
}

export interface WatchRunOptions {
  readonly client: ApiClient;
  readonly runId: number;
  readonly signal: AbortSignal;
  readonly timing: WatchTiming;
  /** Also stream the logs of the run's jobs as they start. */
  readonly follow?: LogFollower;
}

/**
 * Waits until the run is final, polling it; with `follow`, streams the log of every job
 * (each over its own SSE connection) from the moment it leaves `pending`, and returns only
 * once every streamed log has ended, so no line comes after the caller's summary.
 * Returns the final run as last fetched.
 */
export async function watchRun(options: WatchRunOptions): Promise<ApiResponse<RunWithJobs>> {
  const { client, runId, timing, follow } = options;
  // A failed log stream stops the whole watch at once instead of waiting for the run.
  const failed = new AbortController();
  const signal = AbortSignal.any([options.signal, failed.signal]);
  let failure: Error | undefined;
  const streams = new Map<string, Promise<void>>();

  const startStream = (job: Job) => {
    if (!follow || streams.has(job.id) || job.status === 'pending' || job.status === 'skipped') return;
    if (follow.select && !follow.select(job)) return;
    const stream = followJobLog({
      client,
      jobId: job.id,
      after: 0,
      signal,
      timing,
      onLine: (line) => follow.onLine(job, line),
    }).then(
      (status) => follow.onJobEnd?.(job, status),
      (thrown: unknown) => {
        failure ??= coerceError(thrown);
        failed.abort(failure);
      },
    );
    streams.set(job.id, stream);
  };

  try {
    for (;;) {
      const response = await getRun(client, runId);
      for (const job of response.value.jobs) startStream(job);
      if (RUN_FINAL_STATUSES.has(response.value.status)) {
        await Promise.all(streams.values());
        if (failure) throw failure;
        return response;
      }
      await sleep(timing.pollIntervalMs, undefined, { signal });
    }
  } catch (thrown) {
    if (failure && !options.signal.aborted) throw failure;
    throw thrown;
  } finally {
    // Ends the remaining streams when the watch stops early (Ctrl-C, an error).
    failed.abort();
    await Promise.allSettled(streams.values());
  }
}
