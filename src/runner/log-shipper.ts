import { coerceError, InvalidRequestError } from '../core/index.js';
import type { LogStream } from '../engine/index.js';
import type { LogBatch, LogBatchResponse } from '../protocol/index.js';
import { backoffDelay } from './backoff.js';

type ShippedLine = LogBatch['lines'][number];

export interface LogShipperOptions {
  /**
   * Sends one batch. Retries network failures itself; rejects when retrying cannot help:
   * InvalidRequestError (the server refused this batch), any other error ends the
   * shipping (the lease is gone, the token was rejected, the runner shuts down).
   */
  readonly send: (batch: LogBatch) => Promise<LogBatchResponse>;
  readonly now: () => number;
  /** A line waits at most this long before it is sent. */
  readonly flushMs: number;
  /** A batch holds at most this many lines; this many buffered lines are sent at once. */
  readonly maxBatchLines: number;
  /** Lines kept while the server cannot be reached; the overflow is counted, not kept. */
  readonly maxBufferedLines: number;
  /** Shipping ended for good (see `send`); nothing more is sent. */
  readonly onFailure: (error: Error) => void;
}

/** The protocol's limit for one line; longer lines are cut rather than rejected with their batch. */
const MAX_LINE_CHARS = 64 * 1024;
/** The protocol's limit of lines per batch. */
const MAX_BATCH_LINES = 5000;
/** Keeps one request body around a megabyte or two however long the lines are. */
const MAX_BATCH_CHARS = 1024 * 1024;

/**
 * Ships the log lines of one lease in numbered batches (`offset` = lines the server holds
 * before the batch), one request at a time so batches arrive in order. A line waits at most
 * `flushMs`, or less once `maxBatchLines` are waiting. The server's `accepted` is the next
 * offset: when it is lower than what was sent (the server dropped a batch that left a gap)
 * the lines from there are sent again, and the server skips lines it holds already, so a
 * resend never duplicates. While the server cannot be reached, memory stays bounded: the
 * lines after `maxBufferedLines` are dropped and replaced by one line saying how many.
 */
export class LogShipper {
  /** Lines the server does not hold yet, starting at offset `accepted`. */
  private pending: ShippedLine[] = [];
  private accepted = 0;
  private droppedLines = 0;
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;
  private finishing = false;
  private failure: Error | undefined;
  private stalled = 0;
  private waiters: { resolve: (lines: number) => void; reject: (error: Error) => void }[] = [];
  private readonly batchLines: number;

  constructor(private readonly options: LogShipperOptions) {
    this.batchLines = Math.max(1, Math.min(options.maxBatchLines, MAX_BATCH_LINES));
  }

  write(stream: LogStream, text: string): void {
    if (this.failure || this.finishing) return;
    if (this.pending.length >= this.options.maxBufferedLines) {
      this.droppedLines++;
      return;
    }
    if (this.droppedLines > 0) this.noteDroppedLines();
    this.pending.push({ stream, time: this.options.now(), text: fitLine(text) });
    this.schedule();
  }

  /** Sends everything written so far; resolves with the number of lines the server holds. */
  finish(): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    this.finishing = true;
    if (this.droppedLines > 0) this.noteDroppedLines();
    const done = new Promise<number>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  /** Drops everything and sends nothing more (the lease is gone). */
  abandon(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.pending = [];
    if (this.timer) clearTimeout(this.timer);
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** Lines buffered and not yet held by the server. */
  get backlog(): number {
    return this.pending.length;
  }

  private schedule(): void {
    if (this.inFlight || this.failure) return;
    if (this.pending.length === 0) {
      if (this.finishing) for (const waiter of this.waiters.splice(0)) waiter.resolve(this.accepted);
      return;
    }
    if (this.finishing || this.pending.length >= this.batchLines) {
      this.sendNext();
      return;
    }
    this.timer ??= setTimeout(() => this.sendNext(), this.options.flushMs);
  }

  private sendNext(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight || this.failure || this.pending.length === 0) return;
    const lines = takeBatch(this.pending, this.batchLines);
    const offset = this.accepted;
    this.inFlight = true;
    this.options
      .send({ offset, lines })
      .then(
        (answer) => this.onAnswer(offset, lines.length, answer.accepted),
        (thrown: unknown) => this.onError(lines.length, coerceError(thrown)),
      )
      .finally(() => {
        this.inFlight = false;
        this.schedule();
      })
      .catch((thrown: unknown) => this.fail(coerceError(thrown)));
  }

  private async onAnswer(offset: number, sent: number, accepted: number): Promise<void> {
    // `accepted` below `offset`: the server holds fewer lines than it acknowledged before
    // (it lost some). Those are gone here too; continuing at its count keeps it gap-free.
    const held = Math.min(Math.max(accepted - offset, 0), sent);
    this.pending.splice(0, held);
    this.accepted = accepted;
    if (held > 0 || sent === 0) {
      this.stalled = 0;
      return;
    }
    // Nothing of the batch was kept: wait before sending it again, so that a server that
    // keeps refusing it is not hammered.
    this.stalled++;
    await new Promise((resolve) => setTimeout(resolve, backoffDelay(this.stalled)));
  }

  private onError(sent: number, error: Error): void {
    if (!(error instanceof InvalidRequestError)) return this.fail(error);
    // The server refused this batch for good (too large, malformed): say so in its place
    // instead of retrying it forever or leaving a gap that stalls every later batch.
    const refusedNotice = this.pending[0]?.stream === 'system' && this.pending[0].text.startsWith('… ');
    this.pending.splice(0, sent);
    if (sent > 1 || !refusedNotice) {
      this.pending.unshift({ stream: 'system', time: this.options.now(), text: `… ${sent} log lines were refused by the server: ${error.message}` });
    }
  }

  private fail(error: Error): void {
    this.abandon(error);
    this.options.onFailure(error);
  }

  private noteDroppedLines(): void {
    const text = `… ${this.droppedLines} log lines were dropped: the server could not be reached for too long`;
    this.pending.push({ stream: 'system', time: this.options.now(), text });
    this.droppedLines = 0;
  }
}

function takeBatch(pending: readonly ShippedLine[], maxLines: number): ShippedLine[] {
  let chars = 0;
  let count = 0;
  while (count < pending.length && count < maxLines) {
    chars += (pending[count] as ShippedLine).text.length;
    if (count > 0 && chars > MAX_BATCH_CHARS) break;
    count++;
  }
  return pending.slice(0, count);
}

function fitLine(text: string): string {
  if (text.length <= MAX_LINE_CHARS) return text;
  const notice = ' … (line cut: longer than 64 KiB)';
  return text.slice(0, MAX_LINE_CHARS - notice.length) + notice;
}
