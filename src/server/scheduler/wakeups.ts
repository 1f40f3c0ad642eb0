/**
 * In-process wake-ups between the parts of one server: a long poll waits for "new work" or
 * "a lease of mine must be cancelled", a dispatcher waits for "item leased / done". A
 * signal may carry a value (an item's new state), which every waiter of the topic receives.
 * Only a hint: waiters also wake on a timer and then read the store, so several server
 * processes sharing one PostgreSQL stay correct, only slower.
 */
export class Wakeups {
  private readonly waiters = new Map<string, Set<(value?: unknown) => void>>();

  /**
   * Resolves on the first of the topics being signalled (with the signal's value), the
   * timeout or the abort (with undefined). Without a timeout only a signal or the abort ends it.
   */
  wait(topics: readonly string[], timeoutMs?: number, signal?: AbortSignal): Promise<unknown> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(undefined);
      const done = (value?: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', stop);
        for (const topic of topics) this.waiters.get(topic)?.delete(done);
        resolve(value);
      };
      const stop = () => done();
      const timer = timeoutMs === undefined ? undefined : setTimeout(stop, timeoutMs);
      signal?.addEventListener('abort', stop, { once: true });
      for (const topic of topics) {
        let set = this.waiters.get(topic);
        if (!set) this.waiters.set(topic, (set = new Set()));
        set.add(done);
      }
    });
  }

  signal(topic: string, value?: unknown): void {
    const set = this.waiters.get(topic);
    if (!set) return;
    this.waiters.delete(topic);
    for (const wake of set) wake(value);
  }
}

export const topics = {
  newWork: 'queue',
  runner: (runnerId: number) => `runner:${runnerId}`,
  item: (itemId: number) => `item:${itemId}`,
} as const;
