import { Cron } from 'croner';

/** When a cron schedule fires next after `after` (epoch ms, UTC); 5 fields, or 6 with seconds. */
export function nextRunAfter(cron: string, after: number): number {
  const next = new Cron(cron, { paused: true, timezone: 'UTC' }).nextRun(new Date(after));
  if (!next) throw new Error(`the schedule "${cron}" never fires again`);
  return next.getTime();
}
