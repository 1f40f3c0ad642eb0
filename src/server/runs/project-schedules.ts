import type { Pipeline } from '../../pipeline/index.js';
import type { ControlStore } from '../../store/index.js';
import { nextRunAfter } from '../triggers/index.js';

/**
 * Makes a project's stored cron schedules those of its `pipelines` (their `on.schedule`; a
 * folder of workflows has several), which were read from the default branch. A cron kept in the file keeps its next firing; new ones fire
 * next after `now`. Nothing is written when the crons are the same, so doing this on every
 * run of the default branch costs one read. Returns whether the schedules changed.
 */
export async function updateSchedules(store: ControlStore, projectId: number, pipelines: readonly Pipeline[], now: number): Promise<boolean> {
  const wanted = [...new Set(pipelines.flatMap((pipeline) => pipeline.triggers.schedule.map(({ cron }) => cron)))];
  const stored = new Map((await store.listSchedules(projectId)).map((schedule) => [schedule.cron, schedule.nextAt]));
  if (wanted.length === stored.size && wanted.every((cron) => stored.has(cron))) return false;
  await store.replaceSchedules(projectId, wanted.map((cron) => ({ cron, nextAt: stored.get(cron) ?? nextRunAfter(cron, now) })));
  return true;
}
