import { createColors } from 'picocolors';
import { formatDuration, UsageError } from '../core/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './cli-context.js';
import { formatTable } from './format-table.js';
import { paintStatus } from './run-printer.js';

/** `deploylite runs`: past local runs in this directory, newest first. */
export async function runsCommand(ctx: CliContext, limitText: string): Promise<number> {
  if (!/^\d+$/.test(limitText)) throw new UsageError(`--limit expects a number, got "${limitText}"`);
  const store = ctx.openStore();
  try {
    const runs = await store.listRuns(Number(limitText));
    if (runs.length === 0) {
      ctx.stdout.write('no runs yet in this directory\n');
      return EXIT.success;
    }
    const c = createColors(ctx.color);
    const rows = runs.map((run) => [
      String(run.id),
      run.name,
      paintStatus(c, run.status),
      new Date(run.createdAt).toISOString().replace('T', ' ').slice(0, 19),
      run.startedAt !== null && run.finishedAt !== null ? formatDuration(run.finishedAt - run.startedAt) : '-',
      run.file,
    ]);
    ctx.stdout.write(formatTable(['RUN', 'NAME', 'STATUS', 'STARTED', 'DURATION', 'FILE'], rows));
    return EXIT.success;
  } finally {
    await store.close();
  }
}

/** `deploylite logs RUN_ID [--job ID]`: the stored (masked) log of a run or one job. */
export async function logsCommand(ctx: CliContext, runId: string, job: string | undefined): Promise<number> {
  if (!/^\d+$/.test(runId)) throw new UsageError(`run id must be a number, got "${runId}"`);
  const store = ctx.openStore();
  try {
    const run = await store.getRun(Number(runId));
    if (!run) throw new UsageError(`no run ${runId} (see \`deploylite runs\`)`);
    const jobs = await store.listJobs(run.id);
    if (job !== undefined && !jobs.some((j) => j.jobId === job || j.key === job)) {
      throw new UsageError(`run ${runId} has no job "${job}" (jobs: ${[...new Set(jobs.map((j) => j.jobId))].join(', ')})`);
    }
    const names = new Map(jobs.map((j) => [j.key, j.name]));
    for (const line of await store.readLogs(run.id, job)) {
      ctx.stdout.write(`[${names.get(line.jobKey) ?? line.jobKey}] ${line.text}\n`);
    }
    return EXIT.success;
  } finally {
    await store.close();
  }
}
