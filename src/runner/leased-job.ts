import type { Clock } from '../core/index.js';
import { CancelledError, coerceError, InvalidRequestError, UnauthorizedError } from '../core/index.js';
import type { JobAssignment, JobResult } from '../protocol/index.js';
import { LogShipper } from './log-shipper.js';
import type { AssignmentRuntime } from './run-assignment.js';
import { runAssignment } from './run-assignment.js';
import type { RunnerLogger } from './runner-logger.js';
import type { ServerClient } from './server-client.js';
import { isLeaseGone } from './server-client.js';

export interface LeasedJobContext {
  readonly runtime: AssignmentRuntime;
  readonly client: ServerClient;
  readonly token: string;
  readonly clock: Clock;
  readonly logger: RunnerLogger;
  readonly logFlushMs: number;
  readonly maxBatchLines: number;
  readonly maxBufferedLines: number;
  /** Aborts the network calls still being retried: the runner stops for good. */
  readonly shutdown: AbortSignal;
  /** The server rejected the runner's token: nothing this runner sends will be accepted. */
  readonly onTokenRejected: (error: UnauthorizedError) => void;
}

/**
 * One job the runner holds a lease for, from assignment to reported result:
 *
 *   run (log lines shipped as they come) ─▶ last log batch acknowledged ─▶ result reported
 *
 * `cancel()` stops the job and still reports its (cancelled) result; `drop()` — the lease is
 * gone — stops it and sends nothing more. `done` resolves once the job has stopped and
 * everything that will be sent has been sent; it never rejects.
 */
export class LeasedJob {
  readonly leaseId: string;
  readonly done: Promise<void>;
  private readonly abort = new AbortController();
  private readonly shipper: LogShipper;
  private dropped = false;
  /** The server took the result: the lease is over. */
  private reported = false;

  constructor(
    private readonly assignment: JobAssignment,
    private readonly context: LeasedJobContext,
  ) {
    this.leaseId = assignment.leaseId;
    this.shipper = new LogShipper({
      send: (batch) => context.client.sendLogs(context.token, this.leaseId, batch, context.shutdown),
      now: () => context.clock.now(),
      flushMs: context.logFlushMs,
      maxBatchLines: context.maxBatchLines,
      maxBufferedLines: context.maxBufferedLines,
      onFailure: (error) => this.onSendFailure(error),
    });
    this.done = this.run().catch((thrown: unknown) => {
      context.logger.error('job handling failed', { ...this.fields, error: coerceError(thrown).message });
    });
  }

  /** True while the lease is the runner's: polls list it, which keeps it alive. */
  get holdsLease(): boolean {
    return !this.dropped && !this.reported;
  }

  get cancelRequested(): boolean {
    return this.abort.signal.aborted;
  }

  /** Stops the job; its result (cancelled) is still reported. `reason` goes into the job's log. */
  cancel(reason?: string): void {
    if (this.abort.signal.aborted) return;
    if (reason !== undefined) this.shipper.write('system', `✖ ${reason}`);
    this.abort.abort(new CancelledError(reason));
  }

  /** The lease is gone: stop the job and send nothing more about it. */
  drop(reason: string): void {
    if (this.dropped || this.reported) return;
    this.dropped = true;
    this.context.logger.warn(`job dropped: ${reason}`, this.fields);
    this.shipper.abandon(new CancelledError(reason));
    this.abort.abort(new CancelledError(reason));
  }

  private get fields() {
    return { lease_id: this.leaseId, run_id: this.assignment.runId, job: this.assignment.jobKey };
  }

  private async run(): Promise<void> {
    const { logger } = this.context;
    logger.info('job started', this.fields);
    const outcome = await runAssignment(this.assignment, this.context.runtime, {
      signal: this.abort.signal,
      log: (stream, text) => this.shipper.write(stream, text),
    });
    if (this.dropped) return;
    let logLines: number;
    try {
      logLines = await this.shipper.finish();
    } catch {
      return; // The shipper failed: onSendFailure has dealt with it.
    }
    if (this.dropped) return;
    await this.report({ ...outcome, logLines });
    if (this.reported) logger.info('job finished', { ...this.fields, status: outcome.status, log_lines: logLines });
  }

  private async report(result: JobResult): Promise<void> {
    const { client, token, shutdown } = this.context;
    try {
      await client.sendResult(token, this.leaseId, result, shutdown);
      this.reported = true;
    } catch (thrown) {
      if (!(thrown instanceof InvalidRequestError)) return this.onSendFailure(coerceError(thrown));
      // The server refused the result itself (outputs too large, say): a plain failure
      // still tells it the job ended, instead of leaving it to the lease's expiry.
      this.context.logger.error('the server refused the job result; reporting a plain failure', { ...this.fields, error: thrown.message });
      const plain: JobResult = { ...result, status: 'failed', outputs: {}, error: `the server refused the job's result: ${thrown.message}` };
      await client.sendResult(token, this.leaseId, plain, shutdown).then(
        () => (this.reported = true),
        (again: unknown) => this.onSendFailure(coerceError(again)),
      );
    }
  }

  private onSendFailure(error: Error): void {
    if (isLeaseGone(error)) return this.drop('the server no longer holds its lease');
    if (error instanceof UnauthorizedError) {
      this.drop('the server rejected the runner token');
      return this.context.onTokenRejected(error);
    }
    if (this.context.shutdown.aborted) {
      this.dropped = true;
      this.abort.abort(new CancelledError('the runner stopped'));
      this.context.logger.warn('job not reported: the runner stopped before the server answered', this.fields);
      return;
    }
    this.drop(`sending to the server failed: ${error.message}`);
  }
}
