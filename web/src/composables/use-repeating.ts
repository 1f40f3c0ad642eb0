import { onBeforeUnmount, onMounted } from 'vue';

/**
 * Runs `task` when the component mounts and again every `intervalMs` for as long as it
 * answers true (a run that is not finished yet), until the component goes away. While the
 * tab is hidden nothing is fetched; when it shows again the task runs at once. `now()` runs
 * it ahead of time (after the user changed something) and restarts the wait.
 */
export function useRepeating(task: () => Promise<boolean>, intervalMs: number): { now: () => Promise<void> } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let active = false;
  let running: Promise<void> | undefined;

  const schedule = () => {
    clearTimeout(timer);
    if (active) timer = setTimeout(() => void run(), intervalMs);
  };
  const run = async (): Promise<void> => {
    if (running) return running;
    if (document.hidden) return schedule();
    running = (async () => {
      const again = await task().catch(() => true);
      if (!again) active = false;
    })().finally(() => {
      running = undefined;
    });
    await running;
    schedule();
  };
  const onVisible = () => {
    if (!document.hidden && active) void run();
  };

  onMounted(() => {
    active = true;
    document.addEventListener('visibilitychange', onVisible);
    void run();
  });
  onBeforeUnmount(() => {
    active = false;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  });
  return {
    now: async () => {
      active = true;
      // A fetch already under way may have left before the change: wait for it, then fetch again.
      if (running) await running;
      await run();
    },
  };
}
