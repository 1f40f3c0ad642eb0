import { createColors } from 'picocolors';
import { formatDuration } from '../../core/index.js';
import { formatTable } from '../format-table.js';
import type { Run, RunWithJobs } from './api-schemas.js';

type Colors = ReturnType<typeof createColors>;
type Time = string | number | null | undefined;

/** `2024-05-01 12:00:03` (UTC, like `deploylite runs`), or `-`. */
export function formatTime(time: Time): string {
  const ms = toEpochMs(time);
  return ms === undefined ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** The time between two API times, or `-` while either is missing. */
export function formatElapsed(from: Time, to: Time): string {
  const start = toEpochMs(from);
  const end = toEpochMs(to);
  return start === undefined || end === undefined ? '-' : formatDuration(Math.max(0, end - start));
}

function toEpochMs(time: Time): number | undefined {
  if (time === null || time === undefined) return undefined;
  const ms = typeof time === 'number' ? time : Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

export function paintStatus(c: Colors, status: string): string {
  switch (status) {
    case 'success':
      return c.green(status);
    case 'failed':
      return c.red(status);
    case 'cancelled':
      return c.yellow(status);
    case 'skipped':
      return c.dim(status);
    default:
      return status;
  }
}

/** `run 42 web: deploy` + where it runs from and how to see it. */
export function formatRunHeader(run: Run, color: boolean): string {
  const c = createColors(color);
  const trigger = [run.trigger.kind, run.trigger.event, run.trigger.actor ? `by ${run.trigger.actor}` : undefined].filter(Boolean).join(' ');
  const lines = [
    `${c.bold(`run ${run.id}`)} ${run.project}: ${run.name}  ${paintStatus(c, run.status)}`,
    `  ref      ${run.ref} (${run.sha.slice(0, 12)})`,
    `  trigger  ${trigger}`,
    `  created  ${formatTime(run.createdAt)}`,
    `  took     ${formatElapsed(run.startedAt, run.finishedAt)}`,
    `  url      ${run.url}`,
  ];
  if (run.error) lines.push(`  error    ${c.red(run.error)}`);
  return lines.join('\n') + '\n';
}

/** One row per job instance: what `status` and a finished `run --wait` print. */
export function formatJobTable(run: RunWithJobs, color: boolean): string {
  if (run.jobs.length === 0) return 'no jobs\n';
  const c = createColors(color);
  const rows = run.jobs.map((job) => [
    job.key,
    paintStatus(c, job.status),
    String(job.attempts),
    formatElapsed(job.startedAt, job.finishedAt),
    job.error ?? '',
  ]);
  return formatTable(['JOB', 'STATUS', 'ATTEMPTS', 'DURATION', 'ERROR'], rows);
}

/** `run 42 success in 1.2s` */
export function formatRunOutcome(run: Run, color: boolean): string {
  const c = createColors(color);
  const elapsed = formatElapsed(run.startedAt, run.finishedAt);
  const error = run.error ? `: ${run.error}` : '';
  return `run ${run.id} ${paintStatus(c, run.status)}${elapsed === '-' ? '' : ` in ${elapsed}`}${error}\n`;
}
