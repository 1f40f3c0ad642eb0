import type { Logger } from '../core/index.js';
import { coerceError } from '../core/index.js';

export interface PeriodicTask {
  /** No new run starts; one in progress is not waited for (it may be a slow Git fetch). */
  stop(): void;
}

/**
 * Runs `task` every `intervalMs`, never two runs at once: a tick that comes while the last
 * run is still going is skipped. Each periodic duty gets a task of its own, so a slow one
 * (a due schedule's Git fetch) never holds back another (reaping lost leases). A failing run
 * is logged and the next tick runs as usual. The timer does not keep the process alive.
 */
export function startPeriodicTask(name: string, intervalMs: number, task: () => Promise<void>, logger: Logger): PeriodicTask {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((thrown: unknown) => logger.error(`${name} failed`, { error: coerceError(thrown).message }))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
