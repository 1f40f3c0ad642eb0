/**
 * Idle job containers kept for reuse (handbook 12.4: a warm container starts a job in a fraction of a cold one's
 * time). Entries are grouped by key; `take` hands out the most recently used one of a key. Bounded: putting one too
 * many discards the longest idle; an entry idle longer than `idleMs` is discarded by a timer that does not keep the
 * process alive. `discard` is the owner's removal (the pool never talks to the engine itself).
 */
export class WarmPool<T> {
  private readonly idle: { key: string; item: T; timer: NodeJS.Timeout }[] = [];

  constructor(
    private readonly options: { readonly maxSize: number; readonly idleMs: number; readonly discard: (item: T) => void },
  ) {}

  get size(): number {
    return this.idle.length;
  }

  take(key: string): T | undefined {
    for (let index = this.idle.length - 1; index >= 0; index--) {
      const entry = this.idle[index]!;
      if (entry.key !== key) continue;
      this.idle.splice(index, 1);
      clearTimeout(entry.timer);
      return entry.item;
    }
    return undefined;
  }

  put(key: string, item: T): void {
    if (this.options.maxSize <= 0) {
      this.options.discard(item);
      return;
    }
    while (this.idle.length >= this.options.maxSize) this.evict(0);
    const timer = setTimeout(() => {
      const index = this.idle.findIndex((entry) => entry.item === item);
      if (index >= 0) this.evict(index);
    }, this.options.idleMs);
    timer.unref();
    this.idle.push({ key, item, timer });
  }

  /** Every idle entry, removed from the pool (for discarding them all on shutdown). */
  drain(): T[] {
    const items = this.idle.map((entry) => entry.item);
    for (const entry of this.idle) clearTimeout(entry.timer);
    this.idle.length = 0;
    return items;
  }

  private evict(index: number): void {
    const [entry] = this.idle.splice(index, 1);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.options.discard(entry.item);
  }
}
