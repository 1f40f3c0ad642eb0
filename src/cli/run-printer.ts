import { createColors } from 'picocolors';
import { formatDuration } from '../core/index.js';
import type { EngineObserver, JobRecord, JobStatus, RunResult } from '../engine/index.js';
import type { Writable } from './cli-context.js';
import { formatTable } from './format-table.js';

type Colors = ReturnType<typeof createColors>;
const JOB_COLORS = ['cyan', 'magenta', 'blue', 'yellow', 'green'] as const;

/** Live output: every line prefixed with its job's name, coloured per job on a terminal. */
export function createRunPrinter(out: Writable, color: boolean): EngineObserver {
  const c = createColors(color);
  const jobColor = new Map<string, (text: string) => string>();
  const prefix = (job: JobRecord) => {
    let paint = jobColor.get(job.key);
    if (!paint) {
      paint = c[JOB_COLORS[jobColor.size % JOB_COLORS.length] as (typeof JOB_COLORS)[number]];
      jobColor.set(job.key, paint);
    }
    return paint(`[${job.name}]`);
  };
  return (event) => {
    switch (event.type) {
      case 'run:started':
        out.write(c.bold(`run ${event.run.id}: ${event.run.name}`) + '\n');
        break;
      case 'job:started':
        out.write(`${prefix(event.job)} ${c.dim('started')}\n`);
        break;
      case 'log:line': {
        const text = event.stream === 'system' ? c.dim(event.text) : event.stream === 'stderr' ? c.red(event.text) : event.text;
        out.write(`${prefix(event.job)} ${text}\n`);
        break;
      }
      case 'job:finished':
        out.write(`${prefix(event.job)} ${paintStatus(c, event.job.status)}${finishDetail(event.job)}\n`);
        break;
      case 'run:finished':
        break;
    }
  };
}

function finishDetail(job: JobRecord): string {
  const parts: string[] = [];
  if (job.startedAt !== null && job.finishedAt !== null) parts.push(formatDuration(job.finishedAt - job.startedAt));
  if (job.attempts > 1) parts.push(`${job.attempts} attempts`);
  if (job.error && job.status !== 'success') parts.push(job.error);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

export function paintStatus(c: Colors, status: JobStatus | RunResult['run']['status']): string {
  switch (status) {
    case 'success':
      return c.green('success');
    case 'failed':
      return c.red('failed');
    case 'cancelled':
      return c.yellow('cancelled');
    case 'skipped':
      return c.dim('skipped');
    default:
      return status;
  }
}

/** The table printed when a run ends: one row per job instance. */
export function formatSummary(result: RunResult, color: boolean): string {
  const c = createColors(color);
  const rows = result.jobs.map((job) => [
    job.name,
    paintStatus(c, job.status) + (job.continueOnError && job.status === 'failed' ? ' (allowed)' : ''),
    String(job.attempts),
    job.startedAt !== null && job.finishedAt !== null ? formatDuration(job.finishedAt - job.startedAt) : '-',
    job.rollbackStatus ? paintStatus(c, job.rollbackStatus) : '-',
  ]);
  const { run } = result;
  const total = run.startedAt !== null && run.finishedAt !== null ? ` in ${formatDuration(run.finishedAt - run.startedAt)}` : '';
  return `\n${formatTable(['JOB', 'STATUS', 'ATTEMPTS', 'DURATION', 'ROLLBACK'], rows)}\nrun ${run.id} ${paintStatus(c, run.status)}${total}\n`;
}
