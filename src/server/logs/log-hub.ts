import type { ControlStore, LogLineRecord } from '../../store/index.js';

/** What a live log subscriber receives: lines in order without gaps or repeats, then the end. */
export interface LogSubscriber {
  line(line: LogLineRecord): void;
  end(status: string): void;
}

export interface LogSubscription {
  close(): void;
}

const FINAL = new Set(['success', 'failed', 'skipped', 'cancelled']);
const PAGE = 1000;

/**
 * Live job logs for WebSocket and SSE clients. A subscriber first gets the stored lines after
 * its offset, then every line as it is stored, then `end` once the job is final and all its
 * lines were sent. Lines published by this process arrive without a store read; a gap (lines
 * stored by another server process, or published while the backlog was read) is filled from
 * the store, so a subscriber never misses or repeats a line.
 */
export class LogHub {
  private readonly subscribers = new Map<string, Set<Subscription>>();

  constructor(private readonly store: ControlStore) {}

  subscribe(runId: number, jobKey: string, afterLine: number, subscriber: LogSubscriber): LogSubscription {
    const key = `${runId}:${jobKey}`;
    const subscription = new Subscription(this.store, runId, jobKey, afterLine, subscriber);
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(subscription);
    subscription.onClose = () => {
      set.delete(subscription);
      if (set.size === 0) this.subscribers.delete(key);
    };
    subscription.catchUp();
    return subscription;
  }

  /** Lines just stored for a job. */
  publish(runId: number, jobKey: string, lines: readonly LogLineRecord[]): void {
    for (const subscription of this.subscribers.get(`${runId}:${jobKey}`) ?? []) subscription.offer(lines);
  }

  /** The job's state changed (it may have ended): subscribers check whether they are done. */
  jobChanged(runId: number, jobKey: string): void {
    for (const subscription of this.subscribers.get(`${runId}:${jobKey}`) ?? []) subscription.catchUp();
  }

  /** Re-check every subscription: the safety net for changes made by other server processes. */
  refreshAll(): void {
    for (const set of this.subscribers.values()) for (const subscription of set) subscription.catchUp();
  }

  get size(): number {
    let count = 0;
    for (const set of this.subscribers.values()) count += set.size;
    return count;
  }
}

class Subscription implements LogSubscription {
  onClose: () => void = () => {};
  private closed = false;
  private reading = false;
  private again = false;

  constructor(
    private readonly store: ControlStore,
    private readonly runId: number,
    private readonly jobKey: string,
    private lastSent: number,
    private readonly subscriber: LogSubscriber,
  ) {}

  offer(lines: readonly LogLineRecord[]): void {
    if (this.closed) return;
    if (this.reading || (lines[0] && lines[0].lineNo > this.lastSent + 1)) return this.catchUp();
    for (const line of lines) this.send(line);
  }

  /** Reads what the store has after `lastSent`; ends the subscription when the job is final. */
  catchUp(): void {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.read()
      .catch(() => undefined)
      .finally(() => {
        this.reading = false;
        if (this.again && !this.closed) {
          this.again = false;
          this.catchUp();
        }
      });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  private async read(): Promise<void> {
    for (;;) {
      // The job's status is read before its lines: lines stored after a final status are
      // impossible, so "final, and no more lines" really is the end.
      const job = (await this.store.listJobs(this.runId)).find((j) => j.key === this.jobKey);
      const lines = await this.store.readJobLog(this.runId, this.jobKey, this.lastSent, PAGE);
      for (const line of lines) this.send(line);
      if (this.closed) return;
      if (lines.length === PAGE) continue;
      if (job && FINAL.has(job.status)) {
        this.subscriber.end(job.status);
        this.close();
      }
      return;
    }
  }

  private send(line: LogLineRecord): void {
    if (this.closed || line.lineNo !== this.lastSent + 1) return;
    this.lastSent = line.lineNo;
    this.subscriber.line(line);
  }
}
