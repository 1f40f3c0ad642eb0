import type { SecretMasker } from '../core/index.js';
import type { LogLine, LogStream, RunStore } from './run-store.js';

/**
 * Masks every line, hands it to the live observer at once and stores it in batches: one
 * write per batch instead of one per line keeps a chatty job from being slowed by the
 * database. `flush()` is awaited when a job ends, so a finished job's log is complete in
 * the store before its status says it finished.
 */
export class LogSink {
  private buffer: LogLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RunStore,
    private readonly masker: SecretMasker,
    private readonly now: () => number,
    private readonly maxBatch = 500,
    private readonly maxDelayMs = 100,
  ) {}

  /** Returns the masked text that was stored. */
  write(runId: number, jobKey: string, stream: LogStream, text: string): string {
    const masked = this.masker.mask(text);
    this.buffer.push({ runId, jobKey, stream, time: this.now(), text: masked });
    if (this.buffer.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs);
    return masked;
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length > 0) {
      const batch = this.buffer;
      this.buffer = [];
      // Writes are chained so that batches land in the order they were written.
      this.pending = this.pending.then(() => this.store.appendLogs(batch));
    }
    return this.pending;
  }
}
