/** A run as its live stream sends it: the serialized body, and whether the run is finished. */
export interface RunSnapshot {
  readonly body: string;
  readonly final: boolean;
}

/** Reads a run's current state; undefined when the run does not exist (any more). */
export type RunSnapshotReader = (runId: number) => Promise<RunSnapshot | undefined>;

/** What a run's live subscriber receives: the run each time it changed, then the end. */
export interface RunSubscriber {
  snapshot(body: string): void;
  end(): void;
}

export interface RunSubscription {
  close(): void;
}

export interface RunEventHubOptions {
  /**
   * Least time between two reads of one run. A 500-job run finishes jobs in bursts; reading
   * (and sending, and re-rendering in every browser) once per change would cost far more
   * than one read per burst.
   */
  readonly minGapMs?: number;
}

/**
 * Live run states for the dashboard. A subscriber gets the run's current state at once, then
 * the state again whenever it differs from what it last got, then `end` once the run is
 * finished. `runChanged` (called where this process changes a run or its jobs) makes the hub
 * read the run now; `refreshAll`, called periodically, is the safety net for changes made by
 * other server processes sharing the database, and for notifications that came before the
 * store write they announce. One read serves every subscriber of a run; reads of one run never
 * overlap, and changes that arrive during a read are coalesced into one read after it.
 */
export class RunEventHub {
  private readonly watches = new Map<number, RunWatch>();
  private readonly minGapMs: number;

  constructor(
    private readonly read: RunSnapshotReader,
    options: RunEventHubOptions = {},
  ) {
    this.minGapMs = options.minGapMs ?? 100;
  }

  subscribe(runId: number, subscriber: RunSubscriber): RunSubscription {
    let watch = this.watches.get(runId);
    if (!watch) {
      watch = new RunWatch(runId, this.read, this.minGapMs, () => this.watches.delete(runId));
      this.watches.set(runId, watch);
    }
    return watch.add(subscriber);
  }

  /** The run or one of its jobs changed in this process. */
  runChanged(runId: number): void {
    this.watches.get(runId)?.changed();
  }

  /** Re-read every watched run. */
  refreshAll(): void {
    for (const watch of this.watches.values()) watch.changed();
  }

  /** Subscribers across all runs (metrics and tests). */
  get size(): number {
    let count = 0;
    for (const watch of this.watches.values()) count += watch.size;
    return count;
  }
}

class RunWatch {
  private readonly subscribers = new Map<RunSubscriber, { lastSent?: string }>();
  private last: RunSnapshot | undefined;
  private reading = false;
  private again = false;
  private waiting: ReturnType<typeof setTimeout> | undefined;
  private lastReadAt = -Infinity;

  constructor(
    private readonly runId: number,
    private readonly reader: RunSnapshotReader,
    private readonly minGapMs: number,
    private readonly onEmpty: () => void,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  add(subscriber: RunSubscriber): RunSubscription {
    const state: { lastSent?: string } = {};
    this.subscribers.set(subscriber, state);
    // What the last read found goes out at once; a fresh read follows (it may be stale).
    if (this.last && !this.last.final) this.deliver(subscriber, state, this.last);
    this.readNow();
    return { close: () => this.remove(subscriber) };
  }

  changed(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    if (this.waiting) return;
    const wait = this.lastReadAt + this.minGapMs - Date.now();
    if (wait <= 0) return this.readNow();
    this.waiting = setTimeout(() => {
      this.waiting = undefined;
      this.readNow();
    }, wait);
  }

  /** A new subscriber must not wait out the gap: it has nothing to show yet. */
  private readNow(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    clearTimeout(this.waiting);
    this.waiting = undefined;
    this.reading = true;
    this.lastReadAt = Date.now();
    void this.reader(this.runId)
      .then(
        (snapshot) => this.publish(snapshot),
        // The next change or the periodic re-check reads again.
        () => undefined,
      )
      .finally(() => {
        this.reading = false;
        if (this.again && this.subscribers.size > 0) {
          this.again = false;
          this.changed();
        }
      });
  }

  private publish(snapshot: RunSnapshot | undefined): void {
    this.last = snapshot;
    for (const [subscriber, state] of [...this.subscribers]) {
      if (snapshot) this.deliver(subscriber, state, snapshot);
      if (!snapshot || snapshot.final) {
        this.subscribers.delete(subscriber);
        subscriber.end();
      }
    }
    if (this.subscribers.size === 0) this.dispose();
  }

  private deliver(subscriber: RunSubscriber, state: { lastSent?: string }, snapshot: RunSnapshot): void {
    if (state.lastSent === snapshot.body) return;
    state.lastSent = snapshot.body;
    subscriber.snapshot(snapshot.body);
  }

  private remove(subscriber: RunSubscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    if (this.subscribers.size === 0) this.dispose();
  }

  private dispose(): void {
    clearTimeout(this.waiting);
    this.waiting = undefined;
    this.again = false;
    this.onEmpty();
  }
}
