/**
 * In-process wake-ups between the parts of one server: a long poll waits for "new work" or
 * "a lease of mine must be cancelled", a dispatcher waits for "item done". Only a hint:
 * every waiter re-reads the store when woken and also wakes on a timer, so several server
 * processes sharing one PostgreSQL stay correct, only slower.
 */
export class Wakeups {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves on the first of the topics being signalled, the timeout, or the abort. */
  wait(topics: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        for (const topic of topics) this.waiters.get(topic)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      for (const topic of topics) {
        let set = this.waiters.get(topic);
        if (!set) this.waiters.set(topic, (set = new Set()));
        set.add(done);
      }
    });
  }

  signal(topic: string): void {
    const set = this.waiters.get(topic);
    if (!set) return;
    this.waiters.delete(topic);
    for (const wake of set) wake();
  }
}

export const topics = {
  newWork: 'queue',
  runner: (runnerId: number) => `runner:${runnerId}`,
  item: (itemId: number) => `item:${itemId}`,
} as const;
